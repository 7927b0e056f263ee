import PonteCore
import PonteStore

// JSON shapes of the job admin API. Absent values are written as explicit nulls, so every
// field is always present.

struct JobJSON: Encodable {
    let job: JobRecord

    init(_ job: JobRecord) {
        self.job = job
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.encode(job.id, forKey: "id")
        try c.encode(job.queue, forKey: "queue")
        try c.encode(job.kind, forKey: "kind")
        try c.encode(job.priority.rawValue, forKey: "priority")
        try c.encode(job.status.rawValue, forKey: "status")
        try c.encode(job.attempts, forKey: "attempts")
        try c.encode(job.maxAttempts, forKey: "max_attempts")
        try c.encode(job.uniqueKey, forKey: "unique_key")
        try c.encode(job.provider, forKey: "provider")
        try c.encode(job.payload, forKey: "payload")
        try c.encode(job.lastError, forKey: "last_error")
        try c.encode(job.result.map { JSONValue(parsing: $0) ?? .string($0) }, forKey: "result")
        try c.encode(Timestamps.iso8601(microseconds: job.runAt), forKey: "run_at")
        try c.encode(Timestamps.iso8601(microseconds: job.createdAt), forKey: "created_at")
        try c.encode(job.startedAt.map(Timestamps.iso8601), forKey: "started_at")
        try c.encode(job.finishedAt.map(Timestamps.iso8601), forKey: "finished_at")
        try c.encode(job.leaseOwner, forKey: "lease_owner")
        try c.encode(job.leaseExpiresAt.map(Timestamps.iso8601), forKey: "lease_expires_at")
    }
}

struct AttemptJSON: Encodable {
    let attempt: JobAttempt

    init(_ attempt: JobAttempt) {
        self.attempt = attempt
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.encode(attempt.attempt, forKey: "attempt")
        try c.encode(attempt.outcome, forKey: "outcome")
        try c.encode(attempt.error, forKey: "error")
        try c.encode(attempt.worker, forKey: "worker")
        try c.encode(attempt.startedAt.map(Timestamps.iso8601), forKey: "started_at")
        try c.encode(Timestamps.iso8601(microseconds: attempt.finishedAt), forKey: "finished_at")
    }
}

/// A job with its failed attempts (`attempt_history`, oldest first).
struct JobDetailJSON: Encodable {
    let job: JobJSON
    let attempts: [AttemptJSON]

    func encode(to encoder: any Encoder) throws {
        try job.encode(to: encoder)
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.encode(attempts, forKey: "attempt_history")
    }
}

struct QueueJSON: Encodable {
    let name: String
    var pending = 0
    var running = 0
    var dead = 0
    var byPriority: [String: [String: Int]] = [:]
    /// Seconds the oldest due pending job has waited, if any is due.
    var oldestPendingAge: Double?

    init(name: String) {
        self.name = name
    }

    mutating func add(_ count: QueueCount, now: Int64) {
        switch count.status {
        case .pending: pending += count.count
        case .running: running += count.count
        case .dead: dead += count.count
        default: break
        }
        byPriority[count.priority.rawValue, default: [:]][count.status.rawValue, default: 0] += count.count
        if let due = count.oldestDueAt {
            let age = Double(max(0, now - due)) / 1_000_000
            oldestPendingAge = max(oldestPendingAge ?? age, age)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.encode(name, forKey: "queue")
        try c.encode(pending, forKey: "pending")
        try c.encode(running, forKey: "running")
        try c.encode(dead, forKey: "dead")
        try c.encode(byPriority, forKey: "by_priority")
        try c.encode(oldestPendingAge, forKey: "oldest_pending_age_seconds")
    }
}

struct QueuesJSON: Encodable {
    let queues: [QueueJSON]
    let deadLetters: Int

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.encode(queues, forKey: "queues")
        try c.encode(deadLetters, forKey: "dead_letters")
    }
}

struct RetriedJSON: Encodable {
    let retried: Int
    let ids: [String]
}

struct RecoveryJSON: Encodable {
    let requeued: [String]
    let deadLettered: [String]

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.encode(requeued, forKey: "requeued")
        try c.encode(deadLettered, forKey: "dead_lettered")
    }
}

struct ReplayJSON: Encodable {
    let webhookID: String
    let jobID: String
    let existing: Bool

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.encode(webhookID, forKey: "webhook_id")
        try c.encode(jobID, forKey: "job_id")
        try c.encode(existing, forKey: "existing")
    }
}

/// A coding key given as a string literal.
struct DynamicKey: CodingKey, ExpressibleByStringLiteral {
    let stringValue: String
    var intValue: Int? { nil }

    init(stringLiteral value: String) { stringValue = value }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
