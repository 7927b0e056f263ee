import Foundation
import PonteCore
import Testing

@testable import PonteStore

/// Storage errors typed by what callers can do, and rows read by column name.
@Suite struct StoreErrorTests {
    static let schema = ModuleMigrations(module: "shop", migrations: [
        Migration(version: 1, name: "shop", sql: [
            "CREATE TABLE customers (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE)",
            """
            CREATE TABLE carts (
                id TEXT PRIMARY KEY, customer_id TEXT NOT NULL REFERENCES customers (id),
                total_cents BIGINT NOT NULL CONSTRAINT carts_total_positive CHECK (total_cents >= 0),
                items TEXT NOT NULL DEFAULT '[]', paid INTEGER NOT NULL DEFAULT 0, note TEXT
            )
            """,
        ])
    ])

    private func withShop(_ backend: Backend, _ body: (any StoreDatabase) async throws -> Void) async throws {
        try await withFreshDatabase(backend) { database in
            try await database.migrate([Self.schema], logger: quietLogger)
            try await database.write { sql in
                try await sql.execute("INSERT INTO customers (id, email) VALUES ('c1', 'ana@example.com')")
            }
            try await body(database)
        }
    }

    private func failure(_ database: any StoreDatabase, _ statement: String) async -> StoreError? {
        do {
            try await database.write { sql in try await sql.execute(statement) }
            Issue.record("\(statement) did not fail")
            return nil
        } catch let error as StoreError {
            return error
        } catch {
            Issue.record("\(statement) failed with \(type(of: error)), not a StoreError: \(error)")
            return nil
        }
    }

    @Test(arguments: Backend.available)
    func violatedConstraintsAreTypedAndChangeNothing(backend: Backend) async throws {
        try await withShop(backend) { database in
            let unique = await failure(database, "INSERT INTO customers (id, email) VALUES ('c2', 'ana@example.com')")
            #expect(unique?.kind == .uniqueViolation)
            #expect(unique?.isConstraintViolation == true && unique?.isRetryable == false)
            let primary = await failure(database, "INSERT INTO customers (id, email) VALUES ('c1', 'other@example.com')")
            #expect(primary?.kind == .uniqueViolation)
            let foreign = await failure(database, "INSERT INTO carts (id, customer_id, total_cents) VALUES ('k1', 'nobody', 10)")
            #expect(foreign?.kind == .foreignKeyViolation)
            let check = await failure(database, "INSERT INTO carts (id, customer_id, total_cents) VALUES ('k1', 'c1', -1)")
            #expect(check?.kind == .checkViolation)
            #expect(check?.constraint?.contains("carts_total_positive") == true)
            let missing = await failure(database, "INSERT INTO carts (id, customer_id) VALUES ('k1', 'c1')")
            #expect(missing?.kind == .notNullViolation)
            let carts = try await database.read("SELECT count(*) AS n FROM carts", [])
            let customers = try await database.read("SELECT count(*) AS n FROM customers", [])
            #expect(carts.first?["n"] == .integer(0) && customers.first?["n"] == .integer(1))
        }
    }

    @Test(arguments: Backend.available)
    func aStatementThatDoesNotParseIsOtherNotAViolation(backend: Backend) async throws {
        try await withShop(backend) { database in
            let error = await failure(database, "INSERT INTO nowhere VALUES (1)")
            #expect(error?.kind == .other)
            #expect(error?.isRetryable == false && error?.isConstraintViolation == false)
        }
    }

    /// A cart as domain code reads it: by column name, into typed values.
    struct Cart: Decodable, Equatable {
        let id: String
        let customerId: String
        let totalCents: Int64
        let items: [String]
        let paid: Bool
        let note: String?
    }

    @Test(arguments: Backend.available)
    func rowsAreReadByColumnNameIntoTypedValues(backend: Backend) async throws {
        try await withShop(backend) { database in
            try await database.write { sql in
                try await sql.execute(
                    "INSERT INTO carts (id, customer_id, total_cents, items, paid, note) VALUES ('k1', 'c1', 4990, '[\"pizza\",\"suco\"]', 1, NULL)"
                )
            }
            // Columns in another order than the properties, and one more than they need.
            let rows = try await database.read("SELECT note, paid, items, total_cents, customer_id, id, 7 AS extra FROM carts", [])
            let cart = try #require(rows.first).decode(Cart.self)
            #expect(cart == Cart(id: "k1", customerId: "c1", totalCents: 4990, items: ["pizza", "suco"], paid: true, note: nil))
            #expect(rows[0]["extra"] == .integer(7))
            #expect(rows[0]["absent"] == nil)

            // Within a write transaction too (SQLite's writer has its own statements).
            let written = try await database.write { sql in
                try await sql.query("UPDATE carts SET note = 'sem cebola' WHERE id = 'k1' RETURNING id, customer_id, total_cents, items, paid, note", [])
            }
            #expect(try written.first?.decode(Cart.self).note == "sem cebola")

            // A missing column says which.
            do {
                _ = try await database.read("SELECT id FROM carts", []).first?.decode(Cart.self)
                Issue.record("decoding a row without its columns succeeded")
            } catch let DecodingError.keyNotFound(key, _) {
                #expect(key.stringValue == "customerId")
            }
        }
    }
}
