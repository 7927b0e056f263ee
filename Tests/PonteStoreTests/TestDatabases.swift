import Foundation
import Logging
import NIOCore
import PonteCore
import PostgresNIO
import ServiceLifecycle
import Synchronization
import Testing

@testable import PonteStore

/// A database backend every storage test runs on.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgresql

    var testDescription: String { rawValue }

    /// The backends to run on: SQLite always, PostgreSQL when `PONTE_TEST_POSTGRES_URL` is set.
    /// Without it, `PostgreSQLBackendTests` is reported as skipped, saying so.
    static var available: [Backend] {
        PostgresTestServer.url == nil ? [.sqlite] : [.sqlite, .postgresql]
    }
}

/// Where the PostgreSQL tests connect, from `PONTE_TEST_POSTGRES_URL`.
enum PostgresTestServer {
    static let environmentName = "PONTE_TEST_POSTGRES_URL"
    static let skipReason: Comment = "set PONTE_TEST_POSTGRES_URL to run PostgreSQL tests"

    static var url: String? {
        ProcessInfo.processInfo.environment[environmentName].flatMap { $0.isEmpty ? nil : $0 }
    }
}

let quietLogger: Logger = {
    var logger = Logger(label: "ponte.store.tests")
    logger.logLevel = .critical
    return logger
}()

/// Runs `body` with a fresh, empty database on `backend`, its service running, and removes the
/// database afterwards.
///
/// SQLite: a new file in a new temporary directory. PostgreSQL: `CREATE DATABASE ponte_test_<random>`
/// on the server `PONTE_TEST_POSTGRES_URL` names, dropped with `WITH (FORCE)` at the end (tests only
/// ask for PostgreSQL through `Backend.available`, which has it only when the variable is set).
func withFreshDatabase<Result>(
    _ backend: Backend,
    _ body: (any StoreDatabase) async throws -> Result
) async throws -> Result {
    switch backend {
    case .sqlite:
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await SQLiteStore.open(path: directory.path + "/ponte.sqlite", logger: quietLogger)
        return try await whileRunning(store) { try await body(store) }

    case .postgresql:
        guard let serverURL = PostgresTestServer.url else {
            throw StoreError("\(PostgresTestServer.environmentName) is not set")
        }
        let adminURL = try PostgresURL(parsing: serverURL)
        let admin = PostgresStore(url: adminURL, logger: quietLogger)
        return try await whileRunning(admin) {
            let name = "ponte_test_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            try await admin.client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: quietLogger)
            do {
                var url = adminURL
                url.database = name
                let store = PostgresStore(url: url, logger: quietLogger)
                let result = try await whileRunning(store) { try await body(store) }
                try await admin.client.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(name) WITH (FORCE)"), logger: quietLogger)
                return result
            } catch {
                _ = try? await admin.client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: quietLogger)
                throw error
            }
        }
    }
}

/// Runs `body` while `service` runs in a service group, then shuts the group down gracefully and
/// waits for the service to finish.
///
/// Graceful shutdown, not cancellation: a cancelled `SQLiteStore.run()` does not close its
/// connections (see the report on `SQLiteStore.run()`), which trips SQLiteNIO's deinit assertion.
func whileRunning<Result>(_ service: some Service, _ body: () async throws -> Result) async throws -> Result {
    let group = ServiceGroup(services: [service], logger: quietLogger)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let result: Result
        do {
            result = try await body()
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return result
    }
}

/// Runs `body` while `service.run()` runs in a child task, then cancels that task and waits for it.
func whileRunningThenCancel<Result>(_ service: some Service, _ body: () async throws -> Result) async throws -> Result {
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await service.run() }
        defer { tasks.cancelAll() }
        return try await body()
    }
}

/// A directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("ponte-store-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

// MARK: Records

/// A record for `provider`/`eventID` with a fresh id, JSON headers and `body`.
func record(
    _ provider: String, _ eventID: String, id: String? = nil, type: String = "test.event",
    receivedAt: Int64 = 1_750_000_000_000_000, headers: String = #"{"content-type":"application/json"}"#,
    body: [UInt8]? = nil
) -> NewInboxRecord {
    NewInboxRecord(
        id: id ?? testIDs.next(at: Date(timeIntervalSince1970: Double(receivedAt) / 1_000_000)),
        provider: provider, eventID: eventID, eventType: type, receivedAt: receivedAt, headersJSON: headers,
        body: ByteBuffer(bytes: body ?? Array(#"{"id":"\#(eventID)"}"#.utf8))
    )
}

/// One generator for the whole test process, so ids in a test increase in the order records are made.
let testIDs = SortableIDGenerator(prefix: "wh_")

/// A value shared between tasks, behind a lock.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) {
        mutex = Mutex(value)
    }

    var value: Value { mutex.withLock { $0 } }

    @discardableResult
    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R {
        mutex.withLock { body(&$0) }
    }
}
