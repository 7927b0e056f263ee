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
        ),
        Migration(
            version: 2,
            name: "job_queue",
            sqlite: jobQueue(key: "TEXT", bigint: "INTEGER", real: "REAL", serial: "INTEGER PRIMARY KEY"),
            // Byte-order collation for identifiers: faster index comparisons than a
            // language's collation, and the same order as SQLite's.
            postgres: jobQueue(key: "TEXT COLLATE \"C\"", bigint: "BIGINT", real: "DOUBLE PRECISION", serial: "BIGSERIAL PRIMARY KEY")
        ),
        Migration(
            version: 3,
            name: "job_results",
            // What a succeeded job produced (e.g. the provider's id for what it created), as JSON.
            sqlite: ["ALTER TABLE jobs ADD COLUMN result TEXT"],
            postgres: ["ALTER TABLE jobs ADD COLUMN result TEXT"]
        ),
    ]

    /// Jobs, their failed attempts, periodic schedules and rate-limit buckets.
    private static func jobQueue(key: String, bigint: String, real: String, serial: String) -> [String] {
        [
            // Why an event was ignored (or what its handler said), apart from errors.
            "ALTER TABLE webhook_inbox ADD COLUMN reason TEXT",
            """
            CREATE TABLE jobs (
                id \(key) PRIMARY KEY,
                queue \(key) NOT NULL,
                kind TEXT NOT NULL,
                priority TEXT NOT NULL,
                status TEXT NOT NULL,
                payload TEXT NOT NULL,
                unique_key \(key),
                provider TEXT,
                run_at \(bigint) NOT NULL,
                order_key \(bigint) NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                max_attempts INTEGER NOT NULL,
                lease_owner \(key),
                lease_expires_at \(bigint),
                last_error TEXT,
                created_at \(bigint) NOT NULL,
                started_at \(bigint),
                finished_at \(bigint)
            )
            """,
            // Claims: due pending jobs of a queue in priority-aged order.
            "CREATE INDEX jobs_pending ON jobs (queue, order_key) WHERE status = 'pending'",
            // Stale-lease sweeps and running counts per queue.
            "CREATE INDEX jobs_running ON jobs (queue, lease_expires_at) WHERE status = 'running'",
            "CREATE UNIQUE INDEX jobs_unique_active ON jobs (unique_key) WHERE unique_key IS NOT NULL AND status IN ('pending', 'running')",
            // Dead letters, listed and counted. (No index covers every status: each one
            // would cost every claim and finish an extra index write.)
            "CREATE INDEX jobs_dead ON jobs (id) WHERE status = 'dead'",
            """
            CREATE TABLE job_attempts (
                seq \(serial),
                job_id \(key) NOT NULL,
                attempt INTEGER NOT NULL,
                worker TEXT,
                started_at \(bigint),
                finished_at \(bigint) NOT NULL,
                outcome TEXT NOT NULL,
                error TEXT
            )
            """,
            "CREATE INDEX job_attempts_job ON job_attempts (job_id, seq)",
            """
            CREATE TABLE job_schedules (
                name TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                queue TEXT NOT NULL,
                priority TEXT NOT NULL,
                payload TEXT NOT NULL,
                spec TEXT NOT NULL,
                next_run_at \(bigint) NOT NULL,
                last_run_at \(bigint)
            )
            """,
            """
            CREATE TABLE rate_limits (
                key TEXT PRIMARY KEY,
                tokens \(real) NOT NULL,
                updated_at \(bigint) NOT NULL
            )
            """,
        ]
    }

    static var latestVersion: Int { all.last?.version ?? 0 }

    static func pending(after version: Int) -> [Migration] {
        all.filter { $0.version > version }
    }
}
