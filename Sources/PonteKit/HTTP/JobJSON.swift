import PonteCore
import PonteStore

/// A job as the API shows it (`GET /api/v1/jobs/{id}`, and wherever a route answers with the
/// job it queued). Absent values are written as explicit nulls, so every field is present.
public struct JobJSON: Encodable {
    public let job: JobRecord

    public init(_ job: JobRecord) {
        self.job = job
    }

    public func encode(to encoder: any Encoder) throws {
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

/// A coding key given as a string literal, for hand-written `encode(to:)`.
public struct DynamicKey: CodingKey, ExpressibleByStringLiteral {
    public let stringValue: String
    public var intValue: Int? { nil }

    public init(stringLiteral value: String) { stringValue = value }
    public init?(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }
}

extension JobJSON {
    /// The schema of a job (component `Job`).
    public static var schema: JSONSchema { .object(properties) }

    /// The properties of `schema`, for schemas that extend it.
    public static let properties: [(String, JSONSchema)] = ([
        "id": .string("The job's id (job_…)"),
        "queue": .string(),
        "kind": .string("Which handler runs it, e.g. webhook.process"),
        "priority": .oneOf(JobPriority.allCases.map(\.rawValue)),
        "status": .oneOf(JobStatus.allCases.map(\.rawValue)),
        "attempts": .integer(minimum: 0),
        "max_attempts": .integer(minimum: 1),
        "unique_key": .string().nullable,
        "provider": .string("The provider it calls, for rate limits").nullable,
        "payload": .string("The job's arguments, as JSON text"),
        "last_error": .string().nullable,
        "result": JSONSchema.any("What a succeeded job produced (null otherwise)"),
        "run_at": .timestamp("When it is or was due"),
        "created_at": .timestamp(),
        "started_at": JSONSchema.timestamp().nullable,
        "finished_at": JSONSchema.timestamp().nullable,
        "lease_owner": .string("The worker running it").nullable,
        "lease_expires_at": JSONSchema.timestamp().nullable,
    ] as KeyValuePairs<String, JSONSchema>).map { ($0.key, $0.value) }
}
