/// How urgent a job is. Workers take due jobs in priority order, but a job's priority only
/// buys it a head start of bounded length: a job waiting longer than its `headStartDelay`
/// behind more urgent work overtakes it, so a steady stream of urgent jobs cannot starve
/// the rest forever.
public enum JobPriority: String, Sendable, CaseIterable, Codable, Comparable {
    case critical
    case high
    case normal
    case low

    /// 0 for the most urgent.
    public var rank: Int {
        switch self {
        case .critical: 0
        case .high: 1
        case .normal: 2
        case .low: 3
        }
    }

    /// How long a due job of this priority may wait behind a just-due `critical` job before
    /// it is taken first. Jobs are claimed in order of `runAt + headStartDelay`.
    public var headStartDelay: Duration {
        switch self {
        case .critical: .zero
        case .high: .seconds(5)
        case .normal: .seconds(30)
        case .low: .seconds(120)
        }
    }

    /// The claim order key, in microseconds: due time plus the priority's head-start delay.
    public func orderKey(runAt: Int64) -> Int64 {
        runAt + headStartDelay.microseconds
    }

    public static func < (lhs: JobPriority, rhs: JobPriority) -> Bool { lhs.rank > rhs.rank }
}

/// Where a job is in its life.
public enum JobStatus: String, Sendable, CaseIterable, Codable {
    /// Waiting for its due time (`runAt`) or for a worker; includes retries waiting out a backoff.
    case pending
    /// A worker holds its lease and is running it.
    case running
    /// Its handler finished.
    case succeeded
    /// It failed `maxAttempts` times or failed permanently: a dead letter, kept with its
    /// error history until retried or cancelled.
    case dead
    /// Cancelled by an operator before it ran to completion.
    case cancelled
}
