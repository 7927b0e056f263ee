import Foundation
import PonteCore
import ServiceLifecycle
import Testing

@testable import PonteJobs
@testable import PonteStore

/// Units of work: a job's reads and writes, stream events and follow-up jobs commit together
/// with its success, or not at all; concurrent units never lose an update; a job whose
/// changes fail fails alone.
@Suite struct UnitOfWorkTests {
    static let schema = ModuleMigrations(module: "counters", migrations: [
        Migration(version: 1, name: "counters", sql: [
            "CREATE TABLE counters (id TEXT PRIMARY KEY, value BIGINT NOT NULL)",
            "CREATE TABLE marks (id TEXT PRIMARY KEY)",
        ])
    ])

    struct Counter: Decodable {
        let id: String
        let value: Int64
    }

    struct Step: Codable, Sendable {
        var mark: String
    }

    static let increment = JobKind<Step>("test.increment", queue: "work", maxAttempts: 3)
    static let followUp = JobKind<Step>("test.follow_up", queue: "work")

    /// Reads the counter locked, then writes it plus one: an update lost to a concurrent unit
    /// would leave the counter short.
    static func incrementCounter(_ unit: UnitOfWork, mark: String) async throws {
        let counter = try #require(
            try await unit.fetchOne(Counter.self, "SELECT id, value FROM counters WHERE id = ?", [.text("c")], forUpdate: true)
        )
        try await unit.query("UPDATE counters SET value = ? WHERE id = ?", [.integer(counter.value + 1), .text("c")])
        try await unit.insert(into: "marks", ["id": .text(mark)])
    }

    private func prepare(_ database: any StoreDatabase) async throws {
        try await database.migrate([Self.schema], logger: quietLogger)
        try await database.write { sql in try await sql.execute("INSERT INTO counters (id, value) VALUES ('c', 0)") }
    }

    private func settings(concurrency: Int) -> JobRunnerSettings {
        JobRunnerSettings(
            queues: [QueueSettings(name: "work", concurrency: concurrency)], pollInterval: .milliseconds(20),
            backoff: RetryBackoff(base: .milliseconds(50), cap: .milliseconds(100))
        )
    }

    private func counter(_ database: any StoreDatabase) async throws -> Int64? {
        try await database.read("SELECT value FROM counters WHERE id = 'c'", []).first?["value"]?.integerValue
    }

    /// Runs `runners` (each a service) until `done` holds or 120 s pass, then stops them.
    private func run(_ runners: [JobRunner], until done: @escaping @Sendable () async throws -> Bool) async throws {
        let group = ServiceGroup(services: runners, logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let deadline = ContinuousClock.now + .seconds(120)
            while ContinuousClock.now < deadline, !(try await done()) {
                try await Task.sleep(for: .milliseconds(50))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(try await done(), "the jobs did not finish within 120 s")
    }

    @Test(arguments: Backend.available)
    func concurrentUnitsOnOneRowNeverLoseAnUpdate(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            try await prepare(database)
            let jobs = 2_000
            try await withSecondConnection(to: database, backend: backend) { second in
                try await withSecondConnection(to: database, backend: backend) { third in
                    // SQLite: one runner, as one process; PostgreSQL: three runners, each with a pool of its own.
                    let stores: [any StoreDatabase] = backend == .sqlite ? [database] : [database, second, third]
                    let runners = stores.enumerated().map { index, store -> JobRunner in
                        var registry = JobRegistry()
                        registry.register(Self.increment) { step, job in
                            job.onSuccess { unit in try await Self.incrementCounter(unit, mark: step.mark) }
                        }
                        return JobRunner(
                            database: store, registry: registry, settings: settings(concurrency: 32), queue: JobQueue(database: store),
                            workerID: "worker-\(index)", logger: quietLogger
                        )
                    }
                    let queue = JobQueue(database: database)
                    _ = try await queue.enqueue(try (0..<jobs).map { try queue.makeJob(Self.increment, Step(mark: "m\($0)")) })
                    try await run(runners) {
                        try await database.listJobs(JobQuery(status: .succeeded, limit: jobs + 1)).count == jobs
                    }
                }
            }
            #expect(try await counter(database) == Int64(jobs))
            #expect(try await database.read("SELECT count(*) AS n FROM marks", []).first?["n"] == .integer(Int64(jobs)))
        }
    }

    @Test(arguments: Backend.available)
    func aJobWhoseChangesFailFailsAloneAndTheQueueDrains(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            try await prepare(database)
            try await database.write { sql in try await sql.execute("INSERT INTO marks (id) VALUES ('taken')") }
            var registry = JobRegistry()
            registry.register(Self.increment) { step, job in
                job.onSuccess { unit in try await Self.incrementCounter(unit, mark: step.mark) }
            }
            let runner = JobRunner(
                database: database, registry: registry, settings: settings(concurrency: 64), queue: JobQueue(database: database),
                workerID: "w", logger: quietLogger
            )
            let queue = JobQueue(database: database)
            var steps = (0..<500).map { Step(mark: "m\($0)") }
            steps.insert(Step(mark: "taken"), at: 250)  // its insert violates the primary key
            let made = try steps.map { try queue.makeJob(Self.increment, $0) }
            _ = try await queue.enqueue(made)
            let started = ContinuousClock.now
            try await run([runner]) {
                let succeeded = try await database.listJobs(JobQuery(status: .succeeded, limit: 600)).count
                let dead = try await database.listJobs(JobQuery(status: .dead, limit: 10)).count
                return succeeded == 500 && dead == 1
            }
            let drained = ContinuousClock.now - started
            // About 7 s on an idle machine, most of it the bad job's own retry backoff; a stalled
            // queue would never drain. The bound leaves room for a machine busy with other tests.
            #expect(drained < .seconds(60), "the queue took \(drained)")
            #expect(try await counter(database) == 500)
            let bad = try #require(try await database.job(id: made[250].id))
            #expect(bad.job.status == .dead && bad.job.attempts == 3)
            #expect(bad.job.lastError?.contains("its changes were not stored") == true)
            #expect(bad.job.lastError?.localizedCaseInsensitiveContains("unique") == true)
            #expect(bad.attempts.count == 3)
        }
    }

    @Test(arguments: Backend.available)
    func eventsAndFollowUpJobsCommitWithTheJobOrNotAtAll(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            try await prepare(database)
            let clock = ManualJobClock(now: t0)
            let queue = JobQueue(database: database, clock: clock)
            var registry = JobRegistry()
            registry.register(Self.increment) { step, job in
                let attempt = job.job.attempt
                job.onSuccess { unit in
                    try await Self.incrementCounter(unit, mark: step.mark)
                    try await unit.append(to: "counter:c", type: "INCREMENTED", data: ["mark": step.mark])
                    try await unit.enqueue(Self.followUp, Step(mark: step.mark + "-later"), runAt: t0 + 3600 * oneSecond, uniqueKey: "later:\(step.mark)")
                    if attempt == 1 { throw StoreError(.serializationFailure, "a concurrent change; try again") }
                }
                job.onFailure { unit, failure in
                    try await unit.append(to: "counter:c", type: "FAILED", data: ["error": failure.error, "final": "\(failure.final)"])
                }
            }
            registry.register(Self.followUp) { _, _ in }
            let runner = JobRunner(
                database: database, registry: registry, settings: settings(concurrency: 4), queue: queue, workerID: "w", logger: quietLogger
            )
            let job = try await queue.enqueue(Self.increment, Step(mark: "m1"))

            // First attempt: the unit throws after writing, appending and enqueueing; none of it
            // is kept, the failure unit's event is, and the job waits for its retry.
            let first = try await runner.runDueJobs(queue: "work")
            guard case .retry = try #require(first.first) else { Issue.record("expected a retry, got \(first)"); return }
            #expect(try await counter(database) == 0)
            let afterFailure = try await database.streamEvents("counter:c", after: 0, limit: 10).events
            #expect(afterFailure.map(\.type) == ["FAILED"])
            #expect(try await database.listJobs(JobQuery(queue: "work", limit: 10)).map(\.kind) == [Self.increment.name])

            // Second attempt commits all of it together.
            clock.advance(by: .seconds(1))
            #expect(try await runner.runDueJobs(queue: "work") == [.succeeded(id: job.id)])
            #expect(try await counter(database) == 1)
            #expect(try await database.streamEvents("counter:c", after: 1, limit: 10).events.map(\.type) == ["INCREMENTED"])
            let later = try #require(try await database.listJobs(JobQuery(queue: "work", limit: 10)).first { $0.kind == Self.followUp.name })
            #expect(later.runAt == t0 + 3600 * oneSecond && later.status == .pending && later.uniqueKey == "later:m1")
            #expect(try Self.followUp.arguments(from: later.payload).mark == "m1-later")
        }
    }

    @Test(arguments: Backend.available)
    func anHTTPHandlersUnitOfWorkCommitsOrRollsBackAndRetriesWhenAsked(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            try await prepare(database)
            let streams = EventStreams(database: database, logger: quietLogger)
            let work = UnitsOfWork(database: database, queue: JobQueue(database: database), streams: streams)
            struct Refused: Error {}
            await #expect(throws: Refused.self) {
                try await work.run { unit in
                    try await Self.incrementCounter(unit, mark: "a")
                    throw Refused()
                }
            }
            #expect(try await counter(database) == 0)
            let tries = Locked(0)
            let value = try await work.run { unit -> Int64 in
                try await Self.incrementCounter(unit, mark: "b\(tries.withLock { $0 += 1; return $0 })")
                if tries.value == 1 { throw StoreError(.deadlock, "chosen as the deadlock's victim") }
                return try #require(try await unit.fetchOne(Counter.self, "SELECT id, value FROM counters WHERE id = 'c'")).value
            }
            #expect(value == 1 && tries.value == 2)
            #expect(try await counter(database) == 1)
        }
    }
}
