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
    /// Where it connects.
    public let url: PostgresURL
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
        self.url = url
        self.logger = logger
    }

    // MARK: Lifecycle

    public func run() async throws {
        // The pool runs until graceful shutdown; being listed first, it stops last.
        await cancelWhenGracefulShutdown {
            await self.client.run()
        }
    }

    // MARK: Statements

    public var dialect: SQLDialect { .postgres }

    public func listen(on channel: String, _ received: @escaping @Sendable (_ payload: String) -> Void) async throws {
        try await client.withConnection { connection in
            try await connection.listen(on: channel) { notifications in
                for try await notification in notifications {
                    received(notification.payload)
                }
            }
        }
    }

    public func read(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        do {
            return try await PostgresExecutor.rows(client.query(PostgresExecutor.query(sql, binds), logger: logger))
        } catch {
            throw PostgresErrors.storeError(error)
        }
    }

    /// `BEGIN`, `body`, `COMMIT` on one pooled connection, or `ROLLBACK` when `body` throws;
    /// what `body` throws comes out as it is, and PostgreSQL's errors as typed `StoreError`s.
    @discardableResult
    public func write<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { connection in
                let executor = PostgresExecutor(connection: connection, logger: logger)
                try await executor.execute("BEGIN")
                let result: T
                do {
                    result = try await body(executor)
                } catch {
                    // A connection whose rollback fails is closed by the pool's health checks.
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
                try await executor.execute("COMMIT")
                return result
            }
        } catch {
            throw PostgresErrors.storeError(error)
        }
    }
}

/// Runs statements on one PostgreSQL connection, numbering the `?` placeholders.
struct PostgresExecutor: SQLExecutor {
    let connection: PostgresConnection
    let logger: Logger
    var dialect: SQLDialect { .postgres }

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        do {
            return try await Self.rows(connection.query(Self.query(sql, binds), logger: logger))
        } catch {
            throw PostgresErrors.storeError(error)
        }
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
        var columns: SQLColumns?
        for try await row in sequence {
            let names = columns ?? SQLColumns(row.map(\.columnName))
            columns = names
            rows.append(SQLRow(row.map(value), columns: names))
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
