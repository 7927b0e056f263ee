import Foundation
import Logging
import NIOCore
import NIOPosix
import PonteCore
import SQLiteNIO
import ServiceLifecycle

/// The embedded store: one SQLite file in WAL mode, with a single writer connection
/// (`synchronous=FULL`, so a commit survives power loss), a reader connection, and a
/// checkpointer connection that copies the WAL into the database file in the background,
/// so no commit waits for a checkpoint.
public final class SQLiteStore: StoreDatabase {
    public let kind = "sqlite"
    public let maxConcurrentWrites = 1
    public let path: String

    private let writer: SQLiteConnection
    private let reader: SQLiteConnection
    private let checkpointer: SQLiteConnection
    /// The store's own threads for SQLite calls, which block: a checkpoint waiting for a lock
    /// must not hold up the writer, nor another store's work.
    private let threads: NIOThreadPool
    private let logger: Logger

    /// How often the WAL is checkpointed while the store runs.
    static let checkpointInterval: Duration = .milliseconds(200)

    private init(
        path: String, writer: SQLiteConnection, reader: SQLiteConnection, checkpointer: SQLiteConnection,
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
            throw StoreError("cannot create the database directory '\(directory)': \(error.localizedDescription)")
        }
        // One thread per connection plus one spare for concurrent admin reads.
        let threads = NIOThreadPool(numberOfThreads: 4)
        threads.start()
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        func connect() async throws -> SQLiteConnection {
            let connection = try await SQLiteConnection.open(storage: .file(path: path), threadPool: threads, logger: logger, on: loop)
            _ = try await connection.query("PRAGMA busy_timeout=10000")
            return connection
        }
        do {
            let writer = try await connect()
            _ = try await writer.query("PRAGMA journal_mode=WAL")
            _ = try await writer.query("PRAGMA synchronous=FULL")
            // Checkpoints happen on the checkpointer connection, not inside a commit.
            _ = try await writer.query("PRAGMA wal_autocheckpoint=0")
            let reader = try await connect()
            let checkpointer = try await connect()
            // A checkpoint that cannot get its locks soon gives up until the next round.
            _ = try await checkpointer.query("PRAGMA busy_timeout=100")
            return SQLiteStore(path: path, writer: writer, reader: reader, checkpointer: checkpointer, threads: threads, logger: logger)
        } catch {
            try? await threads.shutdownGracefully()
            throw StoreError("cannot open the SQLite database '\(path)': \(error)")
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
        for connection in [checkpointer, reader, writer] {
            try? await connection.close().get()
        }
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

    // MARK: Migrations

    public func migrate(logger: Logger) async throws -> [String] {
        _ = try await writer.query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)"
        )
        var applied: [String] = []
        for migration in Migrations.pending(after: try await schemaVersion(on: writer)) {
            _ = try await writer.query("BEGIN IMMEDIATE")
            do {
                for statement in migration.sqlite {
                    _ = try await writer.query(statement)
                }
                _ = try await writer.query(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    [.integer(migration.version), .text(migration.name), .integer(Int(Date().timeIntervalSince1970))]
                )
                _ = try await writer.query("COMMIT")
            } catch {
                _ = try? await writer.query("ROLLBACK")
                throw StoreError("migration \(migration.version) (\(migration.name)) failed: \(error)")
            }
            logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            applied.append(migration.name)
        }
        return applied
    }

    public func schemaVersion() async throws -> Int {
        try await schemaVersion(on: reader)
    }

    private func schemaVersion(on connection: SQLiteConnection) async throws -> Int {
        let exists = try await connection.query(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        )
        guard !exists.isEmpty else { return 0 }
        let rows = try await connection.query("SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations")
        return rows.first?.column("version")?.integer.map { Int($0) } ?? 0
    }

    // MARK: Inbox

    public func insertInbox(_ records: [NewInboxRecord]) async throws -> [InboxStoreOutcome] {
        guard !records.isEmpty else { return [] }
        var binds: [SQLiteData] = []
        binds.reserveCapacity(records.count * InboxSQL.fieldsPerRow)
        for record in records {
            binds.append(.text(record.id))
            binds.append(.text(record.provider))
            binds.append(.text(record.eventID))
            binds.append(.text(record.eventType))
            binds.append(.text(WebhookStatus.pending.rawValue))
            binds.append(.integer(Int(record.receivedAt)))
            binds.append(.text(record.headersJSON))
            binds.append(.blob(record.body))
        }
        // One statement is one transaction and one WAL fsync for the whole batch.
        let inserted = try await writer.query(InboxSQL.insert(rows: records.count) { _ in "?" }, binds)
        let insertedIDs = Set(inserted.compactMap { $0.columns.first?.data.string })
        let skipped = InboxOutcomes.skipped(records, inserted: insertedIDs)
        var existing: [InboxKey: String] = [:]
        if !skipped.isEmpty {
            var pairBinds: [SQLiteData] = []
            for record in skipped {
                pairBinds.append(.text(record.provider))
                pairBinds.append(.text(record.eventID))
            }
            for row in try await writer.query(InboxSQL.existing(pairs: skipped.count) { _ in "?" }, pairBinds) {
                let columns = row.columns
                guard columns.count == 3, let provider = columns[0].data.string, let eventID = columns[1].data.string,
                    let id = columns[2].data.string
                else { continue }
                existing[InboxKey(provider: provider, eventID: eventID)] = id
            }
        }
        return try InboxOutcomes.resolve(records, inserted: insertedIDs, existing: existing)
    }

    public func listInbox(_ query: InboxQuery) async throws -> [InboxSummary] {
        let (sql, binds) = InboxSQL.list(query) { _ in "?" }
        let rows = try await reader.query(sql, binds.map { .text($0) })
        return try rows.map { try Self.summary(from: $0.columns) }
    }

    public func inboxEntry(id: String) async throws -> InboxEntry? {
        let rows = try await reader.query(InboxSQL.entry(placeholder: "?"), [.text(id)])
        guard let columns = rows.first?.columns else { return nil }
        let summary = try Self.summary(from: columns)
        guard columns.count == 10, let headers = columns[8].data.string else {
            throw StoreError("webhook \(id) has an unreadable row")
        }
        let body: ByteBuffer
        switch columns[9].data {
        case .blob(let buffer): body = buffer
        case .text(let text): body = ByteBuffer(string: text)
        default: body = ByteBuffer()
        }
        return InboxEntry(summary: summary, headersJSON: headers, body: body)
    }

    private static func summary(from columns: [SQLiteColumn]) throws -> InboxSummary {
        guard columns.count >= 8,
            let id = columns[0].data.string,
            let provider = columns[1].data.string,
            let eventID = columns[2].data.string,
            let eventType = columns[3].data.string,
            let status = columns[4].data.string.flatMap(WebhookStatus.init(rawValue:)),
            let receivedAt = columns[5].data.integer,
            let attempts = columns[6].data.integer
        else {
            throw StoreError("unreadable webhook_inbox row")
        }
        return InboxSummary(
            id: id, provider: provider, eventID: eventID, eventType: eventType, status: status,
            receivedAt: Int64(receivedAt), attempts: Int(attempts), lastError: columns[7].data.string
        )
    }
}
