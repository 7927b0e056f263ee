import Testing

@testable import PonteStore

/// The PostgreSQL half of the storage tests. Every storage test is parameterized over
/// `Backend.available`, which holds `.postgresql` only when `PONTE_TEST_POSTGRES_URL` is set;
/// this suite makes that visible: without the variable it is reported as skipped, with the reason.
@Suite(.enabled(if: PostgresTestServer.url != nil, PostgresTestServer.skipReason))
struct PostgreSQLBackendTests {
    @Test func storageTestsRunOnPostgreSQL() {
        #expect(Backend.available.contains(.postgresql))
    }

    @Test func eachTestGetsItsOwnEmptyDatabase() async throws {
        try await withFreshDatabase(.postgresql) { database in
            #expect(database.kind == "postgresql")
            _ = try await database.migrate(logger: quietLogger)
            _ = try await database.insertInbox([record("stripe", "evt_isolated")])
            #expect(try await database.listInbox(InboxQuery()).count == 1)
        }
        try await withFreshDatabase(.postgresql) { database in
            _ = try await database.migrate(logger: quietLogger)
            #expect(try await database.listInbox(InboxQuery()).isEmpty)
        }
    }
}
