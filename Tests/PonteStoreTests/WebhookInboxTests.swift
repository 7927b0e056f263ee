import Foundation
import Logging
import PonteCore
import ServiceLifecycle
import Synchronization
import Testing

@testable import PonteStore

/// `WebhookInbox`: group commit of concurrent requests, deduplication, and shutdown.
@Suite struct WebhookInboxTests {
    @Test(arguments: Backend.available)
    func concurrentStoresAreGroupCommittedAndDeduplicated(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            _ = try await database.migrate(logger: quietLogger)
            // Hold the first write until every caller has started, so the rest queue up behind it.
            let gated = GatedDatabase(database)
            let batches = Locked<[Int]>([])
            let inbox = WebhookInbox(database: gated, logger: quietLogger) { rows, _, _ in
                batches.withLock { $0.append(rows) }
            }

            // 150 distinct events, 40 calls repeating one of them, 10 calls carrying one event twice.
            let distinct = (0..<150).map { index in (provider: index % 2 == 0 ? "stripe" : "square", eventID: "evt_\(index)") }
            var calls: [[NewInboxRecord]] = distinct.map { [record($0.provider, $0.eventID)] }
            for index in 0..<40 {
                let event = distinct[index * 3]
                calls.append([record(event.provider, event.eventID)])
            }
            for index in 140..<150 {
                let event = distinct[index]
                calls.append([record(event.provider, event.eventID), record(event.provider, event.eventID)])
            }
            #expect(calls.count == 200)
            let callCount = calls.count

            let started = Locked(0)
            let answers = try await whileRunning(inbox) {
                try await withThrowingTaskGroup(of: [(NewInboxRecord, InboxStoreOutcome)].self) { group in
                    for call in calls {
                        group.addTask {
                            if started.withLock({ $0 += 1; return $0 }) == callCount { gated.open() }
                            let outcomes = try await inbox.store(call)
                            return Array(zip(call, outcomes))
                        }
                    }
                    var all: [[(NewInboxRecord, InboxStoreOutcome)]] = []
                    for try await answer in group { all.append(answer) }
                    return all
                }
            }

            // Every call returned, with one outcome per record.
            #expect(answers.count == 200)
            #expect(answers.allSatisfy { !$0.isEmpty })
            let byEvent = Dictionary(grouping: answers.joined()) { InboxKey(provider: $0.0.provider, eventID: $0.0.eventID) }
            #expect(byEvent.count == 150)
            var storedIDs: [InboxKey: String] = [:]
            for (key, outcomes) in byEvent {
                // Exactly one occurrence was stored; every other occurrence points at its id.
                let stored = outcomes.filter { !$0.1.duplicate }
                #expect(stored.count == 1, "\(key.provider)/\(key.eventID) stored \(stored.count) times")
                #expect(Set(outcomes.map(\.1.id)).count == 1, "\(key.provider)/\(key.eventID) has several ids")
                if let first = stored.first { storedIDs[key] = first.1.id }
            }
            #expect(Set(storedIDs.values).count == 150)

            // The table holds exactly one row per distinct event, under the id the callers were given.
            let rows = try await database.listInbox(InboxQuery(limit: 1000))
            #expect(rows.count == 150)
            #expect(Dictionary(rows.map { (InboxKey(provider: $0.provider, eventID: $0.eventID), $0.id) }, uniquingKeysWith: { a, _ in a }) == storedIDs)

            // Batches: the rows written add up to the distinct events, and callers shared transactions.
            let seen = batches.value
            #expect(seen.reduce(0, +) == 150, "batch sizes \(seen)")
            #expect(seen.contains { $0 > 1 }, "batch sizes \(seen)")
            #expect(seen.count < 200)
        }
    }

    @Test(arguments: Backend.available)
    func repeatsInOneRequestAndAcrossBatchesGetTheFirstID(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            _ = try await database.migrate(logger: quietLogger)
            let batches = Locked<[Int]>([])
            let inbox = WebhookInbox(database: database, logger: quietLogger) { rows, _, _ in
                batches.withLock { $0.append(rows) }
            }
            try await whileRunning(inbox) {
                let first = record("stripe", "evt_1")
                let sameRequest = try await inbox.store([first, record("stripe", "evt_1"), record("stripe", "evt_2")])
                #expect(sameRequest.count == 3)
                #expect(sameRequest[0] == InboxStoreOutcome(id: first.id, duplicate: false))
                #expect(sameRequest[1] == InboxStoreOutcome(id: first.id, duplicate: true))
                #expect(sameRequest[2].duplicate == false)

                // A later request (a later batch) repeating both events.
                let retry = try await inbox.store([record("stripe", "evt_2"), record("stripe", "evt_1")])
                #expect(retry == [
                    InboxStoreOutcome(id: sameRequest[2].id, duplicate: true),
                    InboxStoreOutcome(id: first.id, duplicate: true),
                ])
            }
            #expect(try await database.listInbox(InboxQuery()).count == 2)
            // Only the two rows actually written count as committed rows.
            #expect(batches.value.reduce(0, +) == 2, "batch sizes \(batches.value)")
        }
    }

    @Test(arguments: Backend.available)
    func announcedRequestsJoinOneBatch(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            _ = try await database.migrate(logger: quietLogger)
            let batches = Locked<[Int]>([])
            // A linger far longer than the test: only the second arrival can end it.
            let inbox = WebhookInbox(database: database, maxLinger: .seconds(3600), logger: quietLogger) { rows, _, _ in
                batches.withLock { $0.append(rows) }
            }
            try await whileRunning(inbox) {
                inbox.expectArrival()
                inbox.expectArrival()
                // Whichever arrives first waits for the other, so both share one transaction.
                async let first = inbox.store([record("stripe", "evt_a")], announced: true)
                async let second = inbox.store([record("stripe", "evt_b")], announced: true)
                let (a, b) = try await (first, second)
                #expect(a.map(\.duplicate) == [false])
                #expect(b.map(\.duplicate) == [false])
            }
            #expect(batches.value == [2])
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: Backend.available)
    func cancelledAnnouncementReleasesTheWaitingBatch(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            _ = try await database.migrate(logger: quietLogger)
            let inbox = WebhookInbox(database: database, maxLinger: .seconds(3600), logger: quietLogger)
            try await whileRunning(inbox) {
                inbox.expectArrival()
                inbox.expectArrival()
                async let stored = inbox.store([record("stripe", "evt_a")], announced: true)
                // The other announced request was rejected: the batch must not wait for it.
                inbox.cancelArrival()
                let outcomes = try await stored
                #expect(outcomes.map(\.duplicate) == [false])
            }
        }
    }

    @Test(arguments: Backend.available)
    func abandonedAnnouncementDelaysABatchOnlyBriefly(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            _ = try await database.migrate(logger: quietLogger)
            let inbox = WebhookInbox(database: database, logger: quietLogger)
            try await whileRunning(inbox) {
                // Announced, then never stored nor cancelled (a bug in a caller): the default
                // linger bounds the wait, so other requests are still stored.
                inbox.expectArrival()
                let outcomes = try await inbox.store([record("stripe", "evt_a")])
                #expect(outcomes.map(\.duplicate) == [false])
            }
        }
    }

    @Test(arguments: Backend.available)
    func storeThrowsAfterGracefulShutdown(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            _ = try await database.migrate(logger: quietLogger)
            let inbox = WebhookInbox(database: database, logger: quietLogger)
            let group = ServiceGroup(services: [inbox], logger: quietLogger)

            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let before = try await inbox.store([record("stripe", "evt_before")])
                #expect(before.map(\.duplicate) == [false])
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }

            await #expect(throws: StoreError.self) {
                try await inbox.store([record("stripe", "evt_after")])
            }
            let rows = try await database.listInbox(InboxQuery())
            #expect(rows.map(\.eventID) == ["evt_before"])
        }
    }

    @Test(arguments: Backend.available)
    func storeThrowsAfterCancellation(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            _ = try await database.migrate(logger: quietLogger)
            let inbox = WebhookInbox(database: database, logger: quietLogger)
            try await whileRunningThenCancel(inbox) {
                _ = try await inbox.store([record("stripe", "evt_before")])
            }

            await #expect(throws: StoreError.self) {
                try await inbox.store([record("stripe", "evt_after")])
            }
        }
    }

    @Test(arguments: Backend.available)
    func callersQueuedWhenTheInboxIsCancelledGetAnAnswer(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            _ = try await database.migrate(logger: quietLogger)
            let gated = GatedDatabase(database)
            let inbox = WebhookInbox(database: gated, logger: quietLogger)

            let results = await withTaskGroup(of: Result<[InboxStoreOutcome], any Error>?.self) { outer in
                outer.addTask {
                    // The inbox runs until cancelled below.
                    try? await inbox.run()
                    return nil
                }
                for index in 0..<20 {
                    outer.addTask {
                        do { return .success(try await inbox.store([record("stripe", "evt_\(index)")])) } catch { return .failure(error) }
                    }
                }
                // The first write is in flight and held; cancel the inbox, then let that write finish.
                await gated.firstWriteArrived()
                outer.cancelAll()
                gated.open()
                var results: [Result<[InboxStoreOutcome], any Error>] = []
                for await result in outer {
                    if let result { results.append(result) }
                }
                return results
            }

            // Nobody hangs: every caller got an answer, success or error.
            #expect(results.count == 20)
            let stored = results.compactMap { try? $0.get() }.joined().filter { !$0.duplicate }
            #expect(try await database.listInbox(InboxQuery(limit: 100)).count == stored.count)
            await #expect(throws: StoreError.self) {
                try await inbox.store([record("stripe", "evt_after")])
            }
        }
    }
}

// MARK: Test doubles

/// A database whose writes wait until `open()` is called; reads go straight through.
final class GatedDatabase: StoreDatabase {
    private struct State {
        var isOpen = false
        var waiting: [CheckedContinuation<Void, Never>] = []
        var arrived = false
        var arrivalWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let base: any StoreDatabase
    private let state = Mutex(State())

    init(_ base: any StoreDatabase) {
        self.base = base
    }

    var kind: String { base.kind }
    var maxConcurrentWrites: Int { base.maxConcurrentWrites }
    var writesOneAtATime: Bool { base.writesOneAtATime }

    /// The wrapped database's service is run by whoever created it.
    func run() async throws {}

    /// Lets every held and future write proceed.
    func open() {
        let resumed = state.withLock { state in
            state.isOpen = true
            defer { state.waiting.removeAll() }
            return state.waiting
        }
        for continuation in resumed { continuation.resume() }
    }

    /// Returns once a write has reached the gate.
    func firstWriteArrived() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state in
                if state.arrived { return true }
                state.arrivalWaiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    // PonteStore's async requirements run on their caller's executor.
    var dialect: SQLDialect { base.dialect }
    nonisolated(nonsending) func read(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] { try await base.read(sql, binds) }
    nonisolated(nonsending) func listen(on channel: String, _ received: @escaping @Sendable (_ payload: String) -> Void) async throws {
        try await base.listen(on: channel, received)
    }

    /// Every write (the inbox's batches among them) waits at the gate until `open()`.
    nonisolated(nonsending) func write<T: Sendable>(
        _ body: nonisolated(nonsending) @Sendable (any SQLExecutor) async throws -> T
    ) async throws -> T {
        await withCheckedContinuation { continuation in
            let (proceed, arrivals) = state.withLock { state in
                let arrivals = state.arrived ? [] : state.arrivalWaiters
                state.arrived = true
                state.arrivalWaiters.removeAll()
                if state.isOpen { return (true, arrivals) }
                state.waiting.append(continuation)
                return (false, arrivals)
            }
            for waiter in arrivals { waiter.resume() }
            if proceed { continuation.resume() }
        }
        return try await base.write(body)
    }
}
