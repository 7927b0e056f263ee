import Dispatch
import Foundation
import Synchronization
import Testing

@testable import PonteStore

/// `WALSync`: a commit is reported only after a sync that began after it; one sync serves
/// every commit made before it began; a failed sync fails every commit from then on.
@Suite struct WALSyncTests {
    /// A sync function that blocks each call until the test releases it, and counts calls.
    final class HeldSync: Sendable {
        let calls = Mutex(0)
        let release = DispatchSemaphore(value: 0)
        let failing = Mutex(false)

        func sync() throws {
            calls.withLock { $0 += 1 }
            release.wait()
            if failing.withLock({ $0 }) { throw StoreError("disk on fire") }
        }

        /// Returns once `count` syncs have begun (polling: the test's tasks must not block).
        func started(_ count: Int) async throws {
            while calls.withLock({ $0 }) < count { try await Task.sleep(for: .milliseconds(1)) }
        }
    }

    @Test func commitsMadeDuringASyncWaitForTheNextOneWhichServesThemAll() async throws {
        let held = HeldSync()
        let walSync = WALSync { try held.sync() }
        defer { walSync.shutdown() }
        let done = Locked<[UInt64]>([])

        let first = walSync.committed()
        let firstWait = Task {
            try await walSync.durable(first)
            done.withLock { $0.append(first) }
        }
        try await held.started(1)  // the first sync is running, covering commit 1 only

        var later: [Task<Void, any Error>] = []
        for _ in 0..<10 {
            let ticket = walSync.committed()
            later.append(
                Task {
                    try await walSync.durable(ticket)
                    done.withLock { $0.append(ticket) }
                })
        }
        // Let the later waiters register before the first sync ends.
        try await Task.sleep(for: .milliseconds(50))
        #expect(done.withLock { $0.isEmpty })

        held.release.signal()
        try await firstWait.value
        try await held.started(2)  // a second sync began, for the ten commits made meanwhile
        #expect(done.withLock { $0 } == [first])

        held.release.signal()
        for task in later { try await task.value }
        #expect(done.withLock { Set($0) } == Set(1...11))
        #expect(held.calls.withLock { $0 } == 2)

        // Already synced: answered without another sync.
        try await walSync.durable(first)
        #expect(held.calls.withLock { $0 } == 2)
    }

    @Test func aFailedSyncFailsItsCommitsAndEveryLaterOne() async throws {
        let held = HeldSync()
        held.failing.withLock { $0 = true }
        let walSync = WALSync { try held.sync() }
        defer { walSync.shutdown() }

        let ticket = walSync.committed()
        let waiting = Task { try await walSync.durable(ticket) }
        try await held.started(1)
        held.release.signal()
        await #expect(throws: StoreError.self) { try await waiting.value }

        // No transaction starts any more, and later commits are refused without trying again:
        // what reached the disk is unknown.
        #expect(throws: StoreError.self) { try walSync.checkHealthy() }
        let next = walSync.committed()
        await #expect(throws: StoreError.self) { try await walSync.durable(next) }
        #expect(held.calls.withLock { $0 } == 1)
    }
}

/// Closing the SQLite writer while others still use it (a failing service cancels the whole
/// process at once): the transaction under way commits, the waiting ones fail, and every later
/// call fails with a clear error instead of touching a closed connection.
@Suite struct SQLiteWriterCloseTests {
    @Test func closingLetsTheTransactionUnderWayCommitAndFailsTheOthers() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ponte-writer-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/writer.sqlite"
        let writer = try SQLiteWriter(path: path)
        _ = try await writer.query("CREATE TABLE t (x INTEGER)", [])

        let (entered, enteredContinuation) = AsyncStream.makeStream(of: Void.self)
        let (release, releaseContinuation) = AsyncStream.makeStream(of: Void.self)
        let underWay = Task {
            try await writer.transaction { sql in
                try await sql.execute("INSERT INTO t VALUES (1)", [])
                enteredContinuation.yield()
                for await _ in release { break }  // suspended inside the transaction
                try await sql.execute("INSERT INTO t VALUES (2)", [])
                return 2
            }
        }
        for await _ in entered { break }
        let waiting = (0..<5).map { index in
            Task { try await writer.transaction { sql in try await sql.execute("INSERT INTO t VALUES (?)", [.integer(Int64(10 + index))]) } }
        }
        while await writer.waiting.count < 5 { try await Task.sleep(for: .milliseconds(1)) }  // queued behind it
        let closing = Task { await writer.close() }
        while await writer.lifecycle != .closing { try await Task.sleep(for: .milliseconds(1)) }
        releaseContinuation.yield()

        #expect(try await underWay.value == 2)
        await closing.value
        for task in waiting {
            await #expect(throws: StoreError.self) { try await task.value }
        }
        await #expect(throws: StoreError.self) { try await writer.transaction { sql in try await sql.execute("INSERT INTO t VALUES (3)", []) } }
        await #expect(throws: StoreError.self) { _ = try await writer.query("SELECT 1", []) }

        let reopened = try SQLiteWriter(path: path)
        #expect(try await reopened.query("SELECT count(*) FROM t", []).first?.integer(0) == 2)
        await reopened.close()
    }

    @Test func transactionsQueuedTogetherCommitTogetherAndOneThatFailsIsRolledBackAlone() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ponte-writer-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/writer.sqlite"
        let writer = try SQLiteWriter(path: path)
        _ = try await writer.query("CREATE TABLE t (x INTEGER PRIMARY KEY)", [])

        let (entered, enteredContinuation) = AsyncStream.makeStream(of: Void.self)
        let (release, releaseContinuation) = AsyncStream.makeStream(of: Void.self)
        let first = Task {
            try await writer.transaction { sql in
                try await sql.execute("INSERT INTO t VALUES (1)", [])
                enteredContinuation.yield()
                for await _ in release { break }
            }
        }
        for await _ in entered { break }
        // Five transactions queue behind it; the third writes 2 in one statement and then 1,
        // which the first one already wrote.
        var queued: [Task<Void, any Error>] = []
        for index in 0..<5 {
            queued.append(Task {
                try await writer.transaction { sql in
                    try await sql.execute("INSERT INTO t VALUES (?)", [.integer(Int64(10 + index))])
                    if index == 2 { try await sql.execute("INSERT INTO t VALUES (1)", []) }
                }
            })
            while await writer.waiting.count < index + 1 { try await Task.sleep(for: .milliseconds(1)) }
        }
        releaseContinuation.yield()

        try await first.value
        for (index, task) in queued.enumerated() {
            if index == 2 {
                let error = await #expect(throws: StoreError.self) { try await task.value }
                #expect(error?.kind == .uniqueViolation)
            } else {
                try await task.value
            }
        }
        let rows = try await writer.query("SELECT x FROM t ORDER BY x", []).map { $0.integer(0) }
        #expect(rows == [1, 10, 11, 13, 14])
        #expect(await writer.commits == 1, "the six transactions share one commit")
        try await writer.transaction { sql in try await sql.execute("INSERT INTO t VALUES (20)", []) }
        await writer.close()

        let reopened = try SQLiteWriter(path: path)
        #expect(try await reopened.query("SELECT count(*) FROM t", []).first?.integer(0) == 6)
        await reopened.close()
    }
}
