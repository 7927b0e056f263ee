import PonteCore
import Synchronization
import Testing

@testable import PonteStore

/// How the writes that finished jobs leave are run: row updates that differ only in their row
/// become one statement, and nothing else changes order.
@Suite struct DeferredWriteTests {
    /// Records each statement instead of running it.
    final class RecordingExecutor: SQLExecutor {
        private let statements = Mutex<[String]>([])
        private let bindLists = Mutex<[[SQLValue]]>([])
        var dialect: SQLDialect { .sqlite }

        func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
            statements.withLock { $0.append(sql) }
            bindLists.withLock { $0.append(binds) }
            return []
        }

        var sql: [String] { statements.withLock { $0 } }
        var binds: [[SQLValue]] { bindLists.withLock { $0 } }
    }

    private func processed(_ id: String) -> DeferredWrite {
        InboxWrites.status(id: id, status: .processed)
    }

    @Test func updatesOfDifferentRowsWithTheSameChangeRunAsOneStatement() async throws {
        let executor = RecordingExecutor()
        try await DeferredWrite.run(
            [processed("wh_1"), JobWrites.result(id: "job_1", json: "{}"), processed("wh_2"), processed("wh_3")], on: executor
        )
        #expect(executor.sql.count == 2)
        #expect(executor.sql[0].hasPrefix("UPDATE webhook_inbox SET status = ?"))
        #expect(executor.sql[0].hasSuffix("id IN (SELECT value FROM json_each(?))"))
        #expect(executor.binds[0].last == .textList(["wh_1", "wh_2", "wh_3"]))
        #expect(executor.binds[1] == [.text("{}"), .text("job_1")])
    }

    @Test func differentChangesStaySeparate() async throws {
        let executor = RecordingExecutor()
        try await DeferredWrite.run(
            [processed("wh_1"), InboxWrites.status(id: "wh_2", status: .ignored, reason: "no handler"), processed("wh_3")], on: executor
        )
        #expect(executor.binds.map { $0.last } == [.textList(["wh_1", "wh_3"]), .text("wh_2")])
    }

    @Test func aRowWrittenTwiceKeepsEveryWriteInOrder() async throws {
        let executor = RecordingExecutor()
        let writes = [
            InboxWrites.status(id: "wh_1", status: .processing, attemptStarted: true), processed("wh_2"),
            InboxWrites.status(id: "wh_1", status: .processed),
        ]
        try await DeferredWrite.run(writes, on: executor)
        #expect(executor.sql == writes.map(\.sql))
        #expect(executor.binds == writes.map(\.binds))
    }

    @Test func aWriteThatIsNotARowUpdateKeepsItsPlace() async throws {
        let executor = RecordingExecutor()
        let plain = DeferredWrite(sql: "INSERT INTO audit (note) VALUES (?)", binds: [.text("between")])
        try await DeferredWrite.run([processed("wh_1"), processed("wh_2"), plain, processed("wh_3"), processed("wh_4")], on: executor)
        #expect(executor.sql.count == 3)
        #expect(executor.sql[1] == plain.sql)
        #expect(executor.binds.map { $0.last } == [.textList(["wh_1", "wh_2"]), .text("between"), .textList(["wh_3", "wh_4"])])
    }
}
