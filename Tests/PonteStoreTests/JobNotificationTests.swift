import Synchronization
import Testing

@testable import PonteStore

/// PostgreSQL's LISTEN/NOTIFY wake-ups between processes: a notification names the queue that
/// got due jobs, so a worker wakes only that queue's loop; changes that may touch any queue
/// wake them all.
@Suite(.enabled(if: PostgresTestServer.url != nil, PostgresTestServer.skipReason))
struct JobNotificationTests {
    /// What the listener heard: a queue's name, or nil for every queue.
    final class Received: Sendable {
        private let queues = Mutex<[String?]>([])

        func append(_ queue: String?) { queues.withLock { $0.append(queue) } }
        func removeAll() { queues.withLock { $0.removeAll() } }
        var all: [String?] { queues.withLock { $0 } }

        /// Returns once what was heard satisfies `found`; fails after five seconds.
        func wait(sourceLocation: SourceLocation = #_sourceLocation, until found: ([String?]) -> Bool) async throws {
            let deadline = ContinuousClock.now + .seconds(5)
            while !found(all) {
                try #require(ContinuousClock.now < deadline, "notifications so far: \(all)", sourceLocation: sourceLocation)
                try await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    @Test func anEnqueueNamesItsQueuesAndADeadLetterRetryWakesEveryQueue() async throws {
        try await withJobDatabase(.postgresql) { database in
            let received = Received()
            let listener = Task { try await database.listenForJobs { received.append($0) } }
            defer { listener.cancel() }

            // LISTEN starts on its own connection: enqueue until the first notification arrives.
            let deadline = ContinuousClock.now + .seconds(5)
            while !received.all.contains("alpha") {
                try #require(ContinuousClock.now < deadline, "no notification arrived")
                try await database.add(newJob(queue: "alpha"))
                try await Task.sleep(for: .milliseconds(50))
            }
            let dead = try await database.addFinished(newJob(queue: "omega")) { .dead(id: $0, error: "boom") }
            // Notifications arrive in commit order: once this one has, every earlier one has too.
            try await database.add(newJob(queue: "marker"))
            try await received.wait { $0.contains("marker") }
            received.removeAll()

            // One transaction, three jobs in two queues: one notification per queue.
            _ = try await database.enqueue([newJob(queue: "beta"), newJob(queue: "beta"), newJob(queue: "gamma")], now: t0)
            #expect(try await database.retryDeadLetters(DeadLetterFilter(), now: t0) == [dead])

            try await received.wait { $0.contains(where: { $0 == nil }) }
            let all = received.all
            #expect(all.compactMap { $0 }.sorted() == ["beta", "gamma"])
            #expect(all.last == .some(nil) && all.count == 3)
        }
    }
}
