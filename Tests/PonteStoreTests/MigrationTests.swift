import Foundation
import NIOCore
import PonteCore
import Testing

@testable import PonteStore

/// Migrations per module, under one lock, and the upgrade of a database made before them.
@Suite struct MigrationTests {
    /// A module's schema as a module declares it.
    static let notes = ModuleMigrations(module: "notes", migrations: [
        Migration(version: 1, name: "notes", sql: ["CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT NOT NULL)"]),
        Migration(version: 2, name: "notes_author", sql: ["ALTER TABLE notes ADD COLUMN author TEXT"]),
    ])

    @Test(arguments: Backend.available)
    func aFreshDatabaseGetsThePlatformsMigrationsThenTheModulesInOrderOnce(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            #expect(try await database.pendingMigrations([Self.notes]).count == Migrations.all.count + 2)
            let applied = try await database.migrate([Self.notes], logger: quietLogger)
            #expect(applied.map(\.description) == Migrations.all.map { "hub \($0.version) (\($0.name))" } + ["notes 1 (notes)", "notes 2 (notes_author)"])
            #expect(try await database.pendingMigrations([Self.notes]).isEmpty)
            #expect(try await database.migrate([Self.notes], logger: quietLogger).isEmpty)
            try await database.write { sql in
                try await sql.execute("INSERT INTO notes (id, body, author) VALUES ('n1', 'hello', 'ana')")
            }

            // A new release of the module adds a migration: only that one runs.
            var next = Self.notes.migrations
            next.append(Migration(version: 3, name: "notes_pinned", sql: ["ALTER TABLE notes ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0"]))
            let upgraded = ModuleMigrations(module: "notes", migrations: next)
            #expect(try await database.pendingMigrations([upgraded]).map(\.description) == ["notes 3 (notes_pinned)"])
            #expect(try await database.migrate([upgraded], logger: quietLogger).map(\.version) == [3])
            let row = try #require(try await database.read("SELECT id, body, author, pinned FROM notes", []).first)
            #expect(row["author"] == .text("ana") && row["pinned"] == .integer(0))
        }
    }

    @Test(arguments: Backend.available)
    func aFailingMigrationLeavesTheSchemaAsItWasAndSaysWhich(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            let broken = ModuleMigrations(module: "broken", migrations: [
                Migration(version: 1, name: "good", sql: ["CREATE TABLE good_table (id TEXT PRIMARY KEY)"]),
                Migration(version: 2, name: "bad", sql: ["ALTER TABLE missing_table ADD COLUMN x TEXT"]),
            ])
            let error = await #expect(throws: StoreError.self) { try await database.migrate([broken], logger: quietLogger) }
            #expect(error?.message.contains("migration broken 2 (bad) failed") == true)
            // All or nothing: not even the platform's migrations were kept.
            let pending = try await database.pendingMigrations([broken])
            #expect(pending.count == Migrations.all.count + 2)
            let created = try await database.read(database.dialect.tableExistsSQL, [.text("good_table")])
            #expect(created.isEmpty)
        }
    }

    @Test func malformedModuleMigrationsAreRefusedBeforeAnythingRuns() async throws {
        try await withFreshDatabase(.sqlite) { database in
            let gap = ModuleMigrations(module: "gap", migrations: [Migration(version: 2, name: "two", sql: ["SELECT 1"])])
            let badName = ModuleMigrations(module: "Bad Name", migrations: [])
            for set in [gap, badName, ModuleMigrations(module: "hub", migrations: [])] {
                await #expect(throws: StoreError.self) { try await database.migrate([set], logger: quietLogger) }
            }
            let inbox = try await database.read(database.dialect.tableExistsSQL, [.text("webhook_inbox")])
            #expect(inbox.isEmpty)
        }
    }

    /// Two processes starting at once against one new database: each migration runs once and
    /// both succeed (SQLite: two connections of their own, as two processes would have).
    @Test(arguments: Backend.available)
    func concurrentMigrationsApplyEachMigrationOnce(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            try await withSecondConnection(to: database, backend: backend) { other in
                async let first = database.migrate([Self.notes], logger: quietLogger)
                async let second = other.migrate([Self.notes], logger: quietLogger)
                let (a, b) = try await (first, second)
                #expect(a.count + b.count == Migrations.all.count + 2)
                #expect(a.isEmpty || b.isEmpty, "one process applied everything, the other found it applied")
            }
            let rows = try await database.read("SELECT module, version FROM ponte_migrations", [])
            #expect(rows.count == Migrations.all.count + 2)
        }
    }

    /// A database made by the release before per-module migrations (schema versions 1–3 in
    /// `schema_migrations`, with data) upgrades in place, every row intact.
    @Test(arguments: Backend.available)
    func aDatabaseOfThePreviousReleaseUpgradesWithEveryRowIntact(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            try await PreviousRelease.create(on: database)
            let pending = try await database.pendingMigrations([Self.notes])
            #expect(pending.map(\.description) == ["hub 4 (event_streams)", "hub 5 (webhook_deliveries)", "hub 6 (vault_secrets)", "notes 1 (notes)", "notes 2 (notes_author)"])

            let applied = try await database.migrate([Self.notes], logger: quietLogger)
            #expect(applied.map(\.description) == pending.map(\.description))
            #expect(try await database.read(database.dialect.tableExistsSQL, [.text("schema_migrations")]).isEmpty)
            let versions = try await database.read("SELECT module, version, name FROM ponte_migrations WHERE module = 'hub' ORDER BY version", [])
            #expect(versions.compactMap { $0["name"]?.textValue } == Migrations.all.map(\.name))

            // The event, its job and the job's attempt are as they were.
            let entry = try #require(try await database.inboxEntry(id: PreviousRelease.webhookID))
            #expect(entry.summary.eventID == "evt_old_1" && entry.summary.status == .processed && entry.summary.reason == "kept")
            #expect(String(buffer: entry.body) == PreviousRelease.body)
            let (job, attempts) = try #require(try await database.job(id: PreviousRelease.jobID))
            #expect(job.status == .succeeded && job.result == #"{"ok":true}"# && job.attempts == 2)
            #expect(attempts.map(\.error) == ["HTTP 503"])
            #expect(try await database.schedules().map(\.name) == ["prune-finished-jobs"])

            // And the new tables work on it.
            let event = try await database.write { sql in try await sql.appendEvent(to: "s", type: "T", data: "{}", now: 1) }
            #expect(event.seq == 1)
        }
    }
}

/// The schema and some data exactly as the release before per-module migrations made them.
enum PreviousRelease {
    static let webhookID = "wh_01JXVD6Y8T0000000000000001"
    static let jobID = "job_01JXVD6Y8T0000000000000001"
    static let body = #"{"id":"evt_old_1","type":"payment_intent.succeeded"}"#

    static func create(on database: any StoreDatabase) async throws {
        let postgres = database.dialect.isPostgres
        try await database.write { sql in
            try await sql.execute(
                postgres
                    ? "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"
                    : "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)"
            )
            // The previous release's migrations 1-3 are this release's hub 1-3, unchanged.
            for migration in Migrations.all.prefix(3) {
                for statement in postgres ? migration.postgres : migration.sqlite { try await sql.execute(statement) }
                try await sql.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    [.integer(Int64(migration.version)), .text(migration.name), .integer(1_750_000_000)]
                )
            }
            try await sql.execute(
                """
                INSERT INTO webhook_inbox (id, provider, event_id, event_type, status, received_at, headers, body, attempts, reason)
                VALUES (?, 'stripe', 'evt_old_1', 'payment_intent.succeeded', 'processed', 1750000000000000, '{}', ?, 1, 'kept')
                """,
                [.text(webhookID), .blob(ByteBuffer(string: body))]
            )
            try await sql.execute(
                """
                INSERT INTO jobs (id, queue, kind, priority, status, payload, run_at, order_key, attempts, max_attempts, created_at, finished_at, result)
                VALUES (?, 'webhooks', 'webhook.process', 'high', 'succeeded', '{}', 1, 1, 2, 10, 1, 2, '{"ok":true}')
                """,
                [.text(jobID)]
            )
            try await sql.execute(
                "INSERT INTO job_attempts (job_id, attempt, worker, finished_at, outcome, error) VALUES (?, 1, 'w', 2, 'failed', 'HTTP 503')",
                [.text(jobID)]
            )
            try await sql.execute(
                "INSERT INTO job_schedules (name, kind, queue, priority, payload, spec, next_run_at) VALUES ('prune-finished-jobs', 'jobs.prune', 'maintenance', 'low', '{}', 'every:3600', 1)"
            )
        }
    }
}

/// Runs `body` with a second store on the same database, with connections of its own.
func withSecondConnection(to database: any StoreDatabase, backend: Backend, _ body: (any StoreDatabase) async throws -> Void) async throws {
    switch backend {
    case .sqlite:
        let path = try #require((database as? SQLiteStore)?.path)
        let other = try await SQLiteStore.open(path: path, logger: quietLogger)
        try await whileRunning(other) { try await body(other) }
    case .postgresql:
        let other = PostgresStore(url: try #require((database as? PostgresStore)?.url), logger: quietLogger)
        try await whileRunning(other) { try await body(other) }
    }
}
