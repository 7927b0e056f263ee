import Foundation
import Logging
import Synchronization
import PonteCore
import PonteStore

/// What a handler gets: the claimed job, a logger that names it, and the changes to commit
/// with the attempt's outcome.
public struct JobContext: Sendable {
    public let job: ClaimedJob
    let workerLogger: Logger
    let completion: JobCompletion

    init(job: ClaimedJob, workerLogger: Logger, completion: JobCompletion = JobCompletion()) {
        self.job = job
        self.workerLogger = workerLogger
        self.completion = completion
    }

    /// The worker's logger with the job's id and kind. Made when asked for: most jobs never
    /// log, and setting metadata costs more than a short job's run.
    public var logger: Logger {
        var logger = workerLogger
        logger[metadataKey: "job_id"] = "\(job.id)"
        logger[metadataKey: "job_kind"] = "\(job.kind)"
        return logger
    }

    /// True when this is the last attempt the job is allowed.
    public var isLastAttempt: Bool { job.attempt >= job.maxAttempts }

    /// Runs `unit` in the transaction that records this job's success: the change and the
    /// job's completion commit together (and one commit serves many jobs). If `unit` throws,
    /// none of it is kept and the job fails alone — it is retried by its policy, or
    /// dead-lettered with the error — while the jobs finishing with it commit. Not run if the
    /// handler throws. Several units run in the order they were given. A unit may run more than
    /// once (its transaction can be rolled back and tried again), so it must do nothing outside
    /// the database.
    public func onSuccess(_ unit: @escaping @Sendable (UnitOfWork) async throws -> Void) {
        completion.add(success: unit)
    }

    /// Leaves a statement to run in the transaction that records this job's success.
    public func onSuccess(_ write: DeferredWrite) {
        completion.add(write: write)
    }

    /// Runs `unit` in the transaction that records this attempt's failure (a retry to come,
    /// or the dead letter when `failure.final`), e.g. to record the error where operators look.
    public func onFailure(_ unit: @escaping @Sendable (UnitOfWork, JobAttemptFailure) async throws -> Void) {
        completion.add(failure: unit)
    }
}

/// How an attempt failed, for `JobContext.onFailure`.
public struct JobAttemptFailure: Sendable, Equatable {
    public let error: String
    /// True when the job is dead-lettered now: no attempt follows.
    public let final: Bool
    public let attempt: Int
}

/// What one attempt leaves for the transaction that records its outcome.
final class JobCompletion: Sendable {
    typealias Success = @Sendable (UnitOfWork) async throws -> Void
    typealias Failure = @Sendable (UnitOfWork, JobAttemptFailure) async throws -> Void

    private struct Steps {
        var writes: [DeferredWrite] = []
        var success: [Success] = []
        var failure: [Failure] = []
    }

    private let steps = Mutex(Steps())

    func add(write: DeferredWrite) { steps.withLock { $0.writes.append(write) } }
    func add(success: @escaping Success) { steps.withLock { $0.success.append(success) } }
    func add(failure: @escaping Failure) { steps.withLock { $0.failure.append(failure) } }

    var writes: [DeferredWrite] { steps.withLock { $0.writes } }
    var success: [Success] { steps.withLock { $0.success } }
    var failure: [Failure] { steps.withLock { $0.failure } }
}

/// Runs one kind of job. Handlers must be idempotent: a job whose worker dies mid-run runs
/// again, so its effect must happen once however many times it runs (use the job id as an
/// idempotency key for provider calls, and upserts for local changes).
///
/// Returning means success. Throwing `JobFailure` says how to go on; any other error is
/// retried with backoff until the job's attempts run out.
public typealias JobHandler = @Sendable (JobContext) async throws -> Void

/// Errors a handler throws to choose what happens next.
public enum JobFailure: Error, CustomStringConvertible {
    /// Try again after `after` (a provider's `Retry-After`), or after the usual backoff when nil.
    case retry(reason: String, after: Duration?)
    /// Retrying cannot help (bad data, a permanent provider refusal): dead-letter now.
    case permanent(reason: String)

    public var description: String {
        switch self {
        case .retry(let reason, _), .permanent(let reason): reason
        }
    }
}

/// Handlers by job kind.
public struct JobRegistry: Sendable {
    private var handlers: [String: JobHandler] = [:]
    private var abandonedWrites: [String: AbandonmentWrites] = [:]

    public init() {}

    /// - Parameter abandoned: the changes to make, with the job's own, when a worker dies
    ///   while running a job of this kind (its lease expires), e.g. a status the handler
    ///   set at its start and would have moved on.
    public mutating func register(_ kind: String, abandoned: AbandonmentWrites? = nil, _ handler: @escaping JobHandler) {
        if let abandoned { abandonedWrites[kind] = abandoned }
        handlers[kind] = handler
    }

    /// Adds `other`'s handlers; a kind registered in both is an error that names it.
    public mutating func merge(_ other: JobRegistry) throws {
        for kind in other.handlers.keys where handlers[kind] != nil {
            throw JobFailure.permanent(reason: "job kind '\(kind)' is registered twice")
        }
        handlers.merge(other.handlers) { current, _ in current }
        abandonedWrites.merge(other.abandonedWrites) { current, _ in current }
    }

    public func handler(for kind: String) -> JobHandler? {
        handlers[kind]
    }

    public var kinds: [String] { handlers.keys.sorted() }

    /// The changes that go with abandoned jobs, by their kind, for a stale-lease sweep.
    public var abandonment: AbandonmentWrites {
        let writes = abandonedWrites
        return { job in writes[job.kind]?(job) ?? [] }
    }
}

/// The time source of the queue, in microseconds since the Unix epoch. Tests pass a
/// `ManualJobClock` to control delays, backoff, leases and schedules without sleeping.
public protocol JobClock: Sendable {
    func now() -> Int64
}

public struct SystemJobClock: JobClock {
    public init() {}

    public func now() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1_000_000)
    }
}

/// A clock that moves only when told to.
public final class ManualJobClock: JobClock {
    private let current: Mutex<Int64>

    public init(now: Int64) {
        current = Mutex(now)
    }

    public func now() -> Int64 { current.withLock { $0 } }

    public func advance(by duration: Duration) {
        current.withLock { $0 += duration.microseconds }
    }

    public func set(_ now: Int64) {
        current.withLock { $0 = now }
    }
}
