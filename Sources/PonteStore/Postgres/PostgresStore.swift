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
    public let writesOneAtATime = false

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

    // MARK: Statements

    public var dialect: SQLDialect { .postgres }

    public func listenForJobs(_ wake: @escaping @Sendable (_ queue: String?) -> Void) async throws {
        try await client.withConnection { connection in
            try await connection.listen(on: JobNotifications.channel) { notifications in
                for try await notification in notifications {
                    wake(JobNotifications.queue(inPayload: notification.payload))
                }
            }
        }
    }

    public func read(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        try await PostgresExecutor.rows(client.query(PostgresExecutor.query(sql, binds), logger: logger))
    }

    @discardableResult
    public func write<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await client.withTransaction(logger: logger) { connection in
            try await body(PostgresExecutor(connection: connection, logger: logger))
        }
    }
}

/// Runs statements on one PostgreSQL connection, numbering the `?` placeholders.
struct PostgresExecutor: SQLExecutor {
    let connection: PostgresConnection
    let logger: Logger
    var dialect: SQLDialect { .postgres }

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        try await Self.rows(connection.query(Self.query(sql, binds), logger: logger))
    }

    /// The statement with `?` turned into `$1, $2, …` (the shared SQL has no `?` inside
    /// string literals), and its bindings.
    static func query(_ sql: String, _ binds: [SQLValue]) -> PostgresQuery {
        // Bytes, not Characters: a batch's statement runs to kilobytes, and grapheme breaking
        // each character showed in profiles.
        var text: [UInt8] = []
        text.reserveCapacity(sql.utf8.count + binds.count * 3)
        var number = 0
        for byte in sql.utf8 {
            if byte == UInt8(ascii: "?") {
                number += 1
                text.append(UInt8(ascii: "$"))
                text.append(contentsOf: String(number).utf8)
            } else {
                text.append(byte)
            }
        }
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let value): bindings.append(value)
            case .real(let value): bindings.append(value)
            case .text(let text): bindings.append(text)
            case .blob(let buffer): bindings.append(buffer)
            case .textList(let list): bindings.append(list)
            }
        }
        return PostgresQuery(unsafeSQL: String(decoding: text, as: UTF8.self), binds: bindings)
    }

    static func rows(_ sequence: PostgresRowSequence) async throws -> [SQLRow] {
        var rows: [SQLRow] = []
        for try await row in sequence {
            rows.append(SQLRow(row.map(value)))
        }
        return rows
    }

    private static func value(_ cell: PostgresCell) -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8:
            return (try? cell.decode(Int64.self)).map { .integer($0) } ?? .null
        case .float4, .float8:
            return (try? cell.decode(Double.self)).map { .real($0) } ?? .null
        case .bool:
            return (try? cell.decode(Bool.self)).map { .integer($0 ? 1 : 0) } ?? .null
        case .bytea:
            return (try? cell.decode(ByteBuffer.self)).map { .blob($0) } ?? .null
        default:
            return (try? cell.decode(String.self)).map { .text($0) } ?? .null
        }
    }
}
