import Foundation
import Logging
import NIOCore
import NIOPosix
import PonteCore
import SQLiteNIO
import ServiceLifecycle

/// The embedded store: one SQLite file in WAL mode, with a single writer connection on a
/// thread of its own (`SQLiteWriter`; a commit is synced to disk before it is reported),
/// a reader connection, and a checkpointer connection that copies the WAL into the database
/// file in the background, so no commit waits for a checkpoint.
public final class SQLiteStore: StoreDatabase {
    public let kind = "sqlite"
    public let maxConcurrentWrites = 2
    public let writesOneAtATime = true
    public let path: String

    private let writer: SQLiteWriter
    private let reader: SQLiteConnection
    private let checkpointer: SQLiteConnection
    /// The store's own threads for the reader's and checkpointer's SQLite calls, which block:
    /// a checkpoint waiting for a lock must not hold up another store's work.
    private let threads: NIOThreadPool
    private let logger: Logger

    /// How often the WAL is checkpointed while the store runs.
    static let checkpointInterval: Duration = .milliseconds(200)

    private init(
        path: String, writer: SQLiteWriter, reader: SQLiteConnection, checkpointer: SQLiteConnection,
        threads: NIOThreadPool, logger: Logger
    ) {
        self.path = path
        self.writer = writer
        self.reader = reader
        self.checkpointer = checkpointer
        self.threads = threads
        self.logger = logger
    }

    /// Opens (creating the file and its directory if needed) the database at `path`.
    public static func open(path: String, logger: Logger) async throws -> SQLiteStore {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError(.unavailable, "cannot create the database directory '\(directory)': \(error.localizedDescription)")
        }
        // One thread per connection plus one spare for concurrent admin reads.
        let threads = NIOThreadPool(numberOfThreads: 3)
        threads.start()
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        func connect() async throws -> SQLiteConnection {
            let connection = try await SQLiteConnection.open(storage: .file(path: path), threadPool: threads, logger: logger, on: loop)
            _ = try await connection.query("PRAGMA busy_timeout=10000")
            return connection
        }
        do {
            let writer = try SQLiteWriter(path: path)
            // Commits are made durable by syncing the WAL (WALSync), so without WAL mode
            // (a file system without shared memory, such as most network mounts) they would not be.
            let mode = try await writer.query("PRAGMA journal_mode=WAL", []).first?.text(0)
            guard mode?.lowercased() == "wal" else {
                throw StoreError(
                    "SQLite kept journal mode '\(mode ?? "unknown")' instead of WAL; Ponte needs WAL, which works on a local file system: put the database on one"
                )
            }
            // The writer's transactions sync the log themselves, many commits per fsync (WALSync).
            _ = try await writer.query("PRAGMA synchronous=NORMAL", [])
            // A statement's undo log (kept while a statement inside a transaction may fail
            // alone) stays in memory instead of a temporary file made for each transaction.
            _ = try await writer.query("PRAGMA temp_store=MEMORY", [])
            // Checkpoints happen on the checkpointer connection, not inside a commit.
            _ = try await writer.query("PRAGMA wal_autocheckpoint=0", [])
            // Foreign keys are declared on both databases; SQLite checks them only when asked.
            _ = try await writer.query("PRAGMA foreign_keys=ON", [])
            let reader = try await connect()
            let checkpointer = try await connect()
            // A checkpoint that cannot get its locks soon gives up until the next round.
            _ = try await checkpointer.query("PRAGMA busy_timeout=100")
            return SQLiteStore(path: path, writer: writer, reader: reader, checkpointer: checkpointer, threads: threads, logger: logger)
        } catch {
            try? await threads.shutdownGracefully()
            throw StoreError(.unavailable, "cannot open the SQLite database '\(path)': \(error)")
        }
    }

    // MARK: Lifecycle

    public func run() async throws {
        // Checkpoint periodically until shutdown, then once more, then close.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.checkpointInterval)
                if Task.isCancelled { break }  // shutting down: the final checkpoint follows
                // PASSIVE copies most of the WAL without holding anyone up; RESTART then copies
                // the few frames appended meanwhile (briefly holding the writer back) so the
                // next commit rewinds the WAL. Commits then overwrite the WAL in place, and an
                // fsync of overwritten pages costs a fraction of one that grows the file.
                await self.checkpoint(mode: "PASSIVE")
                await self.checkpoint(mode: "RESTART")
            }
        }
        // The future-based calls run even when this task is cancelled (the async ones would
        // be skipped), so the connections are always closed.
        do {
            _ = try await checkpointer.query("PRAGMA wal_checkpoint(TRUNCATE)", []).get()
        } catch {
            logger.warning("final WAL checkpoint failed", metadata: ["error": "\(error)"])
        }
        for connection in [checkpointer, reader] {
            try? await connection.close().get()
        }
        await writer.close()
        threads.shutdownGracefully { _ in }
    }

    private func checkpoint(mode: String) async {
        do {
            _ = try await checkpointer.query("PRAGMA wal_checkpoint(\(mode))")
        } catch is CancellationError {
            // Shutdown began while the checkpoint was queued; the final checkpoint covers it.
        } catch {
            logger.warning("WAL checkpoint failed", metadata: ["mode": "\(mode)", "error": "\(error)"])
        }
    }

    // MARK: Statements

    public var dialect: SQLDialect { .sqlite }

    /// SQLite has no notifications between processes; idle workers and stream readers poll.
    public func listen(on channel: String, _ received: @escaping @Sendable (_ payload: String) -> Void) async throws {}

    public func read(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        try await SQLiteExecutor(connection: reader).query(sql, binds)
    }

    @discardableResult
    public func write<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await writer.transaction(body)
    }
}

/// Runs statements on one SQLite connection.
struct SQLiteExecutor: SQLExecutor {
    let connection: SQLiteConnection
    var dialect: SQLDialect { .sqlite }

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        let rows: [SQLiteRow]
        do {
            rows = try await connection.query(sql, binds.map(Self.data))
        } catch {
            throw SQLiteErrors.storeError(error, sql: sql)
        }
        guard let first = rows.first else { return [] }
        let names = SQLColumns(first.columns.map(\.name))
        return rows.map { row in SQLRow(row.columns.map { Self.value($0.data) }, columns: names) }
    }

    private static func data(_ value: SQLValue) -> SQLiteData {
        switch value {
        case .null: .null
        case .integer(let value): .integer(Int(value))
        case .real(let value): .float(value)
        case .text(let text): .text(text)
        case .blob(let buffer): .blob(buffer)
        case .textList(let list): .text(SQLiteText.jsonArray(list))
        }
    }

    private static func value(_ data: SQLiteData) -> SQLValue {
        switch data {
        case .null: .null
        case .integer(let value): .integer(Int64(value))
        case .float(let value): .real(value)
        case .text(let text): .text(text)
        case .blob(let buffer): .blob(buffer)
        }
    }
}
