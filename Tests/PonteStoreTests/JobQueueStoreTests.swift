import Foundation
import NIOCore
import PonteCore
import Testing

@testable import PonteStore

/// The job queue's storage, on every backend: claims, leases, outcomes, operators' changes,
/// schedules, rate limits, and the inbox's processing jobs.
@Suite struct JobQueueStoreTests {
    // MARK: Enqueue and claim

    @Test(arguments: Backend.available)
    func claimReturnsTheEnqueuedJobOnItsFirstAttemptUnderALease(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let job = newJob(
                queue: "work", kind: "mail.send", priority: .high, payload: #"{"to":"a@example.com"}"#, provider: "mailchimp",
                runAt: t0 - 5 * oneSecond, maxAttempts: 4
            )
            try await database.add(job, now: t0 - 10 * oneSecond)

            let claimed = try await database.claimJobs(queue: "work", limit: 10, worker: "w1", now: t0, leaseUntil: t0 + 30 * oneSecond)

            #expect(
                claimed == [
                    ClaimedJob(
                        id: job.id, queue: "work", kind: "mail.send", priority: .high, payload: #"{"to":"a@example.com"}"#,
                        provider: "mailchimp", attempt: 1, maxAttempts: 4, runAt: t0 - 5 * oneSecond, startedAt: t0
                    )
                ])
            let stored = try await database.requireJob(job.id)
            #expect(
                stored
                    == JobRecord(
                        id: job.id, queue: "work", kind: "mail.send", priority: .high, status: .running,
                        payload: #"{"to":"a@example.com"}"#, uniqueKey: nil, provider: "mailchimp", runAt: t0 - 5 * oneSecond,
                        attempts: 1, maxAttempts: 4, leaseOwner: "w1", leaseExpiresAt: t0 + 30 * oneSecond, lastError: nil,
                        createdAt: t0 - 10 * oneSecond, startedAt: t0, finishedAt: nil
                    ))
            // Running jobs are not claimed again, by anyone.
            #expect(try await database.claimJobs(queue: "work", limit: 10, worker: "w2", now: t0, leaseUntil: t0 + 30 * oneSecond).isEmpty)
            #expect(try await database.claimJobs(queue: "other", limit: 10, worker: "w2", now: t0, leaseUntil: t0).isEmpty)
        }
    }

    @Test(arguments: Backend.available)
    func delayedJobIsClaimableAtExactlyItsRunAtAndNotBefore(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let runAt = t0 + 10 * oneSecond
            let id = try await database.add(newJob(runAt: runAt))

            #expect(try await database.hasDueJobs(queue: "work", now: runAt - 1) == false)
            #expect(try await database.claimJobs(queue: "work", limit: 5, worker: "w1", now: runAt - 1, leaseUntil: runAt).isEmpty)

            #expect(try await database.hasDueJobs(queue: "work", now: runAt) == true)
            #expect(try await database.hasDueJobs(queue: "elsewhere", now: runAt) == false)
            let claimed = try await database.claimJobs(queue: "work", limit: 5, worker: "w1", now: runAt, leaseUntil: runAt + oneSecond)
            #expect(claimed.map(\.id) == [id])
            #expect(try await database.hasDueJobs(queue: "work", now: runAt) == false)
        }
    }

    @Test(arguments: Backend.available)
    func jobsDueAtTheSameTimeAreClaimedMostUrgentFirst(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            // Enqueued least urgent first, so insertion order cannot pass for priority order.
            var ids: [JobPriority: String] = [:]
            for priority in [JobPriority.low, .normal, .high, .critical] {
                ids[priority] = try await database.add(newJob(priority: priority))
            }

            var order: [String] = []
            for _ in 0..<4 { order.append(try await database.claimOne(now: t0).id) }

            #expect(order == [ids[.critical], ids[.high], ids[.normal], ids[.low]].compactMap { $0 })
        }
    }

    @Test(arguments: Backend.available)
    func lowJobWaitingLongerThanItsHeadStartDelayOvertakesAJustDueCriticalJob(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let headStart = JobPriority.low.headStartDelay.microseconds
            #expect(headStart == 120 * oneSecond)
            let critical = try await database.add(newJob(priority: .critical, runAt: t0))
            let starving = try await database.add(newJob(priority: .low, runAt: t0 - headStart - oneSecond))

            #expect(try await database.claimOne(now: t0).id == starving)
            #expect(try await database.claimOne(now: t0).id == critical)
        }
    }

    @Test(arguments: Backend.available)
    func lowJobWithinItsHeadStartDelayStillWaitsBehindACriticalJob(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let headStart = JobPriority.low.headStartDelay.microseconds
            let critical = try await database.add(newJob(priority: .critical, runAt: t0))
            let low = try await database.add(newJob(priority: .low, runAt: t0 - headStart + oneSecond))

            #expect(try await database.claimOne(now: t0).id == critical)
            #expect(try await database.claimOne(now: t0).id == low)
        }
    }

    // MARK: Unique keys

    @Test(arguments: Backend.available)
    func uniqueKeyReturnsTheActiveJobUntilItSucceeds(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let first = try await database.add(newJob(uniqueKey: "order:42"))

            // Pending: the same key returns the first job.
            let second = newJob(uniqueKey: "order:42")
            #expect(try await database.enqueue([second], now: t0) == [EnqueuedJob(id: first, existing: true)])
            // Running: still the first job.
            _ = try await database.claimOne(now: t0)
            let third = newJob(uniqueKey: "order:42")
            #expect(try await database.enqueue([third], now: t0) == [EnqueuedJob(id: first, existing: true)])
            #expect(try await database.allJobs().map(\.id) == [first])

            // Succeeded: the key is free again.
            #expect(try await database.finishJobs([.succeeded(id: first)], worker: "w1", now: t0 + oneSecond).isEmpty)
            let fourth = newJob(uniqueKey: "order:42")
            #expect(try await database.enqueue([fourth], now: t0) == [EnqueuedJob(id: fourth.id, existing: false)])
            #expect(try await database.allJobs().map(\.id) == [fourth.id, first])
        }
    }

    @Test(arguments: Backend.available)
    func sameUniqueKeyTwiceInOneBatchAddsOneJob(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let a = newJob(uniqueKey: "k")
            let b = newJob(uniqueKey: "k")
            let plain = newJob()
            let outcomes = try await database.enqueue([a, b, plain], now: t0)
            #expect(outcomes == [EnqueuedJob(id: a.id, existing: false), EnqueuedJob(id: a.id, existing: true), EnqueuedJob(id: plain.id, existing: false)])
            #expect(Set(try await database.allJobs().map(\.id)) == [a.id, plain.id])
        }
    }

    // MARK: Outcomes

    @Test(arguments: Backend.available)
    func finishRecordsSuccessRetryDeadAndRelease(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let ids = [
                try await database.add(newJob(queue: "a", maxAttempts: 5)),
                try await database.add(newJob(queue: "b", maxAttempts: 5)),
                try await database.add(newJob(queue: "c", maxAttempts: 5)),
                try await database.add(newJob(queue: "d", maxAttempts: 5)),
            ]
            for queue in ["a", "b", "c", "d"] { _ = try await database.claimOne(queue: queue, now: t0) }
            let (succeeded, retried, dead, released) = (ids[0], ids[1], ids[2], ids[3])
            let now = t0 + 3 * oneSecond

            let lost = try await database.finishJobs(
                [
                    .succeeded(id: succeeded),
                    .retry(id: retried, at: t0 + 60 * oneSecond, error: "HTTP 503"),
                    .dead(id: dead, error: "HTTP 400: bad request"),
                    .release(id: released, at: t0 + 10 * oneSecond),
                ],
                worker: "w1", now: now
            )
            #expect(lost.isEmpty)

            let success = try await database.requireJob(succeeded)
            #expect(success.status == .succeeded)
            #expect(success.attempts == 1)
            #expect(success.finishedAt == now)
            #expect(success.leaseOwner == nil && success.leaseExpiresAt == nil)
            #expect(try await database.history(succeeded).isEmpty)

            // Retry: pending again at the given time, the attempt counted and kept in the history.
            let retry = try await database.requireJob(retried)
            #expect(retry.status == .pending)
            #expect(retry.runAt == t0 + 60 * oneSecond)
            #expect(retry.attempts == 1)
            #expect(retry.lastError == "HTTP 503")
            #expect(retry.finishedAt == nil)
            #expect(retry.leaseOwner == nil && retry.leaseExpiresAt == nil)
            #expect(
                try await database.history(retried)
                    == [JobAttempt(attempt: 1, worker: "w1", startedAt: t0, finishedAt: now, outcome: "failed", error: "HTTP 503")])
            #expect(try await database.claimJobs(queue: "b", limit: 1, worker: "w1", now: t0 + 60 * oneSecond - 1, leaseUntil: t0).isEmpty)
            #expect(try await database.claimOne(queue: "b", now: t0 + 60 * oneSecond).attempt == 2)

            // Dead: finished, with the error.
            let deadJob = try await database.requireJob(dead)
            #expect(deadJob.status == .dead)
            #expect(deadJob.finishedAt == now)
            #expect(deadJob.lastError == "HTTP 400: bad request")
            #expect(deadJob.attempts == 1)
            #expect(
                try await database.history(dead)
                    == [JobAttempt(attempt: 1, worker: "w1", startedAt: t0, finishedAt: now, outcome: "dead", error: "HTTP 400: bad request")])
            #expect(try await database.claimJobs(queue: "c", limit: 1, worker: "w1", now: t0 + 3600 * oneSecond, leaseUntil: t0).isEmpty)

            // Release: pending at the given time, and the attempt does not count.
            let release = try await database.requireJob(released)
            #expect(release.status == .pending)
            #expect(release.attempts == 0)
            #expect(release.runAt == t0 + 10 * oneSecond)
            #expect(release.startedAt == nil && release.leaseOwner == nil && release.lastError == nil)
            #expect(try await database.history(released).isEmpty)
            #expect(try await database.claimOne(queue: "d", now: t0 + 10 * oneSecond).attempt == 1)
        }
    }

    @Test(arguments: Backend.available)
    func finishingUnderAnotherWorkerChangesNothingAndReportsTheJobsLost(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let ids = [
                try await database.add(newJob(queue: "a")), try await database.add(newJob(queue: "b")),
                try await database.add(newJob(queue: "c")), try await database.add(newJob(queue: "d")),
            ]
            for queue in ["a", "b", "c", "d"] { _ = try await database.claimOne(queue: queue, worker: "w1", now: t0) }
            let before = try await database.allJobs()

            let lost = try await database.finishJobs(
                [
                    .succeeded(id: ids[0]), .retry(id: ids[1], at: t0, error: "x"), .dead(id: ids[2], error: "y"),
                    .release(id: ids[3], at: t0),
                ],
                worker: "w2", now: t0 + oneSecond
            )

            #expect(lost == ids)
            #expect(try await database.allJobs() == before)
            #expect(before.allSatisfy { $0.status == .running && $0.leaseOwner == "w1" })
            for id in ids { #expect(try await database.history(id).isEmpty) }
        }
    }

    @Test(arguments: Backend.available)
    func deferredWritesCommitWithTheOutcomesOrNotAtAll(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let event = record("stripe", "evt_deferred")
            _ = try await database.insertInbox([event])
            let id = try await database.add(newJob())
            _ = try await database.claimOne(now: t0)

            // A write that fails takes the outcome down with it.
            await #expect(throws: (any Error).self) {
                try await database.finishJobs(
                    [.succeeded(id: id)], writes: [id: [DeferredWrite(sql: "UPDATE no_such_table SET x = 1", binds: [])]], worker: "w1", now: t0
                )
            }
            #expect(try await database.requireJob(id).status == .running)

            let lost = try await database.finishJobs(
                [.succeeded(id: id)], writes: [id: [InboxWrites.status(id: event.id, status: .processed, attemptStarted: true)]], worker: "w1",
                now: t0 + oneSecond
            )
            #expect(lost.isEmpty)
            #expect(try await database.requireJob(id).status == .succeeded)
            let summary = try #require(try await database.inboxEntry(id: event.id)).summary
            #expect(summary.status == .processed)
            #expect(summary.attempts == 1)
        }
    }

    /// Many jobs finishing together: their identical status changes run as one statement, and
    /// an event two jobs changed gets both changes.
    @Test(arguments: Backend.available)
    func deferredWritesOfManyJobsAllLand(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let events = (1...3).map { record("stripe", "evt_many_\($0)") }
            _ = try await database.insertInbox(events)
            var ids: [String] = []
            for _ in 0..<4 { ids.append(try await database.add(newJob())) }
            let claimed = try await database.claimJobs(queue: "work", limit: 4, worker: "w1", now: t0, leaseUntil: t0 + 30 * oneSecond)
            #expect(claimed.map(\.id) == ids)
            let writes: [String: [DeferredWrite]] = [
                ids[0]: [InboxWrites.status(id: events[0].id, status: .processed, attemptStarted: true)],
                ids[1]: [InboxWrites.status(id: events[1].id, status: .processed, attemptStarted: true)],
                ids[2]: [InboxWrites.status(id: events[2].id, status: .processed, attemptStarted: true)],
                ids[3]: [InboxWrites.status(id: events[2].id, status: .processed, attemptStarted: true)],
            ]
            let lost = try await database.finishJobs(ids.map { .succeeded(id: $0) }, writes: writes, worker: "w1", now: t0)
            #expect(lost.isEmpty)
            for (event, attempts) in zip(events, [1, 1, 2]) {
                let summary = try #require(try await database.inboxEntry(id: event.id)).summary
                #expect(summary.status == .processed)
                #expect(summary.attempts == attempts)
            }
        }
    }

    /// `JobContext.onSuccess` promises that a handler's change and the job's success commit
    /// together; a worker whose lease was lost has no success to record, so its changes must not
    /// land either (another worker is running the job again).
    @Test(arguments: Backend.available)
    func deferredWritesOfAJobWhoseLeaseWasLostAreNotCommitted(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let event = record("stripe", "evt_lost")
            _ = try await database.insertInbox([event])
            let id = try await database.add(newJob())
            _ = try await database.claimOne(worker: "slow", now: t0, lease: oneSecond)
            #expect(try await database.recoverStaleJobs(now: t0 + 2 * oneSecond) == StaleRecovery(requeued: [id]))
            _ = try await database.claimOne(worker: "fresh", now: t0 + 2 * oneSecond)

            let lost = try await database.finishJobs(
                [.succeeded(id: id)], writes: [id: [InboxWrites.status(id: event.id, status: .processed)]], worker: "slow",
                now: t0 + 3 * oneSecond
            )

            #expect(lost == [id])
            #expect(try await database.requireJob(id).leaseOwner == "fresh")
            let status = try await database.inboxEntry(id: event.id)?.summary.status
            #expect(status == .pending)
        }
    }

    @Test(arguments: Backend.available)
    func finishAndClaimRecordsOutcomesThenTakesTheNextJobs(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let first = try await database.add(newJob(priority: .high))
            let second = try await database.add(newJob(priority: .normal))
            let third = try await database.add(newJob(priority: .low))
            _ = try await database.claimOne(now: t0)
            let request = ClaimRequest(queue: "work", limit: 1, worker: "w1", now: t0 + oneSecond, leaseUntil: t0 + 31 * oneSecond)

            let (lost, claimed) = try await database.finishAndClaim([.succeeded(id: first)], claim: request)

            #expect(lost.isEmpty)
            #expect(claimed.map(\.id) == [second])
            #expect(claimed.first?.startedAt == t0 + oneSecond)
            #expect(try await database.requireJob(first).status == .succeeded)
            #expect(try await database.requireJob(first).finishedAt == t0 + oneSecond)

            // Another worker's outcome is refused, and the claim still happens.
            var other = request
            other.worker = "w2"
            other.limit = 5
            let (refused, rest) = try await database.finishAndClaim([.succeeded(id: second)], claim: other)
            #expect(refused == [second])
            #expect(rest.map(\.id) == [third])
            #expect(try await database.requireJob(second).status == .running)

            // Nothing to record and nothing to claim: nothing happens.
            var none = request
            none.limit = 0
            let (noLost, noClaim) = try await database.finishAndClaim([], claim: none)
            #expect(noLost.isEmpty && noClaim.isEmpty)
        }
    }

    // MARK: Leases

    @Test(arguments: Backend.available)
    func expiredLeaseRequeuesTheJobOrDeadLettersItOnItsLastAttempt(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let again = try await database.add(newJob(queue: "a", maxAttempts: 3))
            let last = try await database.add(newJob(queue: "b", maxAttempts: 1))
            _ = try await database.claimOne(queue: "a", worker: "w1", now: t0, lease: 30 * oneSecond)
            _ = try await database.claimOne(queue: "b", worker: "w1", now: t0, lease: 30 * oneSecond)

            // At the expiry instant the lease still holds.
            #expect(try await database.recoverStaleJobs(now: t0 + 30 * oneSecond) == StaleRecovery())

            let now = t0 + 30 * oneSecond + 1
            #expect(try await database.recoverStaleJobs(now: now) == StaleRecovery(requeued: [again], deadLettered: [last]))

            let requeued = try await database.requireJob(again)
            #expect(requeued.status == .pending)
            #expect(requeued.runAt == now)
            #expect(requeued.attempts == 1)
            #expect(requeued.leaseOwner == nil && requeued.leaseExpiresAt == nil)
            #expect(requeued.lastError?.contains("lease expired") == true)
            let requeuedHistory = try await database.history(again)
            #expect(requeuedHistory.map(\.outcome) == ["lease_expired"])
            #expect(requeuedHistory.first?.attempt == 1)
            #expect(requeuedHistory.first?.worker == "w1")
            #expect(requeuedHistory.first?.startedAt == t0)
            #expect(requeuedHistory.first?.finishedAt == now)

            let dead = try await database.requireJob(last)
            #expect(dead.status == .dead)
            #expect(dead.finishedAt == now)
            #expect(dead.lastError?.contains("lease expired") == true)
            #expect(try await database.history(last).map(\.outcome) == ["lease_expired"])

            // Another worker picks the requeued job up for its second attempt; the old worker's
            // late outcome is refused.
            let retaken = try await database.claimOne(queue: "a", worker: "w2", now: now)
            #expect(retaken.id == again)
            #expect(retaken.attempt == 2)
            #expect(try await database.finishJobs([.succeeded(id: again)], worker: "w1", now: now) == [again])
            #expect(try await database.requireJob(again).status == .running)
            #expect(try await database.recoverStaleJobs(now: now + oneSecond) == StaleRecovery())
        }
    }

    @Test(arguments: Backend.available)
    func renewedLeaseIsNotRecovered(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let mine = try await database.add(newJob(queue: "a"))
            let theirs = try await database.add(newJob(queue: "b"))
            _ = try await database.claimOne(queue: "a", worker: "w1", now: t0, lease: 30 * oneSecond)
            _ = try await database.claimOne(queue: "b", worker: "w2", now: t0, lease: 30 * oneSecond)

            try await database.renewLeases(worker: "w1", until: t0 + 90 * oneSecond)

            #expect(try await database.requireJob(mine).leaseExpiresAt == t0 + 90 * oneSecond)
            #expect(try await database.requireJob(theirs).leaseExpiresAt == t0 + 30 * oneSecond)
            #expect(try await database.recoverStaleJobs(now: t0 + 60 * oneSecond) == StaleRecovery(requeued: [theirs]))
            #expect(try await database.requireJob(mine).status == .running)
            #expect(try await database.finishJobs([.succeeded(id: mine)], worker: "w1", now: t0 + 61 * oneSecond).isEmpty)
        }
    }

    // MARK: Operators

    @Test(arguments: Backend.available)
    func queueCountsGroupActiveAndDeadJobsByQueueAndPriority(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            try await database.add(newJob(queue: "a", priority: .normal, runAt: t0 - 10 * oneSecond))
            try await database.add(newJob(queue: "a", priority: .normal, runAt: t0 - 4 * oneSecond))
            try await database.add(newJob(queue: "a", priority: .normal, runAt: t0 + 3600 * oneSecond))
            try await database.add(newJob(queue: "a", priority: .low, runAt: t0 + 3600 * oneSecond))
            try await database.addFinished(newJob(queue: "a-dead", priority: .low)) { .dead(id: $0, error: "no") }
            try await database.add(newJob(queue: "b", priority: .high))
            _ = try await database.claimOne(queue: "b", now: t0)
            try await database.addFinished(newJob(queue: "b", priority: .critical)) { .succeeded(id: $0) }
            let cancelled = try await database.add(newJob(queue: "b", priority: .critical, runAt: t0 + 3600 * oneSecond))
            _ = try await database.cancelJob(id: cancelled, now: t0)

            let counts = try await database.queueCounts(now: t0)

            #expect(
                counts == [
                    QueueCount(queue: "a", priority: .normal, status: .pending, count: 3, oldestDueAt: t0 - 10 * oneSecond),
                    QueueCount(queue: "a", priority: .low, status: .pending, count: 1, oldestDueAt: nil),
                    QueueCount(queue: "a-dead", priority: .low, status: .dead, count: 1, oldestDueAt: nil),
                    QueueCount(queue: "b", priority: .high, status: .running, count: 1, oldestDueAt: nil),
                ])
        }
    }

    @Test(arguments: Backend.available)
    func listFiltersNewestFirstAndPagesWithACursor(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let a1 = try await database.add(newJob(queue: "a", priority: .high))
            let b1 = try await database.add(newJob(queue: "b", priority: .low))
            let a2 = try await database.add(newJob(queue: "a", priority: .low))
            let a3 = try await database.add(newJob(queue: "a", priority: .high, runAt: t0 + oneSecond))
            let b2 = try await database.add(newJob(queue: "b", priority: .high))
            let running = try await database.claimOne(queue: "a", now: t0).id
            #expect(running == a1)

            #expect(try await database.listJobs(JobQuery()).map(\.id) == [b2, a3, a2, b1, a1])
            #expect(try await database.listJobs(JobQuery(queue: "a")).map(\.id) == [a3, a2, a1])
            #expect(try await database.listJobs(JobQuery(priority: .high)).map(\.id) == [b2, a3, a1])
            #expect(try await database.listJobs(JobQuery(status: .running)).map(\.id) == [a1])
            #expect(try await database.listJobs(JobQuery(status: .pending, queue: "a", priority: .low)).map(\.id) == [a2])
            #expect(try await database.listJobs(JobQuery(status: .dead)).isEmpty)

            let first = try await database.listJobs(JobQuery(limit: 2))
            #expect(first.map(\.id) == [b2, a3])
            let second = try await database.listJobs(JobQuery(limit: 2, before: first.last?.id))
            #expect(second.map(\.id) == [a2, b1])
            let third = try await database.listJobs(JobQuery(limit: 2, before: second.last?.id))
            #expect(third.map(\.id) == [a1])
            #expect(try await database.listJobs(JobQuery(queue: "b", limit: 5, before: b2)).map(\.id) == [b1])
        }
    }

    @Test(arguments: Backend.available)
    func jobLookupOfAnUnknownIDIsNil(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            try await database.add(newJob())
            #expect(try await database.job(id: "job_01ARYZ6S4128T028T5CY4TQKFF") == nil)
        }
    }

    @Test(arguments: Backend.available)
    func cancelTakesPendingAndDeadJobsOnly(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let pending = try await database.add(newJob(queue: "p"))
            let dead = try await database.addFinished(newJob(queue: "d")) { .dead(id: $0, error: "boom") }
            let succeeded = try await database.addFinished(newJob(queue: "s")) { .succeeded(id: $0) }
            let running = try await database.add(newJob(queue: "r"))
            _ = try await database.claimOne(queue: "r", now: t0)
            let now = t0 + 5 * oneSecond

            guard case .changed(let cancelledPending) = try await database.cancelJob(id: pending, now: now) else {
                Issue.record("pending job was not cancelled")
                return
            }
            #expect(cancelledPending.status == .cancelled)
            #expect(cancelledPending.finishedAt == now)
            #expect(try await database.requireJob(pending).status == .cancelled)
            #expect(try await database.claimJobs(queue: "p", limit: 1, worker: "w1", now: now, leaseUntil: now).isEmpty)

            guard case .changed(let cancelledDead) = try await database.cancelJob(id: dead, now: now) else {
                Issue.record("dead job was not cancelled")
                return
            }
            #expect(cancelledDead.status == .cancelled)

            #expect(try await database.cancelJob(id: running, now: now) == .conflict(.running))
            #expect(try await database.cancelJob(id: succeeded, now: now) == .conflict(.succeeded))
            #expect(try await database.cancelJob(id: pending, now: now) == .conflict(.cancelled))
            #expect(try await database.cancelJob(id: "job_missing", now: now) == .notFound)
            #expect(try await database.requireJob(running).status == .running)
            #expect(try await database.requireJob(succeeded).status == .succeeded)
        }
    }

    @Test(arguments: Backend.available)
    func retrySendsDeadAndCancelledJobsBackWithAFreshAttemptBudget(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let dead = try await database.addFinished(newJob(queue: "d", maxAttempts: 1)) { .dead(id: $0, error: "boom") }
            let cancelled = try await database.add(newJob(queue: "c", runAt: t0 + 3600 * oneSecond))
            _ = try await database.cancelJob(id: cancelled, now: t0)
            let pending = try await database.add(newJob(queue: "p"))
            let running = try await database.add(newJob(queue: "r"))
            _ = try await database.claimOne(queue: "r", now: t0)
            let succeeded = try await database.addFinished(newJob(queue: "s")) { .succeeded(id: $0) }
            let now = t0 + 100 * oneSecond

            guard case .changed(let retried) = try await database.retryJob(id: dead, now: now) else {
                Issue.record("dead job was not retried")
                return
            }
            #expect(retried.id == dead)
            #expect(retried.status == .pending)
            #expect(retried.attempts == 0)
            #expect(retried.runAt == now)
            #expect(retried.startedAt == nil && retried.finishedAt == nil)
            #expect(try await database.requireJob(dead) == retried)
            let again = try await database.claimOne(queue: "d", now: now)
            #expect(again.attempt == 1)
            #expect(again.maxAttempts == 1)

            guard case .changed(let uncancelled) = try await database.retryJob(id: cancelled, now: now) else {
                Issue.record("cancelled job was not retried")
                return
            }
            #expect(uncancelled.status == .pending)
            #expect(uncancelled.runAt == now)

            #expect(try await database.retryJob(id: pending, now: now) == .conflict(.pending))
            #expect(try await database.retryJob(id: running, now: now) == .conflict(.running))
            #expect(try await database.retryJob(id: succeeded, now: now) == .conflict(.succeeded))
            #expect(try await database.retryJob(id: "job_missing", now: now) == .notFound)
        }
    }

    @Test(arguments: Backend.available)
    func retryOfADeadJobWhoseUniqueKeyIsTakenIsRefused(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let dead = try await database.addFinished(newJob(uniqueKey: "sync:1")) { .dead(id: $0, error: "boom") }
            let active = try await database.add(newJob(uniqueKey: "sync:1"))

            #expect(try await database.retryJob(id: dead, now: t0) == .uniqueKeyTaken(activeJobID: active))
            #expect(try await database.requireJob(dead).status == .dead)
            #expect(try await database.retryDeadLetters(DeadLetterFilter(), now: t0).isEmpty)
            #expect(try await database.requireJob(dead).status == .dead)
        }
    }

    @Test(arguments: Backend.available)
    func deadLettersAreRetriedByQueueProviderAndLiteralErrorText(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            func dead(_ queue: String, _ provider: String?, _ error: String) async throws -> String {
                try await database.addFinished(newJob(queue: queue, provider: provider)) { .dead(id: $0, error: error) }
            }
            let stripe500 = try await dead("payments", "stripe", "HTTP 500 from stripe")
            let ifoodTimeout = try await dead("orders", "ifood", "timeout after 30 s")
            let percent = try await dead("orders", "ifood", "quota 100% used")
            let noPercent = try await dead("orders", "ifood", "quota 1000 used")
            let underscore = try await dead("payments", nil, "field card_id missing")
            let notUnderscore = try await dead("payments", nil, "field cardXid missing")
            let pending = try await database.add(newJob(queue: "payments", provider: "stripe"))
            let now = t0 + 50 * oneSecond

            #expect(try await database.retryDeadLetters(DeadLetterFilter(queue: "nowhere"), now: now).isEmpty)
            #expect(try await database.retryDeadLetters(DeadLetterFilter(provider: "stripe"), now: now) == [stripe500])
            #expect(try await database.retryDeadLetters(DeadLetterFilter(errorContains: "100%"), now: now) == [percent])
            #expect(try await database.retryDeadLetters(DeadLetterFilter(errorContains: "d_i"), now: now) == [underscore])
            #expect(
                Set(try await database.retryDeadLetters(DeadLetterFilter(queue: "orders", provider: "ifood", errorContains: "time"), now: now))
                    == [ifoodTimeout])

            let retried = try await database.requireJob(percent)
            #expect(retried.status == .pending)
            #expect(retried.attempts == 0)
            #expect(retried.runAt == now)
            #expect(retried.finishedAt == nil)
            for id in [noPercent, notUnderscore] { #expect(try await database.requireJob(id).status == .dead) }
            #expect(try await database.requireJob(pending).attempts == 0)

            // No filter: every dead letter left.
            #expect(Set(try await database.retryDeadLetters(DeadLetterFilter(), now: now)) == [noPercent, notUnderscore])
            #expect(try await database.listJobs(JobQuery(status: .dead)).isEmpty)
        }
    }

    /// A job dead-lettered, replayed and dead-lettered again leaves two dead jobs with one unique
    /// key; retrying dead letters must send one of them back, not fail on the unique index.
    @Test(arguments: Backend.available)
    func deadLettersSharingAUniqueKeyAreRetriedOnce(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let older = try await database.addFinished(newJob(uniqueKey: "webhook:wh_1")) { .dead(id: $0, error: "boom 1") }
            let newer = try await database.addFinished(newJob(uniqueKey: "webhook:wh_1")) { .dead(id: $0, error: "boom 2") }
            let other = try await database.addFinished(newJob(uniqueKey: "webhook:wh_2")) { .dead(id: $0, error: "boom 3") }

            let retried = try await database.retryDeadLetters(DeadLetterFilter(), now: t0 + oneSecond)

            #expect(retried.count == 2)
            #expect(retried.contains(other))
            #expect(retried.contains(older) != retried.contains(newer))
            #expect(try await database.listJobs(JobQuery(status: .pending)).count == 2)
            #expect(try await database.listJobs(JobQuery(status: .dead)).count == 1)
        }
    }

    // MARK: Concurrency

    @Test(arguments: Backend.available)
    func queueLimitCapsRunningJobsAcrossWorkers(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            for _ in 0..<10 { try await database.add(newJob(queue: "limited")) }
            try await database.add(newJob(queue: "free"))

            let w1 = try await database.claimJobs(queue: "limited", limit: 5, queueLimit: 3, worker: "w1", now: t0, leaseUntil: t0 + oneSecond)
            #expect(w1.count == 3)
            let w2 = try await database.claimJobs(queue: "limited", limit: 5, queueLimit: 3, worker: "w2", now: t0, leaseUntil: t0 + oneSecond)
            #expect(w2.isEmpty)
            // Another queue's limit is its own.
            #expect(try await database.claimJobs(queue: "free", limit: 5, queueLimit: 3, worker: "w2", now: t0, leaseUntil: t0).count == 1)

            #expect(try await database.finishJobs([.succeeded(id: w1[0].id)], worker: "w1", now: t0).isEmpty)
            let w2Again = try await database.claimJobs(queue: "limited", limit: 5, queueLimit: 3, worker: "w2", now: t0, leaseUntil: t0 + oneSecond)
            #expect(w2Again.count == 1)
            #expect(try await database.listJobs(JobQuery(status: .running, queue: "limited")).count == 3)
        }
    }

    @Test(arguments: Backend.available)
    func concurrentClaimsWithAQueueLimitNeverExceedIt(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            for _ in 0..<30 { try await database.add(newJob(queue: "limited")) }

            let claimed = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        try await database.claimJobs(
                            queue: "limited", limit: 3, queueLimit: 4, worker: index % 2 == 0 ? "w1" : "w2", now: t0, leaseUntil: t0 + oneSecond
                        ).count
                    }
                }
                return try await group.reduce(0, +)
            }

            #expect(claimed == 4)
            #expect(try await database.listJobs(JobQuery(status: .running, queue: "limited")).count == 4)
        }
    }

    @Test(arguments: Backend.available)
    func twoConcurrentClaimersNeverClaimTheSameJobTwice(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let jobs = (0..<200).map { index in newJob(queue: "busy", priority: JobPriority.allCases[index % 4]) }
            _ = try await database.enqueue(jobs, now: t0)

            let claims = try await withThrowingTaskGroup(of: (String, [ClaimedJob]).self) { group in
                for worker in ["w1", "w2"] {
                    group.addTask {
                        var mine: [ClaimedJob] = []
                        while true {
                            let batch = try await database.claimJobs(queue: "busy", limit: 7, worker: worker, now: t0, leaseUntil: t0 + oneSecond)
                            if batch.isEmpty { return (worker, mine) }
                            mine += batch
                        }
                    }
                }
                var all: [(String, [ClaimedJob])] = []
                for try await claim in group { all.append(claim) }
                return all
            }

            let ids = claims.flatMap { $0.1.map(\.id) }
            #expect(ids.count == 200)
            #expect(Set(ids) == Set(jobs.map(\.id)))
            #expect(claims.allSatisfy { $0.1.allSatisfy { $0.attempt == 1 } })
            let stored = try await database.allJobs()
            #expect(stored.allSatisfy { $0.status == .running && $0.attempts == 1 })
            let owners = Dictionary(uniqueKeysWithValues: stored.map { ($0.id, $0.leaseOwner) })
            for (worker, claimed) in claims {
                #expect(claimed.allSatisfy { owners[$0.id] == worker })
            }
        }
    }

    // MARK: Schedules

    @Test(arguments: Backend.available)
    func upsertingAnUnchangedSpecKeepsTheNextRunTime(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let schedule = JobScheduleRecord(
                name: "cleanup", kind: "jobs.prune", queue: "maintenance", priority: .low, payload: "{}", spec: "every:60",
                nextRunAt: t0 + 60 * oneSecond
            )
            try await database.upsertSchedule(schedule)

            var restarted = schedule
            restarted.nextRunAt = t0 + 999 * oneSecond
            restarted.payload = #"{"v":2}"#
            restarted.priority = .normal
            try await database.upsertSchedule(restarted)
            var expected = restarted
            expected.nextRunAt = t0 + 60 * oneSecond
            #expect(try await database.schedules() == [expected])

            var respecified = restarted
            respecified.spec = "every:30"
            respecified.nextRunAt = t0 + 30 * oneSecond
            try await database.upsertSchedule(respecified)
            #expect(try await database.schedules() == [respecified])
        }
    }

    @Test(arguments: Backend.available)
    func dueScheduleFiresOncePerDueTimeAndNotWhileItsLastRunIsPending(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            try await database.upsertSchedule(
                JobScheduleRecord(name: "tick", kind: "tick", queue: "maintenance", priority: .low, payload: "{}", spec: "every:60", nextRunAt: t0)
            )
            try await database.upsertSchedule(
                JobScheduleRecord(name: "later", kind: "tock", queue: "maintenance", priority: .low, payload: "{}", spec: "every:60", nextRunAt: t0 + 3600 * oneSecond)
            )
            let made = Locked<[NewJob]>([])
            @Sendable func fire(_ now: Int64) async throws -> [EnqueuedJob] {
                try await database.fireDueSchedules(
                    now: now, nextRunAt: { $0.nextRunAt + 60 * oneSecond },
                    makeJob: { schedule in
                        let job = newJob(queue: schedule.queue, kind: schedule.kind, priority: schedule.priority, uniqueKey: "schedule:\(schedule.name)", runAt: schedule.nextRunAt)
                        made.withLock { $0.append(job) }
                        return job
                    }
                )
            }

            #expect(try await fire(t0 - 1).isEmpty)
            let first = try await fire(t0)
            let firstID = try #require(made.value.first?.id)
            #expect(first == [EnqueuedJob(id: firstID, existing: false)])
            // The same instant again: already moved on to the next due time.
            #expect(try await fire(t0).isEmpty)
            #expect(try await database.allJobs().map(\.id) == [firstID])
            #expect(try await database.schedules().first { $0.name == "tick" }?.nextRunAt == t0 + 60 * oneSecond)
            let job = try await database.requireJob(firstID)
            #expect(job.kind == "tick" && job.uniqueKey == "schedule:tick" && job.runAt == t0 && job.priority == .low)

            // Next due time while the first run is still pending: no second job.
            let whilePending = try await fire(t0 + 60 * oneSecond)
            #expect(whilePending == [EnqueuedJob(id: firstID, existing: true)])
            #expect(try await database.allJobs().map(\.id) == [firstID])
            #expect(try await database.schedules().first { $0.name == "tick" }?.nextRunAt == t0 + 120 * oneSecond)

            // Once it has run, the next due time adds a new job.
            _ = try await database.claimOne(queue: "maintenance", now: t0 + 60 * oneSecond)
            #expect(try await database.finishJobs([.succeeded(id: firstID)], worker: "w1", now: t0 + 61 * oneSecond).isEmpty)
            let next = try await fire(t0 + 120 * oneSecond)
            #expect(next.count == 1)
            #expect(next.first?.existing == false)
            #expect(try await database.allJobs().count == 2)
        }
    }

    // MARK: Rate limits

    @Test(arguments: Backend.available)
    func rateLimitBucketGivesCapacityTokensThenSaysHowLongToWait(backend: Backend) async throws {
        // Spelled out: closure effect inference does not see the `try`s inside `#expect`.
        try await withJobDatabase(backend) { database async throws in
            let limit = RateLimit(capacity: 2, per: .seconds(60))
            #expect(try await database.takeRateLimitToken(key: "provider:ifood", limit: limit, now: t0) == 0)
            #expect(try await database.takeRateLimitToken(key: "provider:ifood", limit: limit, now: t0) == 0)
            // Empty: one token refills in 60 s / 2.
            #expect(try await database.takeRateLimitToken(key: "provider:ifood", limit: limit, now: t0) == 30 * oneSecond)
            // Another key has its own bucket.
            #expect(try await database.takeRateLimitToken(key: "provider:stripe", limit: limit, now: t0) == 0)
            // Half refilled: half the wait left.
            #expect(try await database.takeRateLimitToken(key: "provider:ifood", limit: limit, now: t0 + 15 * oneSecond) == 15 * oneSecond)
            // Refilled.
            #expect(try await database.takeRateLimitToken(key: "provider:ifood", limit: limit, now: t0 + 30 * oneSecond) == 0)
            #expect(try await database.takeRateLimitToken(key: "provider:ifood", limit: limit, now: t0 + 30 * oneSecond) > 0)
            // A long pause fills the bucket to its capacity, no further.
            let later = t0 + 3600 * oneSecond
            #expect(try await database.takeRateLimitToken(key: "provider:ifood", limit: limit, now: later) == 0)
            #expect(try await database.takeRateLimitToken(key: "provider:ifood", limit: limit, now: later) == 0)
            #expect(try await database.takeRateLimitToken(key: "provider:ifood", limit: limit, now: later) == 30 * oneSecond)
        }
    }

    // MARK: Inbox processing jobs

    @Test(arguments: Backend.available)
    func storingEventsEnqueuesOneJobPerNewEventOnly(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let processing: @Sendable ([NewInboxRecord]) -> [String: InboxProcessing] = { records in
                Dictionary(uniqueKeysWithValues: records.map { record in
                    (record.id, .deliveries([("test.subscriber", newJob(queue: "webhooks", kind: "webhook.process", payload: #"{"webhook_id":"\#(record.id)"}"#, uniqueKey: "webhook:\(record.id)"))]))
                })
            }
            let first = [record("stripe", "evt_1"), record("stripe", "evt_2"), record("square", "sq_1")]
            _ = try await database.insertInbox(first, processing: processing(first))

            let jobs = try await database.allJobs()
            #expect(jobs.count == 3)
            #expect(Set(jobs.map(\.payload)) == Set(first.map { #"{"webhook_id":"\#($0.id)"}"# }))
            #expect(jobs.allSatisfy { $0.kind == "webhook.process" && $0.queue == "webhooks" && $0.status == .pending })
            #expect(jobs.allSatisfy { $0.createdAt == 1_750_000_000_000_000 })

            let again = [record("stripe", "evt_1"), record("square", "sq_1"), record("stripe", "evt_3")]
            let outcomes = try await database.insertInbox(again, processing: processing(again))
            #expect(outcomes.map(\.duplicate) == [true, true, false])
            let after = try await database.allJobs()
            #expect(after.count == 4)
            #expect(after.filter { $0.payload == #"{"webhook_id":"\#(again[2].id)"}"# }.count == 1)
            #expect(!after.contains { $0.payload.contains(again[0].id) || $0.payload.contains(again[1].id) })

            // Duplicates only: nothing new.
            let repeated = [record("stripe", "evt_2")]
            _ = try await database.insertInbox(repeated, processing: processing(repeated))
            #expect(try await database.allJobs().count == 4)
        }
    }

    @Test(arguments: Backend.available)
    func storingEventsStartsTheirDeliveriesOrStoresThemIgnored(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let paid = record("asaas", "evt_paid")
            let unheard = record("stripe", "evt_unheard")
            let jobs = ["orders.payments", "kiosk.payments"].map { newJob(queue: "webhooks", kind: $0, payload: #"{"webhook_id":"\#(paid.id)"}"#) }
            let outcomes = try await database.insertInbox([paid, unheard], processing: [
                paid.id: .deliveries([("orders.payments", jobs[0]), ("kiosk.payments", jobs[1])]),
                unheard.id: .ignored(reason: "nobody subscribes"),
            ])
            #expect(outcomes.map(\.duplicate) == [false, false])

            #expect(Set(try await database.allJobs().map(\.id)) == Set(jobs.map(\.id)))
            let deliveries = try await database.deliveries(webhookID: paid.id)
            #expect(deliveries.map(\.subscriber).sorted() == ["kiosk.payments", "orders.payments"])
            #expect(deliveries.allSatisfy { $0.status == "pending" })
            #expect(Set(deliveries.compactMap(\.jobId)) == Set(jobs.map(\.id)))
            #expect(try await database.inboxEntry(id: paid.id)?.summary.status == .processing)
            let ignored = try #require(try await database.inboxEntry(id: unheard.id)).summary
            #expect(ignored.status == .ignored && ignored.reason == "nobody subscribes")
            #expect(try await database.deliveries(webhookID: unheard.id).isEmpty)

            // Stored again: a duplicate starts nothing more.
            let again = try await database.insertInbox([record("asaas", "evt_paid")], processing: [:])
            #expect(again.map(\.duplicate) == [true])
            #expect(try await database.allJobs().count == 2)
        }
    }

    @Test(arguments: Backend.available)
    func eventsAndTheirJobsCommitTogetherOrNotAtAll(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let taken = try await database.add(newJob(queue: "webhooks"))
            // The second event's job reuses an existing job id, so its insert fails.
            let records = [record("stripe", "evt_ok"), record("stripe", "evt_bad")]
            let badID = records[1].id
            var processing: [String: InboxProcessing] = [:]
            for record in records {
                var job = newJob(queue: "webhooks", kind: "webhook.process")
                if record.id == badID { job.id = taken }
                processing[record.id] = .deliveries([("test.subscriber", job)])
            }

            await #expect(throws: (any Error).self) {
                _ = try await database.insertInbox(records, processing: processing)
            }

            #expect(try await database.listInbox(InboxQuery()).isEmpty)
            #expect(try await database.allJobs().map(\.id) == [taken])
        }
    }

    @Test(arguments: Backend.available)
    func replayMarksTheWebhookPendingAndEnqueuesOneJob(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let event = record("stripe", "evt_replay")
            let jobFor: @Sendable (String) -> NewJob = { id in
                newJob(queue: "webhooks", kind: "webhook.process", payload: #"{"webhook_id":"\#(id)"}"#, uniqueKey: "webhook:\(id)")
            }
            _ = try await database.insertInbox([event], processing: [event.id: .deliveries([("test.subscriber", jobFor(event.id))])])
            let original = try await database.claimOne(queue: "webhooks", now: t0)
            try await database.setWebhookStatus(id: event.id, status: .processing, attemptStarted: true)
            try await database.setWebhookStatus(id: event.id, status: .ignored, reason: "no handler")
            #expect(try await database.finishJobs([.succeeded(id: original.id)], worker: "w1", now: t0).isEmpty)
            #expect(try await database.inboxEntry(id: event.id)?.summary.status == .ignored)
            #expect(try await database.inboxEntry(id: event.id)?.summary.reason == "no handler")

            let replay = jobFor(event.id)
            #expect(try await database.replayWebhook(id: event.id, job: replay, now: t0 + oneSecond) == EnqueuedJob(id: replay.id, existing: false))
            let summary = try #require(try await database.inboxEntry(id: event.id)).summary
            #expect(summary.status == .pending)
            #expect(summary.reason == nil)
            #expect(summary.lastError == nil)
            #expect(summary.attempts == 1)
            let replayed = try await database.requireJob(replay.id)
            #expect(replayed.status == .pending && replayed.kind == "webhook.process" && replayed.createdAt == t0 + oneSecond)

            // Replayed again while that job waits: the waiting job is returned.
            #expect(try await database.replayWebhook(id: event.id, job: jobFor(event.id), now: t0 + 2 * oneSecond) == EnqueuedJob(id: replay.id, existing: true))
            // An unknown webhook: nothing enqueued.
            #expect(try await database.replayWebhook(id: "wh_01ARYZ6S4128T028T5CY4TQKFF", job: jobFor("wh_01ARYZ6S4128T028T5CY4TQKFF"), now: t0) == nil)
            #expect(Set(try await database.allJobs().map(\.id)) == [original.id, replay.id])
        }
    }

    // MARK: Pruning

    @Test(arguments: Backend.available)
    func pruningDeletesOldSucceededAndCancelledJobsOnly(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let day = 24 * 3600 * oneSecond
            let old = t0 - 8 * day
            // An old success after one failure, so it has history to delete too.
            let oldSucceeded = try await database.addFinished(newJob(queue: "a", runAt: old), now: old) {
                .retry(id: $0, at: old, error: "flaky")
            }
            _ = try await database.claimOne(queue: "a", now: old)
            #expect(try await database.finishJobs([.succeeded(id: oldSucceeded)], worker: "w1", now: old).isEmpty)
            let oldCancelled = try await database.add(newJob(queue: "b", runAt: old), now: old)
            _ = try await database.cancelJob(id: oldCancelled, now: old)
            let oldDead = try await database.addFinished(newJob(queue: "c", runAt: old), now: old) { .dead(id: $0, error: "boom") }
            let recent = try await database.addFinished(newJob(queue: "d", runAt: t0 - day), now: t0 - day) { .succeeded(id: $0) }
            let pending = try await database.add(newJob(queue: "e", runAt: old), now: old)

            let pruned = try await database.pruneFinishedJobs(before: t0 - 7 * day)

            #expect(pruned == 2)
            #expect(Set(try await database.allJobs().map(\.id)) == [oldDead, recent, pending])
            #expect(try await database.job(id: oldSucceeded) == nil)
            let leftHistory = try await database.read("SELECT job_id FROM job_attempts", []).compactMap { $0.text(0) }
            #expect(leftHistory == [oldDead])
            #expect(try await database.pruneFinishedJobs(before: t0 - 7 * day) == 0)
        }
    }

    // MARK: Benchmarks

    @Test(arguments: Backend.available)
    func timingsListSucceededJobsOfAKind(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            try await database.addFinished(newJob(kind: "bench", runAt: t0 - oneSecond), now: t0 + 2 * oneSecond) { .succeeded(id: $0) }
            try await database.addFinished(newJob(kind: "other")) { .succeeded(id: $0) }
            #expect(
                try await database.jobTimings(queue: "work", kind: "bench")
                    == [JobTiming(runAt: t0 - oneSecond, startedAt: t0 + 2 * oneSecond, finishedAt: t0 + 2 * oneSecond)])
        }
    }
}
