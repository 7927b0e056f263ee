import Foundation
import PonteCore
import ServiceLifecycle
import Testing

@testable import PonteJobs
@testable import PonteStore

/// `JobRunner` driven by a `ManualJobClock`: retries with backoff, dead letters, rate limits and
/// periodic jobs, on every backend. Nothing sleeps; the clock moves only when a test moves it.
@Suite struct JobRunnerTests {
    /// A handler's failure whose text the test chooses.
    struct HandlerError: Error, CustomStringConvertible {
        let description: String
    }

    /// A runner over `database` on a manual clock starting at `t0`, with one `work` queue and a
    /// `maintenance` queue, the default backoff (2 s doubling, capped at an hour) and `random`.
    struct Harness {
        let database: any StoreDatabase
        let clock: ManualJobClock
        let queue: JobQueue
        let registry: JobRegistry
        let settings: JobRunnerSettings
        let periodic: [PeriodicJob]
        let random: @Sendable () -> Double

        init(
            _ database: any StoreDatabase, registry: JobRegistry, rateLimits: [String: RateLimit] = [:], periodic: [PeriodicJob] = [],
            random: @escaping @Sendable () -> Double = { 0.5 }
        ) {
            self.database = database
            self.clock = ManualJobClock(now: t0)
            self.queue = JobQueue(database: database, clock: clock)
            self.registry = registry
            self.settings = JobRunnerSettings(
                queues: [QueueSettings(name: "work", concurrency: 4), QueueSettings(name: "maintenance", concurrency: 1)],
                backoff: RetryBackoff(base: .seconds(2), cap: .seconds(3600)), rateLimits: rateLimits
            )
            self.periodic = periodic
            self.random = random
        }

        /// A runner of this process; `prepare` runs when it starts.
        func runner(workerID: String = "runner-1", prepare: @escaping @Sendable () async throws -> Void = {}) -> JobRunner {
            JobRunner(
                database: database, registry: registry, settings: settings, periodic: periodic, queue: queue, workerID: workerID,
                logger: quietLogger, prepare: prepare, random: random
            )
        }

        /// A runner that has gone through its start-up (registering its periodic jobs) and has
        /// stopped again: a process starting, as far as the database can tell.
        func startedRunner(workerID: String = "runner-1") async throws -> JobRunner {
            let group = Locked<ServiceGroup?>(nil)
            // Asked to stop while preparing, the runner still registers its schedules, then
            // stops without claiming or maintaining anything.
            let started = self.runner(workerID: workerID) { await group.value?.triggerGracefulShutdown() }
            let serviceGroup = ServiceGroup(services: [started], logger: quietLogger)
            group.withLock { $0 = serviceGroup }
            try await serviceGroup.run()
            return started
        }

        /// Enqueues a job of `kind` on `work` (or `queue`), due now.
        func enqueue(
            _ kind: String, queue name: String = "work", provider: String? = nil, maxAttempts: Int = 10
        ) async throws -> String {
            let job = queue.makeJob(kind: kind, queue: name, provider: provider, maxAttempts: maxAttempts)
            #expect(try await queue.enqueue([job]) == [EnqueuedJob(id: job.id, existing: false)])
            return job.id
        }
    }

    // MARK: Retries

    @Test(arguments: Backend.available)
    func failingHandlerIsRetriedWithBackoffUntilItSucceeds(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let attemptsSeen = Locked<[Int]>([])
            var registry = JobRegistry()
            registry.register("flaky") { context in
                let count = attemptsSeen.withLock { $0.append(context.job.attempt); return $0.count }
                if count <= 2 { throw HandlerError(description: "flaky #\(count)") }
            }
            let harness = Harness(database, registry: registry, random: { 0.5 })
            let runner = harness.runner()
            let id = try await harness.enqueue("flaky", maxAttempts: 5)

            // Attempt 1 fails: half of the first ceiling (2 s).
            #expect(try await runner.runDueJobs(queue: "work") == [.retry(id: id, at: t0 + oneSecond, error: "flaky #1")])
            #expect(try await database.requireJob(id).runAt == t0 + oneSecond)
            #expect(try await database.requireJob(id).status == .pending)

            harness.clock.set(t0 + oneSecond - 1)
            #expect(try await runner.runDueJobs(queue: "work").isEmpty)

            // Attempt 2 fails: half of the second ceiling (4 s).
            harness.clock.set(t0 + oneSecond)
            #expect(try await runner.runDueJobs(queue: "work") == [.retry(id: id, at: t0 + 3 * oneSecond, error: "flaky #2")])
            #expect(try await database.requireJob(id).runAt == t0 + 3 * oneSecond)

            harness.clock.set(t0 + 3 * oneSecond)
            #expect(try await runner.runDueJobs(queue: "work") == [.succeeded(id: id)])

            #expect(attemptsSeen.value == [1, 2, 3])
            let job = try await database.requireJob(id)
            #expect(job.status == .succeeded)
            #expect(job.attempts == 3)
            #expect(job.finishedAt == t0 + 3 * oneSecond)
            #expect(
                try await database.history(id) == [
                    JobAttempt(attempt: 1, worker: "runner-1", startedAt: t0, finishedAt: t0, outcome: "failed", error: "flaky #1"),
                    JobAttempt(
                        attempt: 2, worker: "runner-1", startedAt: t0 + oneSecond, finishedAt: t0 + oneSecond, outcome: "failed",
                        error: "flaky #2"),
                ])
        }
    }

    @Test(arguments: [0.0, 0.25, 0.999_999])
    func retryDelayIsTheRandomShareOfTheBackoffCeiling(unit: Double) async throws {
        try await withJobDatabase(.sqlite) { database in
            var registry = JobRegistry()
            registry.register("fails") { _ in throw HandlerError(description: "no") }
            let harness = Harness(database, registry: registry, random: { unit })
            let runner = harness.runner()
            let id = try await harness.enqueue("fails", maxAttempts: 10)
            // Two attempts, so the second delay comes from the 4 s ceiling.
            harness.clock.set(t0 + 100 * oneSecond)
            _ = try await database.claimOne(queue: "work", worker: "other", now: t0)
            try await database.finishJobs([.retry(id: id, at: t0, error: "first")], worker: "other", now: t0)

            let results = try await runner.runDueJobs(queue: "work")

            let ceiling = RetryBackoff(base: .seconds(2), cap: .seconds(3600)).ceiling(afterAttempts: 2).microseconds
            #expect(ceiling == 4 * oneSecond)
            let expected = t0 + 100 * oneSecond + Int64(Double(ceiling) * unit)
            #expect(results.first == .retry(id: id, at: expected, error: "no"))
            // A zero delay is due at once, so the runner keeps going until the last attempt.
            #expect(results.count == (unit == 0 ? 9 : 1))
            #expect(expected >= t0 + 100 * oneSecond && expected <= t0 + 100 * oneSecond + ceiling)
        }
    }

    @Test(arguments: Backend.available)
    func lastAllowedFailureDeadLettersTheJobWithEveryAttemptInItsHistory(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let calls = Locked(0)
            var registry = JobRegistry()
            registry.register("doomed") { _ in
                let count = calls.withLock { $0 += 1; return $0 }
                throw HandlerError(description: "boom \(count)")
            }
            // A zero backoff makes every retry due at once, so one call runs all three attempts.
            let harness = Harness(database, registry: registry, random: { 0 })
            let id = try await harness.enqueue("doomed", maxAttempts: 3)

            let results = try await harness.runner().runDueJobs(queue: "work")

            #expect(
                results == [
                    .retry(id: id, at: t0, error: "boom 1"), .retry(id: id, at: t0, error: "boom 2"),
                    .dead(id: id, error: "gave up after 3 attempts: boom 3"),
                ])
            #expect(calls.value == 3)
            let job = try await database.requireJob(id)
            #expect(job.status == .dead)
            #expect(job.attempts == 3)
            #expect(job.finishedAt == t0)
            #expect(job.lastError == "gave up after 3 attempts: boom 3")
            let history = try await database.history(id)
            #expect(history.map(\.attempt) == [1, 2, 3])
            #expect(history.map(\.outcome) == ["failed", "failed", "dead"])
            #expect(history.map(\.error) == ["boom 1", "boom 2", "gave up after 3 attempts: boom 3"])
            #expect(history.allSatisfy { $0.worker == "runner-1" })
        }
    }

    @Test(arguments: Backend.available)
    func permanentFailureDeadLettersAtOnce(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            var registry = JobRegistry()
            registry.register("strict") { _ in throw JobFailure.permanent(reason: "payload has no order id") }
            let harness = Harness(database, registry: registry)
            let id = try await harness.enqueue("strict", maxAttempts: 10)

            #expect(try await harness.runner().runDueJobs(queue: "work") == [.dead(id: id, error: "payload has no order id")])

            let job = try await database.requireJob(id)
            #expect(job.status == .dead)
            #expect(job.attempts == 1)
            #expect(job.lastError == "payload has no order id")
            #expect(try await database.history(id).map(\.outcome) == ["dead"])
        }
    }

    @Test(arguments: Backend.available)
    func retryAfterIsHonouredExactlyInsteadOfTheBackoff(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            var registry = JobRegistry()
            registry.register("throttled") { _ in throw JobFailure.retry(reason: "HTTP 429", after: .seconds(42)) }
            let harness = Harness(database, registry: registry, random: { 0.5 })
            let id = try await harness.enqueue("throttled", maxAttempts: 2)
            let runner = harness.runner()

            #expect(try await runner.runDueJobs(queue: "work") == [.retry(id: id, at: t0 + 42 * oneSecond, error: "HTTP 429")])
            #expect(try await database.requireJob(id).runAt == t0 + 42 * oneSecond)

            // On the last attempt there is no later: the job is dead.
            harness.clock.set(t0 + 42 * oneSecond)
            #expect(try await runner.runDueJobs(queue: "work") == [.dead(id: id, error: "gave up after 2 attempts: HTTP 429")])
        }
    }

    @Test(arguments: Backend.available)
    func jobOfAnUnknownKindIsDeadWithAClearMessage(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let harness = Harness(database, registry: JobRegistry())
            let id = try await harness.enqueue("nobody.handles", maxAttempts: 10)

            let results = try await harness.runner().runDueJobs(queue: "work")

            let message = "no handler is registered for job kind 'nobody.handles'"
            #expect(results == [.dead(id: id, error: message)])
            #expect(try await database.requireJob(id).lastError == message)
            #expect(try await database.requireJob(id).status == .dead)
        }
    }

    @Test(arguments: Backend.available)
    func handlerChangesCommitWithItsSuccessAndAreDroppedWhenItFails(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let kept = record("stripe", "evt_kept")
            let dropped = record("stripe", "evt_dropped")
            _ = try await database.insertInbox([kept, dropped])
            var registry = JobRegistry()
            // The payload is the id of the webhook to mark processed.
            registry.register("mark") { context in
                context.onSuccess(InboxWrites.status(id: context.job.payload, status: .processed))
            }
            registry.register("mark-then-fail") { context in
                context.onSuccess(InboxWrites.status(id: context.job.payload, status: .processed))
                throw JobFailure.permanent(reason: "changed my mind")
            }
            let harness = Harness(database, registry: registry)
            let good = harness.queue.makeJob(kind: "mark", queue: "work", payload: kept.id)
            let bad = harness.queue.makeJob(kind: "mark-then-fail", queue: "work", payload: dropped.id)
            try await harness.queue.enqueue([good, bad])

            let results = try await harness.runner().runDueJobs(queue: "work")

            #expect(Set(results.map(\.id)) == [good.id, bad.id])
            #expect(results.contains(.succeeded(id: good.id)))
            #expect(results.contains(.dead(id: bad.id, error: "changed my mind")))
            #expect(try await database.inboxEntry(id: kept.id)?.summary.status == .processed)
            #expect(try await database.inboxEntry(id: dropped.id)?.summary.status == .pending)
        }
    }

    // MARK: Rate limits

    @Test(arguments: Backend.available)
    func rateLimitedJobIsReleasedWithoutUsingAnAttemptAndRunsOnceATokenRefills(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let calls = Locked<[String]>([])
            var registry = JobRegistry()
            registry.register("call") { context in calls.withLock { $0.append(context.job.id) } }
            let harness = Harness(database, registry: registry, rateLimits: ["acme": RateLimit(capacity: 1, per: .seconds(10))])
            let runner = harness.runner()
            let first = try await harness.enqueue("call", provider: "acme")
            let second = try await harness.enqueue("call", provider: "acme")
            let unlimited = try await harness.enqueue("call", provider: "stripe")

            let results = try await runner.runDueJobs(queue: "work")

            #expect(results.count == 3)
            let released = results.compactMap { result -> String? in
                if case .release(let id, let at) = result, at == t0 + 10 * oneSecond { return id }
                return nil
            }
            #expect(released.count == 1)
            let waiting = try #require(released.first)
            #expect([first, second].contains(waiting))
            #expect(Set(calls.value) == Set([first, second, unlimited]).subtracting([waiting]))
            let job = try await database.requireJob(waiting)
            #expect(job.status == .pending)
            #expect(job.attempts == 0)
            #expect(job.runAt == t0 + 10 * oneSecond)
            #expect(try await database.history(waiting).isEmpty)

            harness.clock.set(t0 + 10 * oneSecond - 1)
            #expect(try await runner.runDueJobs(queue: "work").isEmpty)
            harness.clock.set(t0 + 10 * oneSecond)
            #expect(try await runner.runDueJobs(queue: "work") == [.succeeded(id: waiting)])
            #expect(try await database.requireJob(waiting).attempts == 1)
            #expect(calls.value.count == 3)
        }
    }

    @Test(arguments: Backend.available)
    func aFamilysBudgetIsKeptPerKey(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            var registry = JobRegistry()
            registry.register("send") { _ in }
            let harness = Harness(database, registry: registry, rateLimits: ["sender": RateLimit(capacity: 1, per: .seconds(10))])
            let alice = try await harness.enqueue("send", provider: "sender/+5511900000001")
            let again = try await harness.enqueue("send", provider: "sender/+5511900000001")
            let bob = try await harness.enqueue("send", provider: "sender/+5511900000002")

            let results = try await harness.runner().runDueJobs(queue: "work")
            let released = results.compactMap { result -> String? in
                if case .release(let id, _) = result { return id }
                return nil
            }
            // One token each: one of Alice's two waits; Bob's own budget is untouched by hers.
            #expect(released.count == 1)
            #expect([alice, again].contains(released.first ?? ""))
            #expect(try await database.requireJob(bob).status == .succeeded)
        }
    }

    // MARK: Abandoned jobs

    @Test(arguments: Backend.available)
    func aDeadWorkersJobIsRecoveredWithTheChangesItsKindRegistered(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            // The job's kind left an event `processing` when it began; abandoned, the event
            // follows the job: pending again, or failed once no attempt is left.
            var registry = JobRegistry()
            registry.register(
                "process",
                abandoned: { job in [InboxWrites.status(id: job.payload, status: job.deadLettered ? .failed : .pending, error: job.error)] }
            ) { _ in }
            let harness = Harness(database, registry: registry)
            let event = record("stripe", "evt_abandoned")
            _ = try await database.insertInbox([event])
            let job = harness.queue.makeJob(kind: "process", queue: "work", payload: event.id, maxAttempts: 2)
            _ = try await harness.queue.enqueue([job])
            let runner = harness.runner()

            for attempt in 1...2 {
                let now = harness.clock.now()
                let claimed = try await database.claimJobs(queue: "work", limit: 1, worker: "dead-worker", now: now, leaseUntil: now + oneSecond)
                #expect(claimed.map(\.id) == [job.id])
                try await database.setWebhookStatus(id: event.id, status: .processing, attemptStarted: true)
                harness.clock.advance(by: .seconds(2))
                try await runner.runMaintenance()

                let stored = try #require(try await database.inboxEntry(id: event.id)).summary
                #expect(stored.status == (attempt == 1 ? .pending : .failed))
                #expect(stored.lastError?.contains("lease expired: worker dead-worker") == true)
                #expect(try await database.requireJob(job.id).status == (attempt == 1 ? .pending : .dead))
            }
        }
    }

    // MARK: Periodic jobs

    @Test(arguments: Backend.available)
    func intervalJobFiresOncePerDueTimeAcrossRestarts(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let ticks = Locked(0)
            var registry = JobRegistry()
            registry.register("tick") { _ in ticks.withLock { $0 += 1 } }
            let harness = Harness(
                database, registry: registry,
                periodic: [PeriodicJob(name: "tick", kind: "tick", queue: "maintenance", priority: .low, schedule: .every(.seconds(60)))]
            )
            func jobs() async throws -> [JobRecord] { try await database.listJobs(JobQuery(queue: "maintenance")) }
            func nextRunAt() async throws -> Int64? { try await database.schedules().first?.nextRunAt }

            let runner = try await harness.startedRunner()
            #expect(try await database.schedules().map(\.spec) == ["every:60"])
            #expect(try await nextRunAt() == t0 + 60 * oneSecond)
            try await runner.runMaintenance()
            #expect(try await jobs().isEmpty)

            // A restart before the first due time neither moves nor repeats it.
            harness.clock.set(t0 + 59 * oneSecond)
            _ = try await harness.startedRunner(workerID: "runner-2")
            #expect(try await nextRunAt() == t0 + 60 * oneSecond)
            try await runner.runMaintenance()
            #expect(try await jobs().isEmpty)

            harness.clock.set(t0 + 60 * oneSecond)
            try await runner.runMaintenance()
            try await runner.runMaintenance()
            let fired = try await jobs()
            #expect(fired.count == 1)
            #expect(fired.first?.kind == "tick")
            #expect(fired.first?.uniqueKey == "schedule:tick")
            #expect(fired.first?.priority == .low)
            #expect(fired.first?.runAt == t0 + 60 * oneSecond)
            #expect(try await nextRunAt() == t0 + 120 * oneSecond)
            #expect(try await runner.runDueJobs(queue: "maintenance") == fired.map { JobResult.succeeded(id: $0.id) })

            // Its run has finished; the same due time still does not fire again, in this process
            // or in one started now.
            try await runner.runMaintenance()
            let restarted = try await harness.startedRunner(workerID: "runner-3")
            try await restarted.runMaintenance()
            harness.clock.set(t0 + 90 * oneSecond)
            try await restarted.runMaintenance()
            #expect(try await jobs().count == 1)
            #expect(try await nextRunAt() == t0 + 120 * oneSecond)

            harness.clock.set(t0 + 120 * oneSecond)
            try await restarted.runMaintenance()
            try await runner.runMaintenance()
            #expect(try await jobs().count == 2)
            _ = try await runner.runDueJobs(queue: "maintenance")

            // After a long pause it fires once, not once per missed due time.
            harness.clock.set(t0 + 720 * oneSecond + 5)
            try await runner.runMaintenance()
            try await runner.runMaintenance()
            #expect(try await jobs().count == 3)
            #expect(try await nextRunAt() == t0 + 780 * oneSecond + 5)
            _ = try await runner.runDueJobs(queue: "maintenance")
            #expect(ticks.value == 3)
        }
    }

    @Test(arguments: Backend.available)
    func cronJobFiresAtItsTimesOnceEachAcrossRestarts(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            var registry = JobRegistry()
            registry.register("report") { _ in }
            let cron = try CronSchedule(parsing: "*/5 * * * *")
            let harness = Harness(
                database, registry: registry,
                periodic: [PeriodicJob(name: "report", kind: "report", queue: "maintenance", schedule: .cron(cron))]
            )
            func jobs() async throws -> [JobRecord] { try await database.listJobs(JobQuery(queue: "maintenance")) }
            // t0 is 15:06:40 UTC: the next five-minute marks are 15:10 and 15:15.
            let ten: Int64 = 1_750_000_200 * oneSecond
            let fifteen = ten + 300 * oneSecond

            let runner = try await harness.startedRunner()
            #expect(try await database.schedules().map(\.spec) == ["cron:*/5 * * * *"])
            #expect(try await database.schedules().first?.nextRunAt == ten)

            harness.clock.set(ten - 1)
            try await runner.runMaintenance()
            #expect(try await jobs().isEmpty)

            harness.clock.set(ten)
            try await runner.runMaintenance()
            try await runner.runMaintenance()
            #expect(try await jobs().map(\.runAt) == [ten])
            #expect(try await database.schedules().first?.nextRunAt == fifteen)
            _ = try await runner.runDueJobs(queue: "maintenance")

            harness.clock.set(ten + 30 * oneSecond)
            let restarted = try await harness.startedRunner(workerID: "runner-2")
            try await restarted.runMaintenance()
            #expect(try await jobs().count == 1)

            harness.clock.set(fifteen)
            try await restarted.runMaintenance()
            try await runner.runMaintenance()
            #expect(try await jobs().map(\.runAt) == [fifteen, ten])
        }
    }
}

/// `RetryBackoff`: exponential ceilings with a cap, and full jitter below them.
@Suite struct RetryBackoffTests {
    @Test func ceilingDoublesFromTheBaseUntilTheCap() {
        let backoff = RetryBackoff(base: .seconds(2), cap: .seconds(60))
        #expect((1...8).map { backoff.ceiling(afterAttempts: $0) } == [2, 4, 8, 16, 32, 60, 60, 60].map { Duration.seconds($0) })
    }

    @Test func defaultStartsAtTwoSecondsAndStopsAtAnHour() {
        let backoff = RetryBackoff()
        #expect(backoff == RetryBackoff(base: .seconds(2), cap: .seconds(3600)))
        #expect(backoff.ceiling(afterAttempts: 11) == .seconds(2048))
        #expect(backoff.ceiling(afterAttempts: 12) == .seconds(3600))
    }

    @Test(arguments: [0, -3])
    func fewerThanOneAttemptUsesTheBase(attempts: Int) {
        #expect(RetryBackoff(base: .seconds(2), cap: .seconds(60)).ceiling(afterAttempts: attempts) == .seconds(2))
    }

    @Test(arguments: [40, 41, 63, 64, 1_000, Int.max])
    func hugeAttemptCountsStayAtTheCapWithoutOverflowing(attempts: Int) {
        #expect(RetryBackoff(base: .seconds(2), cap: .seconds(3600)).ceiling(afterAttempts: attempts) == .seconds(3600))
        #expect(RetryBackoff(base: .milliseconds(1), cap: .seconds(86_400 * 365)).ceiling(afterAttempts: attempts) == .seconds(86_400 * 365))
    }

    @Test func baseAboveTheCapIsCapped() {
        #expect(RetryBackoff(base: .seconds(10), cap: .seconds(3)).ceiling(afterAttempts: 1) == .seconds(3))
    }

    @Test(arguments: [0.0, 0.25, 0.5, 0.75])
    func delayIsTheUnitsShareOfTheCeiling(unit: Double) {
        let backoff = RetryBackoff(base: .seconds(2), cap: .seconds(3600))
        #expect(backoff.delay(afterAttempts: 3, unit: unit) == .microseconds(Int64(8_000_000 * unit)))
    }

    @Test func fullJitterStaysBetweenZeroAndTheCeiling() {
        let backoff = RetryBackoff(base: .milliseconds(100), cap: .seconds(30))
        let units = stride(from: 0.0, to: 1.0, by: 0.001).map { $0 } + [(1.0).nextDown]
        for attempts in 1...20 {
            let ceiling = backoff.ceiling(afterAttempts: attempts)
            let delays = units.map { backoff.delay(afterAttempts: attempts, unit: $0) }
            #expect(delays.allSatisfy { $0 >= .zero && $0 <= ceiling }, "attempts \(attempts)")
            #expect(delays.first == .zero)
            #expect((delays.max() ?? .zero) > ceiling * 0.99, "jitter reaches up to the ceiling")
        }
    }

    @Test func unitsOutsideZeroToOneAreClamped() {
        let backoff = RetryBackoff(base: .seconds(2), cap: .seconds(3600))
        #expect(backoff.delay(afterAttempts: 2, unit: -0.5) == .zero)
        #expect(backoff.delay(afterAttempts: 2, unit: 1.0) == .seconds(4))
        #expect(backoff.delay(afterAttempts: 2, unit: 7) == .seconds(4))
    }
}

/// A runner whose task is cancelled (another service of the process failed, so the group
/// cancels them all) stops, rather than retrying in a loop against a database that is going.
@Suite struct JobRunnerCancellationTests {
    @Test(arguments: Backend.available)
    func aCancelledRunnerStops(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            var registry = JobRegistry()
            registry.register("slow") { _ in try await Task.sleep(for: .seconds(60)) }
            let harness = JobRunnerTests.Harness(database, registry: registry)
            _ = try await harness.enqueue("slow")
            let runner = harness.runner()
            let done = Locked(false)
            let running = Task {
                try await runner.run()
                done.withLock { $0 = true }
            }
            // The job has started: it is running under this runner's lease.
            let deadline = ContinuousClock.now + .seconds(10)
            while try await database.listJobs(JobQuery(status: .running, limit: 10)).isEmpty {
                try #require(ContinuousClock.now < deadline, "the runner never claimed the job")
                try await Task.sleep(for: .milliseconds(5))
            }
            running.cancel()
            // Polled, so that a runner that never stops fails the test instead of hanging it.
            let stopBy = ContinuousClock.now + .seconds(5)
            while !done.value, ContinuousClock.now < stopBy { try await Task.sleep(for: .milliseconds(5)) }
            try #require(done.value, "a cancelled runner stops at once")
            // Its outcome was not recorded: the job runs again once its lease expires.
            #expect(try await database.listJobs(JobQuery(status: .running, limit: 10)).count == 1)
        }
    }
}
