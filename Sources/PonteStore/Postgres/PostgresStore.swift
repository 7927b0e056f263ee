import Foundation
import Logging
import NIOCore
import NIOSSL
import PonteCore
import PostgresNIO
import ServiceLifecycle

/// The scale-out store: PostgreSQL through a connection pool. Any number of Ponte processes
/// may share one database.
public final class PostgresStore: StoreDatabase {
    public let kind = "postgresql"
    public let maxConcurrentWrites = 4

    let client: PostgresClient
    private let logger: Logger

    /// Builds the pool; connections open lazily once `run()` is running.
    public init(url: PostgresURL, logger: Logger) {
        let tls: PostgresClient.Configuration.TLS
        switch url.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password,
            database: url.database, tls: tls
        )
        configuration.options.maximumConnections = 16
        configuration.options.connectTimeout = .seconds(5)
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
    }

    // MARK: Lifecycle

    public func run() async throws {
        // The pool runs until graceful shutdown; being listed first, it stops last.
        await cancelWhenGracefulShutdown {
            await self.client.run()
        }
    }

    // MARK: Migrations

    /// An arbitrary constant: the advisory lock that serialises migrations across processes.
    private static let migrationLock: Int64 = 0x706F_6E74_65_01

    public func migrate(logger: Logger) async throws -> [String] {
        try await client.withTransaction(logger: logger) { connection -> [String] in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
                logger: logger
            )
            var current = 0
            for try await version in try await connection.query(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", logger: logger
            ).decode(Int.self) {
                current = version
            }
            var applied: [String] = []
            for migration in Migrations.pending(after: current) {
                for statement in migration.postgres {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                let now = Int64(Date().timeIntervalSince1970)
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(migration.version), \(migration.name), \(now))",
                    logger: logger
                )
                logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                applied.append(migration.name)
            }
            return applied
        }
    }

    public func schemaVersion() async throws -> Int {
        // Two statements: PostgreSQL resolves table names before running a query, so a single
        // query over a missing schema_migrations fails rather than returning nothing.
        var exists = false
        for try await present in try await client.query(
            "SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger
        ).decode(Bool.self) {
            exists = present
        }
        guard exists else { return 0 }
        for try await version in try await client.query(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", logger: logger
        ).decode(Int.self) {
            return version
        }
        return 0
    }

    // MARK: Inbox

    public func insertInbox(_ records: [NewInboxRecord]) async throws -> [InboxStoreOutcome] {
        guard !records.isEmpty else { return [] }
        // Concurrent batches take row locks in (provider, event_id) order, so two batches that
        // share events wait for each other instead of deadlocking.
        let ordered = records.sorted { ($0.provider, $0.eventID) < ($1.provider, $1.eventID) }
        var binds = PostgresBindings(capacity: records.count * InboxSQL.fieldsPerRow)
        for record in ordered {
            binds.append(record.id)
            binds.append(record.provider)
            binds.append(record.eventID)
            binds.append(record.eventType)
            binds.append(WebhookStatus.pending.rawValue)
            binds.append(record.receivedAt)
            binds.append(record.headersJSON)
            binds.append(record.body)
        }
        let sql = InboxSQL.insert(rows: records.count) { "$\($0)" }
        var insertedIDs = Set<String>()
        for try await id in try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).decode(String.self) {
            insertedIDs.insert(id)
        }
        let skipped = InboxOutcomes.skipped(records, inserted: insertedIDs)
        var existing: [InboxKey: String] = [:]
        if !skipped.isEmpty {
            var pairBinds = PostgresBindings(capacity: skipped.count * 2)
            for record in skipped {
                pairBinds.append(record.provider)
                pairBinds.append(record.eventID)
            }
            let lookup = InboxSQL.existing(pairs: skipped.count) { "$\($0)" }
            for try await (provider, eventID, id) in try await client.query(
                PostgresQuery(unsafeSQL: lookup, binds: pairBinds), logger: logger
            ).decode((String, String, String).self) {
                existing[InboxKey(provider: provider, eventID: eventID)] = id
            }
        }
        return try InboxOutcomes.resolve(records, inserted: insertedIDs, existing: existing)
    }

    public func listInbox(_ query: InboxQuery) async throws -> [InboxSummary] {
        let (sql, values) = InboxSQL.list(query) { "$\($0)" }
        var binds = PostgresBindings(capacity: values.count)
        for value in values { binds.append(value) }
        var result: [InboxSummary] = []
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
        for try await row in rows.decode((String, String, String, String, String, Int64, Int, String?).self) {
            result.append(try Self.summary(row))
        }
        return result
    }

    public func inboxEntry(id: String) async throws -> InboxEntry? {
        var binds = PostgresBindings(capacity: 1)
        binds.append(id)
        let rows = try await client.query(PostgresQuery(unsafeSQL: InboxSQL.entry(placeholder: "$1"), binds: binds), logger: logger)
        for try await row in rows.decode((String, String, String, String, String, Int64, Int, String?, String, ByteBuffer).self) {
            let summary = try Self.summary((row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7))
            return InboxEntry(summary: summary, headersJSON: row.8, body: row.9)
        }
        return nil
    }

    private static func summary(_ row: (String, String, String, String, String, Int64, Int, String?)) throws -> InboxSummary {
        guard let status = WebhookStatus(rawValue: row.4) else {
            throw StoreError("webhook \(row.0) has unknown status '\(row.4)'")
        }
        return InboxSummary(
            id: row.0, provider: row.1, eventID: row.2, eventType: row.3, status: status,
            receivedAt: row.5, attempts: row.6, lastError: row.7
        )
    }
}
