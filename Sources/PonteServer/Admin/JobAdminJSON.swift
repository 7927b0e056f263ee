import PonteCore
import PonteKit
import PonteStore

// JSON shapes of the job admin API. Absent values are written as explicit nulls, so every
// field is always present.

struct AttemptJSON: Encodable {
    let attempt: JobAttempt

    init(_ attempt: JobAttempt) {
        self.attempt = attempt
    }

    public func encode(to encoder: any Encoder) throws {
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

    public func encode(to encoder: any Encoder) throws {
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

    public func encode(to encoder: any Encoder) throws {
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

    public func encode(to encoder: any Encoder) throws {
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

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.encode(requeued, forKey: "requeued")
        try c.encode(deadLettered, forKey: "dead_lettered")
    }
}
