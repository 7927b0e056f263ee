import Foundation
import Synchronization
import PonteCore
import PonteStore

/// Enqueues jobs: gives them ids and due times, and wakes this process's workers.
public struct JobQueue: Sendable {
    public let database: any StoreDatabase
    public let clock: any JobClock
    private let ids: SortableIDGenerator
    private let enqueued: @Sendable (_ queue: String, _ count: Int) -> Void
    private let waker = Waker()

    /// - Parameter enqueued: called after jobs were added (not for ones found by unique key),
    ///   for metrics.
    public init(
        database: any StoreDatabase, clock: any JobClock = SystemJobClock(),
        enqueued: @escaping @Sendable (_ queue: String, _ count: Int) -> Void = { _, _ in }
    ) {
        self.database = database
        self.clock = clock
        self.ids = SortableIDGenerator(prefix: "job_")
        self.enqueued = enqueued
    }

    /// A job ready to enqueue, here or inside another transaction. Due now plus `delay`.
    public func makeJob(
        kind: String, queue: String, payload: String = "{}", priority: JobPriority = .normal, uniqueKey: String? = nil,
        provider: String? = nil, delay: Duration = .zero, maxAttempts: Int = 10
    ) -> NewJob {
        let now = clock.now()
        return NewJob(
            id: ids.next(at: .init(timeIntervalSince1970: Double(now) / 1_000_000)), queue: queue, kind: kind,
            priority: priority, payload: payload, uniqueKey: uniqueKey, provider: provider,
            runAt: now + max(0, delay.microseconds), maxAttempts: max(1, maxAttempts)
        )
    }

    @discardableResult
    public func enqueue(_ jobs: [NewJob]) async throws -> [EnqueuedJob] {
        let outcomes = try await database.enqueue(jobs, now: clock.now())
        didEnqueue(jobs, outcomes)
        return outcomes
    }

    /// Tells workers and metrics that `jobs` were enqueued with these outcomes, by a caller
    /// that enqueued them inside its own transaction.
    public func didEnqueue(_ jobs: [NewJob], _ outcomes: [EnqueuedJob]) {
        var added: [String: Int] = [:]
        for (job, outcome) in zip(jobs, outcomes) where !outcome.existing {
            added[job.queue, default: 0] += 1
        }
        for (queue, count) in added {
            enqueued(queue, count)
            wakeWorkers(queue: queue)
        }
    }

    /// Wakes this process's workers of `queue` (nil: of every queue) to look for due jobs now,
    /// after jobs were enqueued or sent back to the queue.
    public func wakeWorkers(queue: String? = nil) {
        waker.wake(queue)
    }

    /// Who `wakeWorkers` wakes: the runner, once it exists.
    public func setWorkerWakeUp(_ wake: @escaping @Sendable (_ queue: String?) -> Void) {
        waker.set(wake)
    }
}

/// A wake-up target set after construction.
///
/// The closure is kept inside a struct: a closure stored as `Mutex`'s value itself is
/// re-abstracted on each `withLock` (a thunk on the way in, another on the write-back), so
/// every wake would wrap it twice more and wakes would get slower without end.
private final class Waker: Sendable {
    private struct Target: Sendable {
        let wake: @Sendable (String?) -> Void
    }

    private let target = Mutex<Target?>(nil)

    func set(_ wake: @escaping @Sendable (String?) -> Void) {
        target.withLock { $0 = Target(wake: wake) }
    }

    func wake(_ queue: String?) {
        target.withLock { $0 }?.wake(queue)
    }
}
