import PonteCore

/// A job about to be enqueued. Times are microseconds since the Unix epoch.
public struct NewJob: Sendable, Equatable {
    public var id: String
    public var queue: String
    /// Which handler runs it, e.g. `webhook.process`.
    public var kind: String
    public var priority: JobPriority
    /// JSON text handed to the handler.
    public var payload: String
    /// While a job with this key is pending or running, enqueueing another returns it instead.
    public var uniqueKey: String?
    /// The provider the job calls, for per-provider rate limits.
    public var provider: String?
    public var runAt: Int64
    public var maxAttempts: Int

    public init(
        id: String, queue: String, kind: String, priority: JobPriority = .normal, payload: String = "{}",
        uniqueKey: String? = nil, provider: String? = nil, runAt: Int64, maxAttempts: Int = 10
    ) {
        self.id = id
        self.queue = queue
        self.kind = kind
        self.priority = priority
        self.payload = payload
        self.uniqueKey = uniqueKey
        self.provider = provider
        self.runAt = runAt
        self.maxAttempts = maxAttempts
    }
}

/// What enqueueing one job did: added it, or found an active job with the same unique key.
public struct EnqueuedJob: Sendable, Equatable {
    public var id: String
    /// True when `id` is an earlier job with the same unique key, still pending or running.
    public var existing: Bool

    public init(id: String, existing: Bool) {
        self.id = id
        self.existing = existing
    }
}

/// A job a worker has claimed: it holds the lease until `leaseExpiresAt` unless renewed.
public struct ClaimedJob: Sendable, Equatable {
    public var id: String
    public var queue: String
    public var kind: String
    public var priority: JobPriority
    public var payload: String
    public var provider: String?
    /// This attempt's number, from 1.
    public var attempt: Int
    public var maxAttempts: Int
    public var runAt: Int64
    public var startedAt: Int64
}

/// How a worker's attempt at a job ended.
public enum JobResult: Sendable, Equatable {
    /// The handler finished.
    case succeeded(id: String)
    /// The attempt failed; run it again at `at`.
    case retry(id: String, at: Int64, error: String)
    /// The attempt failed for good (or was the last allowed): dead-letter it.
    case dead(id: String, error: String)
    /// Not run (a rate limit said wait, or the worker is stopping): back to pending at `at`,
    /// without counting an attempt.
    case release(id: String, at: Int64)

    public var id: String {
        switch self {
        case .succeeded(let id), .retry(let id, _, _), .dead(let id, _), .release(let id, _): id
        }
    }
}

/// One stored job.
public struct JobRecord: Sendable, Equatable {
    public var id: String
    public var queue: String
    public var kind: String
    public var priority: JobPriority
    public var status: JobStatus
    public var payload: String
    public var uniqueKey: String?
    public var provider: String?
    public var runAt: Int64
    public var attempts: Int
    public var maxAttempts: Int
    public var leaseOwner: String?
    public var leaseExpiresAt: Int64?
    public var lastError: String?
    public var createdAt: Int64
    public var startedAt: Int64?
    public var finishedAt: Int64?
    /// What the job produced, as JSON, when its handler recorded it (`JobWrites.result`).
    public var result: String?
}

/// One failed attempt, kept as the job's error history.
public struct JobAttempt: Sendable, Equatable {
    public var attempt: Int
    public var worker: String?
    public var startedAt: Int64?
    public var finishedAt: Int64
    /// `failed`, `dead` or `lease_expired`.
    public var outcome: String
    public var error: String?
}

/// Filters and page for listing jobs, newest first.
public struct JobQuery: Sendable, Equatable {
    public var status: JobStatus?
    public var queue: String?
    public var priority: JobPriority?
    public var limit: Int
    /// List only jobs older than this id (the previous page's last id).
    public var before: String?

    public init(status: JobStatus? = nil, queue: String? = nil, priority: JobPriority? = nil, limit: Int = 50, before: String? = nil) {
        self.status = status
        self.queue = queue
        self.priority = priority
        self.limit = limit
        self.before = before
    }
}

/// Jobs counted by queue, priority and status.
public struct QueueCount: Sendable, Equatable {
    public var queue: String
    public var priority: JobPriority
    public var status: JobStatus
    public var count: Int
    /// For pending jobs: the earliest due time among those already due, if any.
    public var oldestDueAt: Int64?
}

/// Which dead letters to send back to the queue; nil fields match everything.
public struct DeadLetterFilter: Sendable, Equatable {
    public var queue: String?
    public var provider: String?
    /// A substring of the last error.
    public var errorContains: String?

    public init(queue: String? = nil, provider: String? = nil, errorContains: String? = nil) {
        self.queue = queue
        self.provider = provider
        self.errorContains = errorContains
    }
}

/// What a stale-lease sweep did.
public struct StaleRecovery: Sendable, Equatable {
    /// Jobs whose lease expired, now pending again.
    public var requeued: [String]
    /// Jobs whose lease expired on their last allowed attempt, now dead.
    public var deadLettered: [String]

    public init(requeued: [String] = [], deadLettered: [String] = []) {
        self.requeued = requeued
        self.deadLettered = deadLettered
    }
}

/// A running job whose lease expired, as a stale-lease sweep found it.
public struct AbandonedJob: Sendable, Equatable {
    public let id: String
    public let kind: String
    public let payload: String
    /// True when it was on its last attempt and is now dead; false when it is pending again.
    public let deadLettered: Bool
    public let error: String

    public init(id: String, kind: String, payload: String, deadLettered: Bool, error: String) {
        self.id = id
        self.kind = kind
        self.payload = payload
        self.deadLettered = deadLettered
        self.error = error
    }
}

/// The changes that go with a job's abandonment, made in the same transaction: what a job
/// kind's handler would have recorded had its worker not died (none by default).
public typealias AbandonmentWrites = @Sendable (AbandonedJob) -> [DeferredWrite]

/// A periodic job: enqueued once per due time across all processes.
public struct JobScheduleRecord: Sendable, Equatable {
    public var name: String
    public var kind: String
    public var queue: String
    public var priority: JobPriority
    public var payload: String
    /// `cron:<expression>` or `every:<seconds>`.
    public var spec: String
    public var nextRunAt: Int64

    public init(name: String, kind: String, queue: String, priority: JobPriority, payload: String, spec: String, nextRunAt: Int64) {
        self.name = name
        self.kind = kind
        self.queue = queue
        self.priority = priority
        self.payload = payload
        self.spec = spec
        self.nextRunAt = nextRunAt
    }
}

/// A token bucket: `capacity` tokens, refilled continuously at `capacity` per `per`.
public struct RateLimit: Sendable, Equatable {
    public var capacity: Int
    public var per: Duration

    public init(capacity: Int, per: Duration) {
        self.capacity = capacity
        self.per = per
    }

    /// Tokens added per microsecond.
    var refillPerMicrosecond: Double { Double(capacity) / Double(max(1, per.microseconds)) }
}

/// Claim and run timings of jobs of one kind, for benchmarks.
public struct JobTiming: Sendable, Equatable {
    public var runAt: Int64
    public var startedAt: Int64
    public var finishedAt: Int64
}

/// What a worker asks for when claiming: up to `limit` due jobs of `queue`, leased until
/// `leaseUntil`, while fewer than `queueLimit` of the queue run across all processes.
public struct ClaimRequest: Sendable, Equatable {
    public var queue: String
    public var limit: Int
    public var queueLimit: Int?
    public var worker: String
    public var now: Int64
    public var leaseUntil: Int64

    public init(queue: String, limit: Int, queueLimit: Int? = nil, worker: String, now: Int64, leaseUntil: Int64) {
        self.queue = queue
        self.limit = limit
        self.queueLimit = queueLimit
        self.worker = worker
        self.now = now
        self.leaseUntil = leaseUntil
    }
}

/// Writes about jobs that a handler leaves for its success transaction.
public enum JobWrites {
    /// Records what job `id` produced (JSON text), shown with the job in the admin API.
    public static func result(id: String, json: String) -> DeferredWrite {
        .update("jobs", set: "result = ?", [.text(json)], id: id)
    }
}

/// A statement a succeeded job's handler leaves to be run in the transaction that records
/// the job's success, so the two commit together (and many jobs share one commit).
public struct DeferredWrite: Sendable, Equatable {
    public let sql: String
    public let binds: [SQLValue]
    /// Set when the statement changes one row by id: such writes that differ only in the id
    /// run as one statement when many jobs finish together.
    let row: RowUpdate?

    struct RowUpdate: Sendable, Equatable {
        let shape: Shape
        let id: String

        /// What writes that may run as one statement share.
        struct Shape: Hashable, Sendable {
            let table: String
            let assignments: String
            let binds: [SQLValue]
        }
    }

    public init(sql: String, binds: [SQLValue]) {
        self.sql = sql
        self.binds = binds
        self.row = nil
    }

    /// `UPDATE table SET assignments WHERE id = ?`, with `binds` for the assignments.
    public static func update(_ table: String, set assignments: String, _ binds: [SQLValue], id: String) -> DeferredWrite {
        DeferredWrite(
            sql: "UPDATE \(table) SET \(assignments) WHERE id = ?", binds: binds + [.text(id)],
            row: RowUpdate(shape: .init(table: table, assignments: assignments, binds: binds), id: id)
        )
    }

    private init(sql: String, binds: [SQLValue], row: RowUpdate) {
        self.sql = sql
        self.binds = binds
        self.row = row
    }

    /// Runs `writes` in order, except that row updates in a row with no other write between
    /// them, each to a different row, run as one statement per shape (updates of different
    /// rows do not depend on each other's order).
    public static func run(_ writes: [DeferredWrite], on sql: any SQLExecutor) async throws {
        var index = 0
        while index < writes.count {
            guard writes[index].row != nil else {
                try await sql.execute(writes[index].sql, writes[index].binds)
                index += 1
                continue
            }
            var end = index
            while end < writes.count, writes[end].row != nil { end += 1 }
            try await runRowUpdates(writes[index..<end], on: sql)
            index = end
        }
    }

    private static func runRowUpdates(_ writes: ArraySlice<DeferredWrite>, on sql: any SQLExecutor) async throws {
        var targets = Set<[String]>()
        guard writes.compactMap(\.row).allSatisfy({ targets.insert([$0.shape.table, $0.id]).inserted }) else {
            // A row written twice: its writes keep their order.
            for write in writes { try await sql.execute(write.sql, write.binds) }
            return
        }
        var order: [RowUpdate.Shape] = []
        var groups: [RowUpdate.Shape: [DeferredWrite]] = [:]
        for write in writes {
            guard let shape = write.row?.shape else { continue }
            if groups[shape] == nil { order.append(shape) }
            groups[shape, default: []].append(write)
        }
        for shape in order {
            let group = groups[shape] ?? []
            if group.count == 1 {
                try await sql.execute(group[0].sql, group[0].binds)
            } else {
                try await sql.execute(
                    "UPDATE \(shape.table) SET \(shape.assignments) WHERE \(sql.dialect.inList("id"))",
                    shape.binds + [.textList(group.compactMap { $0.row?.id })]
                )
            }
        }
    }
}
