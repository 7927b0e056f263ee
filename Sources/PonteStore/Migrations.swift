import PonteCore

/// The schema, as an ordered list of migrations. A migration, once released, never changes:
/// add a new one instead.
struct Migration: Sendable {
    let version: Int
    let name: String
    let sqlite: [String]
    let postgres: [String]
}

enum Migrations {
    static let all: [Migration] = [
        Migration(
            version: 1,
            name: "webhook_inbox",
            sqlite: [
                """
                CREATE TABLE webhook_inbox (
                    id TEXT PRIMARY KEY,
                    provider TEXT NOT NULL,
                    event_id TEXT NOT NULL,
                    event_type TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'pending',
                    received_at INTEGER NOT NULL,
                    headers TEXT NOT NULL,
                    body BLOB NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    UNIQUE (provider, event_id)
                )
                """,
                "CREATE INDEX webhook_inbox_provider_id ON webhook_inbox (provider, id)",
                "CREATE INDEX webhook_inbox_status_id ON webhook_inbox (status, id)",
            ],
            postgres: [
                """
                CREATE TABLE webhook_inbox (
                    id TEXT PRIMARY KEY,
                    provider TEXT NOT NULL,
                    event_id TEXT NOT NULL,
                    event_type TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'pending',
                    received_at BIGINT NOT NULL,
                    headers TEXT NOT NULL,
                    body BYTEA NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    UNIQUE (provider, event_id)
                )
                """,
                "CREATE INDEX webhook_inbox_provider_id ON webhook_inbox (provider, id)",
                "CREATE INDEX webhook_inbox_status_id ON webhook_inbox (status, id)",
            ]
        )
    ]

    static var latestVersion: Int { all.last?.version ?? 0 }

    static func pending(after version: Int) -> [Migration] {
        all.filter { $0.version > version }
    }
}

/// SQL text shared by both dialects (placeholders differ: `?` for SQLite, `$n` for PostgreSQL).
enum InboxSQL {
    static let columns = "id, provider, event_id, event_type, status, received_at, headers, body"
    static let summaryColumns = "id, provider, event_id, event_type, status, received_at, attempts, last_error"
    static let fieldsPerRow = 8

    /// `INSERT … VALUES (…),(…) ON CONFLICT DO NOTHING RETURNING id` for `rows` rows.
    static func insert(rows: Int, placeholder: (Int) -> String) -> String {
        var sql = "INSERT INTO webhook_inbox (\(columns)) VALUES "
        var n = 0
        for row in 0..<rows {
            if row > 0 { sql += "," }
            sql += "("
            for field in 0..<fieldsPerRow {
                if field > 0 { sql += "," }
                n += 1
                sql += placeholder(n)
            }
            sql += ")"
        }
        sql += " ON CONFLICT (provider, event_id) DO NOTHING RETURNING id"
        return sql
    }

    /// Looks up stored ids for (provider, event_id) pairs.
    static func existing(pairs: Int, placeholder: (Int) -> String) -> String {
        var sql = "SELECT provider, event_id, id FROM webhook_inbox WHERE "
        for pair in 0..<pairs {
            if pair > 0 { sql += " OR " }
            sql += "(provider = \(placeholder(pair * 2 + 1)) AND event_id = \(placeholder(pair * 2 + 2)))"
        }
        return sql
    }

    /// `SELECT … ORDER BY id DESC LIMIT …` with the query's filters, and the binds in order.
    static func list(_ query: InboxQuery, placeholder: (Int) -> String) -> (sql: String, binds: [String]) {
        var conditions: [String] = []
        var binds: [String] = []
        if let provider = query.provider {
            binds.append(provider)
            conditions.append("provider = \(placeholder(binds.count))")
        }
        if let status = query.status {
            binds.append(status.rawValue)
            conditions.append("status = \(placeholder(binds.count))")
        }
        if let before = query.before {
            binds.append(before)
            conditions.append("id < \(placeholder(binds.count))")
        }
        var sql = "SELECT \(summaryColumns) FROM webhook_inbox"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY id DESC LIMIT \(max(1, query.limit))"
        return (sql, binds)
    }

    static func entry(placeholder: String) -> String {
        "SELECT \(summaryColumns), headers, body FROM webhook_inbox WHERE id = \(placeholder)"
    }
}
