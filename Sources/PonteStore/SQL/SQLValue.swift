import NIOCore

/// A value bound to or read from a SQL statement, the same on every database.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(ByteBuffer)
    /// A list of strings for `dialect.inList`: a `text[]` on PostgreSQL, a JSON array on SQLite.
    case textList([String])

    init(_ text: String?) {
        self = text.map { .text($0) } ?? .null
    }

    init(_ integer: Int64?) {
        self = integer.map { .integer($0) } ?? .null
    }
}

/// Runs statements inside one transaction (or, outside one, each in its own).
///
/// SQL is written once with `?` placeholders; the PostgreSQL executor numbers them.
public protocol SQLExecutor: Sendable {
    var dialect: SQLDialect { get }
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow]
}

/// What differs between the databases' SQL, in one place.
public struct SQLDialect: Sendable {
    /// Appended to a `SELECT` that picks rows to update, so concurrent workers skip each
    /// other's rows instead of waiting (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has a
    /// single writer and needs nothing).
    public let skipLocked: String
    /// Appended to a `SELECT` whose rows the transaction will update, so a concurrent
    /// transaction waits for it (`FOR UPDATE`; nothing on SQLite).
    public let forUpdate: String
    /// `column IN <list>` for one `.textList` bind: one statement shape (and one plan)
    /// whatever the list's length.
    public let inList: @Sendable (_ column: String) -> String
    /// `column IN (subquery)`, with the subquery run once and each of its values then found
    /// through the column's index. (PostgreSQL would otherwise join the subquery's rows to a
    /// scan of the whole table once it guesses the table small enough.)
    public let inSubquery: @Sendable (_ column: String, _ subquery: String) -> String
    /// The two-argument largest/smallest functions.
    public let greatest: String
    public let least: String
    /// Serialises writers that must see each other's commits, such as claims on a queue
    /// with a concurrency limit (`nil` where writes are already serialised).
    public let transactionLockSQL: String?
    /// Wakes listening workers once the transaction commits (`nil` without LISTEN/NOTIFY).
    /// Its one bind is the payload (`JobNotifications`); run it through `notifyWorkers(queue:)`.
    public let notifySQL: String?
    /// Sends a notification on a channel at commit: binds channel and payload (`nil` without
    /// LISTEN/NOTIFY).
    public let notifyChannelSQL: String?
    /// Serialises migrations across processes, held until the transaction ends (`nil` where
    /// `BEGIN IMMEDIATE` already does).
    public let migrationLockSQL: String?
    /// A row when the table named by the one bind exists.
    public let tableExistsSQL: String
    public let isPostgres: Bool

    public static let sqlite = SQLDialect(
        skipLocked: "", forUpdate: "", inList: { "\($0) IN (SELECT value FROM json_each(?))" }, inSubquery: { "\($0) IN (\($1))" },
        greatest: "max", least: "min", transactionLockSQL: nil, notifySQL: nil, notifyChannelSQL: nil, migrationLockSQL: nil,
        tableExistsSQL: "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", isPostgres: false
    )
    public static let postgres = SQLDialect(
        skipLocked: " FOR UPDATE SKIP LOCKED", forUpdate: " FOR UPDATE", inList: { "\($0) = ANY(?)" }, inSubquery: { "\($0) = ANY(ARRAY(\($1)))" },
        greatest: "GREATEST", least: "LEAST",
        transactionLockSQL: "SELECT pg_advisory_xact_lock(hashtext(?))",
        notifySQL: "SELECT pg_notify('\(JobNotifications.channel)', ?)",
        notifyChannelSQL: "SELECT pg_notify(?, ?)",
        // An arbitrary constant: the advisory lock that serialises migrations across processes.
        migrationLockSQL: "SELECT pg_advisory_xact_lock(\(0x706F_6E74_65_01))",
        tableExistsSQL: "SELECT 1 WHERE to_regclass(?::text) IS NOT NULL", isPostgres: true
    )
}

/// The PostgreSQL channel on which enqueues wake idle workers. A notification's payload names
/// the queue with new due jobs; an empty one stands for every queue.
public enum JobNotifications {
    public static let channel = "ponte_jobs"

    /// The queue a notification's payload names, or nil for every queue.
    static func queue(inPayload payload: String) -> String? {
        payload.isEmpty ? nil : payload
    }
}

extension SQLExecutor {
    /// Wakes listening workers of `queue` (nil: of every queue) once the transaction commits;
    /// nothing where the database has no notifications.
    func notifyWorkers(queue: String?) async throws {
        guard let notify = dialect.notifySQL else { return }
        try await execute(notify, [.text(queue ?? "")])
    }
}

extension SQLExecutor {
    @discardableResult
    public func execute(_ sql: String, _ binds: [SQLValue] = []) async throws -> [SQLRow] {
        try await query(sql, binds)
    }
}

enum SQLText {
    /// `?, ?, ?` for `count` placeholders.
    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    /// `(?, ?), (?, ?)` for `rows` rows of `columns` placeholders.
    static func rows(_ rows: Int, columns: Int) -> String {
        let row = "(" + placeholders(columns) + ")"
        return Array(repeating: row, count: rows).joined(separator: ", ")
    }
}

extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
}
