import Foundation
import Logging
import PonteCore

/// One schema change of a module. A migration, once released, never changes: add a new one.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sqlite: [String]
    public let postgres: [String]

    public init(version: Int, name: String, sqlite: [String], postgres: [String]) {
        self.version = version
        self.name = name
        self.sqlite = sqlite
        self.postgres = postgres
    }

    /// A migration whose statements are the same on both databases.
    public init(version: Int, name: String, sql: [String]) {
        self.init(version: version, name: name, sqlite: sql, postgres: sql)
    }
}

/// A module's migrations, applied in version order, each once.
public struct ModuleMigrations: Sendable {
    public let module: String
    public let migrations: [Migration]

    public init(module: String, migrations: [Migration]) {
        self.module = module
        self.migrations = migrations
    }

    /// Why these migrations cannot be used: the module name or versions are malformed.
    public func problems() -> [String] {
        var problems: [String] = []
        if module.isEmpty || !module.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" }) {
            problems.append("module name '\(module)' must be lower-case letters, digits and _")
        }
        for (index, migration) in migrations.enumerated() where migration.version != index + 1 {
            problems.append("\(module): migration '\(migration.name)' has version \(migration.version); versions must run 1, 2, 3, … in order")
        }
        return problems
    }
}

/// A migration applied, as the migrations table records it.
public struct AppliedMigration: Sendable, Equatable, CustomStringConvertible {
    public let module: String
    public let version: Int
    public let name: String

    public var description: String { "\(module) \(version) (\(name))" }
}

/// The platform's own schema: the webhook inbox, the job queue, event streams, deliveries to
/// subscribers, the credential vault. Recorded as module `hub` (versions 1–3 were the release
/// before modules).
enum Migrations {
    static let platformModule = "hub"

    static var platform: ModuleMigrations { ModuleMigrations(module: platformModule, migrations: all) }

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
        Migration(
            version: 4,
            name: "event_streams",
            sqlite: eventStreams(key: "TEXT"),
            postgres: eventStreams(key: "TEXT COLLATE \"C\"")
        ),
        Migration(
            version: 5,
            name: "webhook_deliveries",
            sqlite: webhookDeliveries(key: "TEXT"),
            postgres: webhookDeliveries(key: "TEXT COLLATE \"C\"")
        ),
        Migration(
            version: 6,
            name: "vault_secrets",
            sqlite: vaultSecrets(key: "TEXT", bytes: "BLOB"),
            postgres: vaultSecrets(key: "TEXT COLLATE \"C\"", bytes: "BYTEA")
        ),
    ]

    /// Append-only logs with a contiguous sequence per stream. `streams.last_seq` is the
    /// counter an append increments (its row lock orders concurrent appends); `first_seq` is
    /// the oldest sequence retention has kept.
    private static func eventStreams(key: String) -> [String] {
        [
            """
            CREATE TABLE streams (
                name \(key) PRIMARY KEY,
                last_seq BIGINT NOT NULL,
                first_seq BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE stream_events (
                stream \(key) NOT NULL,
                seq BIGINT NOT NULL,
                type TEXT NOT NULL,
                data TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (stream, seq)
            )
            """,
            // Retention deletes by age.
            "CREATE INDEX stream_events_created ON stream_events (created_at)",
        ]
    }

    /// Each subscriber's handling of a stored event: its job, status, attempts and error.
    private static func webhookDeliveries(key: String) -> [String] {
        [
            """
            CREATE TABLE webhook_deliveries (
                webhook_id \(key) NOT NULL REFERENCES webhook_inbox (id),
                subscriber \(key) NOT NULL,
                status TEXT NOT NULL,
                job_id \(key),
                attempts INTEGER NOT NULL DEFAULT 0,
                last_error TEXT,
                reason TEXT,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (webhook_id, subscriber)
            )
            """
        ]
    }

    /// The credential vault: each credential encrypted (AES-256-GCM: nonce ‖ ciphertext ‖ tag)
    /// with the key of `key_version`, which rotation looks records up by.
    private static func vaultSecrets(key: String, bytes: String) -> [String] {
        [
            """
            CREATE TABLE vault_secrets (
                owner \(key) NOT NULL,
                name \(key) NOT NULL,
                key_version INTEGER NOT NULL,
                ciphertext \(bytes) NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                PRIMARY KEY (owner, name)
            )
            """,
            "CREATE INDEX vault_secrets_key_version ON vault_secrets (key_version)",
        ]
    }

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

}
