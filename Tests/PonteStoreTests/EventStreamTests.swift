import Foundation
import PonteCore
import Testing

@testable import PonteStore

/// Event streams: contiguous sequences per stream, reads after a cursor, retention, and
/// readers woken by commits in this process and in others.
@Suite struct EventStreamTests {
    private func append(_ database: any StoreDatabase, _ stream: String, _ type: String = "T", now: Int64 = t0) async throws -> StreamEvent {
        try await database.write { sql in try await sql.appendEvent(to: stream, type: type, data: #"{"n":1}"#, now: now) }
    }

    @Test(arguments: Backend.available)
    func concurrentAppendsGetContiguousSequencesPerStream(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            try await withSecondConnection(to: database, backend: backend) { other in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for writer in 0..<4 {
                        let store = writer % 2 == 0 ? database : other
                        group.addTask {
                            for index in 0..<50 {
                                _ = try await append(store, index % 2 == 0 ? "a" : "b")
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            for stream in ["a", "b"] {
                let read = try await database.streamEvents(stream, after: 0, limit: 500)
                #expect(read.events.map(\.seq) == Array(1...100))
                #expect(read.lastSeq == 100 && read.firstSeq == 1)
            }
        }
    }

    @Test(arguments: Backend.available)
    func anEventExistsOnlyIfItsTransactionCommitted(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            _ = try await append(database, "s")
            struct Abort: Error {}
            await #expect(throws: Abort.self) {
                try await database.write { sql in
                    _ = try await sql.appendEvent(to: "s", type: "T", data: "{}", now: t0)
                    throw Abort()
                }
            }
            _ = try await append(database, "s")
            #expect(try await database.streamEvents("s", after: 0, limit: 10).events.map(\.seq) == [1, 2])
        }
    }

    @Test(arguments: Backend.available)
    func readsPageAfterACursorAndExpiredCursorsSayWhatIsLeft(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            for index in 0..<10 { _ = try await append(database, "s", now: t0 + Int64(index) * oneSecond) }
            let page = try await database.streamEvents("s", after: 3, limit: 4)
            #expect(page.events.map(\.seq) == [4, 5, 6, 7])
            #expect(page.nextAfter(3) == 7 && page.lastSeq == 10)
            #expect(try await database.streamEvents("s", after: 10, limit: 4).events.isEmpty)
            #expect(try await database.streamEvents("unknown", after: 0, limit: 4) == StreamRead(events: [], lastSeq: 0, firstSeq: 1))

            // Retention drops the events older than 5 s: 1-5.
            #expect(try await database.pruneStreamEvents(before: t0 + 5 * oneSecond) == 5)
            #expect(try await database.streamEvents("s", after: 5, limit: 10).events.map(\.seq) == [6, 7, 8, 9, 10])
            await #expect(throws: StreamCursorExpired(stream: "s", after: 2, oldestAvailable: 6)) {
                try await database.streamEvents("s", after: 2, limit: 10)
            }
            // All gone: the next event keeps counting, and nothing before it can be read.
            #expect(try await database.pruneStreamEvents(before: t0 + 60 * oneSecond) == 5)
            #expect(try await append(database, "s").seq == 11)
            await #expect(throws: StreamCursorExpired.self) { try await database.streamEvents("s", after: 9, limit: 10) }
            #expect(try await database.streamEvents("s", after: 10, limit: 10).events.map(\.seq) == [11])
        }
    }

    @Test(arguments: Backend.available)
    func aLongPollAnswersWhenAnEventCommitsInThisProcess(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let streams = EventStreams(database: database, logger: quietLogger)
            _ = try await append(database, "s")
            let waiting = Task { try await streams.wait("s", after: 1, limit: 10, timeout: .seconds(30)) }
            try await waitUntil { streams.readers("s") == 1 }
            let event = try await append(database, "s")
            streams.published([event])
            let started = ContinuousClock.now
            let page = try await waiting.value
            #expect(page.events.map(\.seq) == [2])
            #expect(ContinuousClock.now - started < .seconds(5))
            // Nothing new: an empty page at the deadline.
            #expect(try await streams.wait("s", after: 2, limit: 10, timeout: .milliseconds(100)).events.isEmpty)
        }
    }

    /// Another process's append (another store, its own connections) wakes this process's
    /// reader: by PostgreSQL's notification, or by polling the counters on SQLite.
    @Test(arguments: Backend.available)
    func aReaderHearsOfAnotherProcesssAppend(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let streams = EventStreams(database: database, logger: quietLogger, pollInterval: backend == .sqlite ? .milliseconds(200) : .seconds(60))
            try await whileRunning(streams) {
                try await withSecondConnection(to: database, backend: backend) { other in
                    let waiting = Task { try await streams.wait("s", after: 0, limit: 10, timeout: .seconds(30)) }
                    try await waitUntil { streams.readers("s") == 1 }
                    if backend == .postgresql { try await Task.sleep(for: .milliseconds(300)) }  // the listener is connected
                    let started = ContinuousClock.now
                    _ = try await append(other, "s")
                    let page = try await waiting.value
                    #expect(page.events.map(\.seq) == [1])
                    // With a 60 s poll on PostgreSQL, only the notification can have woken it.
                    #expect(ContinuousClock.now - started < .seconds(10))
                }
            }
        }
    }

    @Test(arguments: Backend.available)
    func recentEventsAreServedFromMemoryOnceFollowed(backend: Backend) async throws {
        try await withJobDatabase(backend) { database in
            let streams = EventStreams(database: database, logger: quietLogger)
            let follower = streams.follow("s")
            defer { follower.close() }
            _ = try await follower.next(after: 0, limit: 10, timeout: .milliseconds(1))
            var events: [StreamEvent] = []
            for _ in 0..<3 { events.append(try await append(database, "s")) }
            streams.published(events)
            // The rows are gone from the database, yet the follower still reads them: from memory.
            try await database.write { sql in try await sql.execute("DELETE FROM stream_events") }
            #expect(try await follower.next(after: 0, limit: 10, timeout: .seconds(1)).events.map(\.seq) == [1, 2, 3])
            #expect(try await follower.next(after: 2, limit: 10, timeout: .seconds(1)).events.map(\.seq) == [3])
        }
    }
}

/// Waits (polling every 10 ms, for up to 10 s) until `condition` holds.
func waitUntil(_ condition: @Sendable () async throws -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("the condition did not hold within 10 s", sourceLocation: sourceLocation)
}
