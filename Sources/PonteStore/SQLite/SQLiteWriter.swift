import NIOCore
import NIOPosix
import PonteCore
import SQLiteAPI

/// The database's one writer connection, on a thread of its own.
///
/// A transaction runs on that thread from `BEGIN` to `COMMIT`: its statements are executed
/// where they are issued, with no hop between threads, and prepared once and kept. The group
/// commit of the webhook inbox then costs one visit to the thread per batch, not several per
/// statement. Transactions run one at a time, in the order they asked; those that queued
/// behind one another commit together (see `commit`).
///
/// Callers' transaction bodies run on the writer's thread because PonteStore's async
/// functions and closures run on their caller's executor (`NonisolatedNonsendingByDefault`).
///
/// A transaction returns once its commit is on disk. The connection commits without waiting
/// for the disk (`synchronous=NORMAL`), and `WALSync` syncs the log for many commits at once
/// while the writer goes on with the next transactions.
actor SQLiteWriter {
    private let thread: SQLiteWriterThread
    private let handle: OpaquePointer
    private let walSync: WALSync
    private var statements: [String: Prepared] = [:]
    private var inTransaction = false
    /// Transactions waiting for the one under way; resumed with `true` when it is their turn,
    /// `false` when the writer closes.
    private(set) var waiting: [CheckedContinuation<Bool, Never>] = []
    private(set) var lifecycle = Lifecycle.open
    /// `close()` waiting for the transaction under way.
    private var closing: CheckedContinuation<Void, Never>?

    enum Lifecycle {
        case open
        /// No transaction starts (each fails with `closedError`); the one under way finishes.
        case closing
        /// The connection is closed: every statement fails with `closedError` too.
        case closed
    }

    static let closedError = StoreError(.unavailable, "the database is closed: the hub is stopping")

    /// Prepared statements kept at most; beyond, the cache starts afresh.
    private static let maxStatements = 256

    nonisolated var unownedExecutor: UnownedSerialExecutor { thread.asUnownedSerialExecutor() }

    /// Opens (creating if needed) the database file at `path`.
    init(path: String) throws {
        var handle: OpaquePointer?
        let flags = PONTE_SQLITE_OPEN_READWRITE | PONTE_SQLITE_OPEN_CREATE | PONTE_SQLITE_OPEN_FULLMUTEX
        let status = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard status == PONTE_SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "out of memory"
            if let handle { sqlite_nio_sqlite3_close_v2(handle) }
            throw StoreError(.unavailable, "cannot open '\(path)' for writing: \(message) (code \(status))")
        }
        sqlite_nio_sqlite3_busy_timeout(handle, 10_000)
        self.handle = handle
        self.thread = SQLiteWriterThread()
        self.walSync = WALSync(databasePath: path)
    }

    /// Runs `body` in a transaction of its own, or rolls it back if it throws; returns once its
    /// commit is on disk. The next transaction starts as soon as this one's body is done.
    func transaction<T: Sendable>(_ body: (any SQLExecutor) async throws -> T) async throws -> T {
        let (result, ticket) = try await commit(body)
        try await walSync.durable(ticket)
        return result
    }

    /// Runs `body` and commits, one body at a time; returns the commit's sync ticket.
    ///
    /// Group commit: while transactions wait behind it, a body that succeeded does not commit
    /// alone. It leaves the database transaction open for the next body, up to `maxGroup`
    /// bodies, and the last one commits for all of them. Each body runs in a savepoint of its
    /// own: one that throws is rolled back alone and the others commit. A body's caller hears
    /// of success only once the commit holding its writes is done, so what it was told is what
    /// is in the database.
    private func commit<T: Sendable>(_ body: (any SQLExecutor) async throws -> T) async throws -> (T, UInt64) {
        if inTransaction {
            let handedOver = await withCheckedContinuation { waiting.append($0) }
            guard handedOver else { throw Self.closedError }
        } else {
            guard lifecycle == .open else { throw Self.closedError }
            inTransaction = true
        }
        // This body has the connection until it hands it on.
        if group == nil {
            do {
                try walSync.checkHealthy()
                _ = try query("BEGIN IMMEDIATE", [])
            } catch {
                handOn()
                throw error
            }
            group = Group()
        }
        let result: T
        do {
            _ = try query("SAVEPOINT ponte_group_member", [])
            result = try await body(SQLiteWriterExecutor(writer: self))
            _ = try query("RELEASE ponte_group_member", [])
        } catch {
            rollBackMember(error)
            if group != nil && !nextBodyJoins { _ = try? commitGroup() }
            handOn()
            throw error
        }
        if nextBodyJoins {
            let outcome = await withCheckedContinuation { member in
                group?.members.append(member)
                handOn()
            }
            return (result, try outcome.get())
        }
        do {
            let ticket = try commitGroup()
            handOn()
            return (result, ticket)
        } catch {
            handOn()
            throw error
        }
    }

    /// Bodies committed together at most.
    static let maxGroup = 64

    /// The database transaction that bodies share, and the bodies waiting for its commit.
    private struct Group {
        var members: [CheckedContinuation<Result<UInt64, any Error>, Never>] = []
    }

    /// The open database transaction, while one is.
    private var group: Group?

    /// Commits made so far (each may hold several transactions).
    private(set) var commits = 0

    /// Whether the body that has the connection leaves the transaction open for the next one:
    /// a body waits, and the group (its members and the body now done) is not full.
    private var nextBodyJoins: Bool {
        lifecycle == .open && !waiting.isEmpty && (group?.members.count ?? Self.maxGroup) + 1 < Self.maxGroup
    }

    /// Undoes what the failed body wrote. Where SQLite rolled back the whole transaction
    /// itself (a full disk, an I/O error), the bodies before it in the group fail too.
    private func rollBackMember(_ error: any Error) {
        if sqlite_nio_sqlite3_get_autocommit(handle) == 0,
            (try? query("ROLLBACK TO ponte_group_member", [])) != nil,
            (try? query("RELEASE ponte_group_member", [])) != nil
        {
            return
        }
        if sqlite_nio_sqlite3_get_autocommit(handle) == 0 { _ = try? query("ROLLBACK", []) }
        finishGroup(.failure(error))
    }

    /// Commits the open transaction and tells the bodies waiting for it; returns the sync ticket.
    private func commitGroup() throws -> UInt64 {
        do {
            _ = try query("COMMIT", [])
        } catch {
            if sqlite_nio_sqlite3_get_autocommit(handle) == 0 { _ = try? query("ROLLBACK", []) }
            finishGroup(.failure(error))
            throw error
        }
        commits += 1
        let ticket = walSync.committed()
        finishGroup(.success(ticket))
        return ticket
    }

    private func finishGroup(_ outcome: Result<UInt64, any Error>) {
        let members = group?.members ?? []
        group = nil
        for member in members { member.resume(returning: outcome) }
    }

    /// Gives the connection to the next transaction waiting, or to `close()`, or frees it.
    /// With a transaction open, the next body joins it.
    private func handOn() {
        if group == nil, let closing {
            self.closing = nil
            inTransaction = false
            closing.resume()
        } else if !waiting.isEmpty, lifecycle == .open || group != nil {
            waiting.removeFirst().resume(returning: true)
        } else {
            inTransaction = false
        }
    }

    /// Lets the transaction under way finish, fails those waiting to start, and closes the
    /// connection. The services that use the store may still be running (when another
    /// service's failure cancels them all at once), so later calls fail with `closedError`.
    func close() async {
        guard lifecycle == .open else { return }
        lifecycle = .closing
        if inTransaction {
            await withCheckedContinuation { closing = $0 }
        }
        let waiters = waiting
        waiting.removeAll()
        for waiter in waiters { waiter.resume(returning: false) }
        for prepared in statements.values { sqlite_nio_sqlite3_finalize(prepared.statement) }
        statements.removeAll()
        sqlite_nio_sqlite3_close_v2(handle)
        lifecycle = .closed
        thread.shutdown()
        walSync.shutdown()
    }

    // MARK: Statements

    /// Runs one statement: inside a transaction, or on its own (pragmas, a table's creation).
    func query(_ sql: String, _ binds: [SQLValue]) throws -> [SQLRow] {
        guard lifecycle != .closed else { throw Self.closedError }
        let prepared = try prepared(sql)
        let statement = prepared.statement
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        for (offset, value) in binds.enumerated() {
            try check(bind(value, at: Int32(offset + 1), in: statement), sql)
        }
        var rows: [SQLRow] = []
        let columns = sqlite_nio_sqlite3_column_count(statement)
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            if status == PONTE_SQLITE_DONE { return rows }
            guard status == PONTE_SQLITE_ROW else { throw error(status, sql) }
            rows.append(SQLRow((0..<columns).map { column(at: $0, of: statement) }, columns: prepared.columns))
        }
    }

    /// A prepared statement and the names of its result's columns.
    private struct Prepared {
        let statement: OpaquePointer
        let columns: SQLColumns
    }

    private func prepared(_ sql: String) throws -> Prepared {
        if let prepared = statements[sql] { return prepared }
        if statements.count >= Self.maxStatements {
            for prepared in statements.values { sqlite_nio_sqlite3_finalize(prepared.statement) }
            statements.removeAll()
        }
        var statement: OpaquePointer?
        let status = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(PONTE_SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == PONTE_SQLITE_OK, let statement else { throw error(status, sql) }
        let names = (0..<sqlite_nio_sqlite3_column_count(statement)).map { index in
            sqlite_nio_sqlite3_column_name(statement, index).map { String(cString: $0) } ?? ""
        }
        let prepared = Prepared(statement: statement, columns: SQLColumns(names))
        statements[sql] = prepared
        return prepared
    }

    private func bind(_ value: SQLValue, at index: Int32, in statement: OpaquePointer) -> Int32 {
        switch value {
        case .null:
            return sqlite_nio_sqlite3_bind_null(statement, index)
        case .integer(let value):
            return sqlite_nio_sqlite3_bind_int64(statement, index, value)
        case .real(let value):
            return sqlite_nio_sqlite3_bind_double(statement, index, value)
        case .text(let text):
            return bindText(text, at: index, in: statement)
        case .textList(let list):
            return bindText(SQLiteText.jsonArray(list), at: index, in: statement)
        case .blob(let buffer):
            return buffer.withUnsafeReadableBytes { bytes in
                // A zero-length blob needs a non-null pointer, or SQLite binds NULL.
                sqlite_nio_sqlite3_bind_blob64(
                    statement, index, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1), UInt64(bytes.count),
                    ponte_sqlite_transient()
                )
            }
        }
    }

    private func bindText(_ text: String, at index: Int32, in statement: OpaquePointer) -> Int32 {
        var text = text
        return text.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { characters in
                // An empty string needs a non-null pointer, or SQLite binds NULL.
                Self.emptyText.withUnsafeBufferPointer { empty in
                    sqlite_nio_sqlite3_bind_text64(
                        statement, index, characters.baseAddress ?? empty.baseAddress, UInt64(characters.count),
                        ponte_sqlite_transient(), UInt8(PONTE_SQLITE_UTF8)
                    )
                }
            }
        }
    }

    private static let emptyText: [CChar] = [0]

    private func column(at index: Int32, of statement: OpaquePointer) -> SQLValue {
        switch sqlite_nio_sqlite3_column_type(statement, index) {
        case PONTE_SQLITE_INTEGER:
            return .integer(sqlite_nio_sqlite3_column_int64(statement, index))
        case PONTE_SQLITE_FLOAT:
            return .real(sqlite_nio_sqlite3_column_double(statement, index))
        case PONTE_SQLITE_TEXT:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
            guard let text = sqlite_nio_sqlite3_column_text(statement, index) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case PONTE_SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
            guard let bytes = sqlite_nio_sqlite3_column_blob(statement, index) else { return .blob(ByteBuffer()) }
            return .blob(ByteBuffer(bytes: UnsafeRawBufferPointer(start: bytes, count: count)))
        default:
            return .null
        }
    }

    private func check(_ status: Int32, _ sql: String) throws {
        guard status == PONTE_SQLITE_OK else { throw error(status, sql) }
    }

    private func error(_ status: Int32, _ sql: String) -> StoreError {
        let message = String(cString: sqlite_nio_sqlite3_errmsg(handle))
        return SQLiteErrors.storeError(code: sqlite_nio_sqlite3_extended_errcode(handle), message: message, sql: sql)
    }
}

/// Statements of a transaction on the writer; they run where the transaction runs.
struct SQLiteWriterExecutor: SQLExecutor {
    let writer: SQLiteWriter
    var dialect: SQLDialect { .sqlite }

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        try await writer.query(sql, binds)
    }
}

/// The writer's thread: runs the writer's jobs one after another.
final class SQLiteWriterThread: SerialExecutor {
    private let pool = NIOThreadPool(numberOfThreads: 1)

    init() {
        pool.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        pool.submit { _ in job.runSynchronously(on: executor) }
    }

    func shutdown() {
        pool.shutdownGracefully { _ in }
    }
}

/// Text encodings SQLite's statements share.
enum SQLiteText {
    /// A JSON array of strings, for `json_each`.
    static func jsonArray(_ list: [String]) -> String {
        var text = "["
        for (index, item) in list.enumerated() {
            if index > 0 { text += "," }
            JSONText.appendString(item, to: &text)
        }
        return text + "]"
    }
}
