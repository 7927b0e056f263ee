import Foundation
import Logging

/// Applies migrations: the platform's first, then each module's, in the order given.
///
/// Everything pending is applied in one transaction that first takes the database's migration
/// lock (PostgreSQL: an advisory lock; SQLite: the write lock of `BEGIN IMMEDIATE`), so two
/// processes starting at once never both apply one, and a failed migration leaves the schema
/// as it was. A database made before migrations were per module (its table was
/// `schema_migrations`) has those rows moved to module `hub` first.
extension StoreDatabase {
    /// Applies what is pending; returns what it applied.
    @discardableResult
    public func migrate(_ modules: [ModuleMigrations] = [], logger: Logger) async throws -> [AppliedMigration] {
        let sets = try MigrationPlan.sets(modules)
        let applied = try await write { sql -> [AppliedMigration] in
            if let lock = sql.dialect.migrationLockSQL { try await sql.execute(lock) }
            try await MigrationPlan.prepareTable(on: sql)
            let current = try await MigrationPlan.appliedVersions(on: sql)
            var applied: [AppliedMigration] = []
            let now = Int64(Date().timeIntervalSince1970)
            for set in sets {
                for migration in set.migrations where migration.version > current[set.module, default: 0] {
                    let statements = sql.dialect.isPostgres ? migration.postgres : migration.sqlite
                    do {
                        for statement in statements { try await sql.execute(statement) }
                    } catch {
                        throw StoreError("migration \(set.module) \(migration.version) (\(migration.name)) failed: \(error)")
                    }
                    try await sql.execute(
                        "INSERT INTO \(MigrationPlan.table) (module, version, name, applied_at) VALUES (?, ?, ?, ?)",
                        [.text(set.module), .integer(Int64(migration.version)), .text(migration.name), .integer(now)]
                    )
                    applied.append(AppliedMigration(module: set.module, version: migration.version, name: migration.name))
                }
            }
            return applied
        }
        for migration in applied {
            logger.info("applied migration", metadata: ["module": "\(migration.module)", "version": "\(migration.version)", "name": "\(migration.name)"])
        }
        return applied
    }

    /// The migrations not applied yet (empty when the schema is current), read without writing.
    public func pendingMigrations(_ modules: [ModuleMigrations] = []) async throws -> [AppliedMigration] {
        let sets = try MigrationPlan.sets(modules)
        var current: [String: Int] = [:]
        if !(try await read(dialect.tableExistsSQL, [.text(MigrationPlan.table)])).isEmpty {
            for row in try await read("SELECT module, MAX(version) AS version FROM \(MigrationPlan.table) GROUP BY module", []) {
                let entry = try row.decode(MigrationPlan.Version.self)
                current[entry.module] = entry.version
            }
        } else if !(try await read(dialect.tableExistsSQL, [.text(MigrationPlan.legacyTable)])).isEmpty {
            let version = try await read("SELECT MAX(version) AS version FROM \(MigrationPlan.legacyTable)", []).first?["version"]?.integerValue
            current[Migrations.platformModule] = Int(version ?? 0)
        }
        return sets.flatMap { set in
            set.migrations.filter { $0.version > current[set.module, default: 0] }
                .map { AppliedMigration(module: set.module, version: $0.version, name: $0.name) }
        }
    }
}

enum MigrationPlan {
    static let table = "ponte_migrations"
    /// The table of the release before per-module migrations: the platform's versions only.
    static let legacyTable = "schema_migrations"

    struct Version: Decodable {
        let module: String
        let version: Int
    }

    /// The platform's migrations and the modules', checked.
    static func sets(_ modules: [ModuleMigrations]) throws -> [ModuleMigrations] {
        let sets = [Migrations.platform] + modules
        var problems = sets.flatMap { $0.problems() }
        var seen = Set<String>()
        for set in sets where !seen.insert(set.module).inserted {
            problems.append("two modules are named '\(set.module)'")
        }
        guard problems.isEmpty else { throw StoreError("cannot migrate: " + problems.joined(separator: "; ")) }
        return sets
    }

    static func prepareTable(on sql: any SQLExecutor) async throws {
        try await sql.execute(
            """
            CREATE TABLE IF NOT EXISTS \(table) (
                module TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied_at BIGINT NOT NULL,
                PRIMARY KEY (module, version)
            )
            """
        )
        guard !(try await sql.query(sql.dialect.tableExistsSQL, [.text(legacyTable)])).isEmpty else { return }
        try await sql.execute(
            "INSERT INTO \(table) (module, version, name, applied_at) SELECT ?, version, name, applied_at FROM \(legacyTable)",
            [.text(Migrations.platformModule)]
        )
        try await sql.execute("DROP TABLE \(legacyTable)")
    }

    static func appliedVersions(on sql: any SQLExecutor) async throws -> [String: Int] {
        var current: [String: Int] = [:]
        for row in try await sql.query("SELECT module, MAX(version) AS version FROM \(table) GROUP BY module", []) {
            let entry = try row.decode(Version.self)
            current[entry.module] = entry.version
        }
        return current
    }
}
