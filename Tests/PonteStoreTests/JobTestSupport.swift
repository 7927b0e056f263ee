import Foundation
import PonteCore
import Testing

@testable import PonteStore

// Shared by the job queue's storage and runner tests. Every time is an explicit value in
// microseconds since the Unix epoch; nothing reads the wall clock.

/// When job tests start: 2025-06-15T15:06:40Z.
let t0: Int64 = 1_750_000_000_000_000
/// One second, in the queue's microseconds.
let oneSecond: Int64 = 1_000_000

/// One generator for the whole test process, so job ids in a test increase in the order made.
let testJobIDs = SortableIDGenerator(prefix: "job_")

/// A job due at `runAt` (default `t0`) with a fresh, increasing id.
func newJob(
    queue: String = "work", kind: String = "test.job", priority: JobPriority = .normal, payload: String = "{}",
    uniqueKey: String? = nil, provider: String? = nil, runAt: Int64 = t0, maxAttempts: Int = 10
) -> NewJob {
    NewJob(
        id: testJobIDs.next(at: Date(timeIntervalSince1970: Double(runAt) / 1_000_000)), queue: queue, kind: kind,
        priority: priority, payload: payload, uniqueKey: uniqueKey, provider: provider, runAt: runAt, maxAttempts: maxAttempts
    )
}

/// Runs `body` with a fresh database on `backend`, migrated to the latest schema.
func withJobDatabase(_ backend: Backend, _ body: (any StoreDatabase) async throws -> Void) async throws {
    try await withFreshDatabase(backend) { database in
        _ = try await database.migrate(logger: quietLogger)
        try await body(database)
    }
}

extension StoreDatabase {
    /// The stored job `id`, which must exist.
    func requireJob(_ id: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> JobRecord {
        try #require(try await job(id: id), "job \(id) is missing", sourceLocation: sourceLocation).job
    }

    /// The failed-attempt history of job `id`, which must exist.
    func history(_ id: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [JobAttempt] {
        try #require(try await job(id: id), "job \(id) is missing", sourceLocation: sourceLocation).attempts
    }

    /// Every job, newest first.
    func allJobs() async throws -> [JobRecord] {
        try await listJobs(JobQuery(limit: 10_000))
    }

    /// Enqueues `job` and returns its id, checking it was added rather than found.
    @discardableResult
    func add(_ job: NewJob, now: Int64 = t0, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let outcome = try await enqueue([job], now: now)
        #expect(outcome == [EnqueuedJob(id: job.id, existing: false)], sourceLocation: sourceLocation)
        return job.id
    }

    /// Claims the single most urgent due job of `queue` for `worker`, which must exist.
    func claimOne(
        queue: String = "work", worker: String = "w1", now: Int64 = t0, lease: Int64 = 30 * oneSecond,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> ClaimedJob {
        let claimed = try await claimJobs(queue: queue, limit: 1, worker: worker, now: now, leaseUntil: now + lease)
        return try #require(claimed.first, "nothing to claim in \(queue) at \(now)", sourceLocation: sourceLocation)
    }

    /// Enqueues a job, claims it and ends that attempt with `result(id)`, all at `now`.
    @discardableResult
    func addFinished(
        _ job: NewJob, worker: String = "w1", now: Int64 = t0, sourceLocation: SourceLocation = #_sourceLocation,
        _ result: (String) -> JobResult
    ) async throws -> String {
        try await add(job, now: now, sourceLocation: sourceLocation)
        let claimed = try await claimJobs(queue: job.queue, limit: 1, worker: worker, now: max(now, job.runAt), leaseUntil: now + 30 * oneSecond)
        #expect(claimed.map(\.id) == [job.id], "another job was due first", sourceLocation: sourceLocation)
        let lost = try await finishJobs([result(job.id)], worker: worker, now: now)
        #expect(lost.isEmpty, sourceLocation: sourceLocation)
        return job.id
    }
}
