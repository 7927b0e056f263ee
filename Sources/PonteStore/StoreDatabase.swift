import Logging
import ServiceLifecycle

/// The storage operations Ponte needs, implemented once per database.
///
/// Each implementation is also a `Service`: its `run()` keeps connections alive until
/// graceful shutdown, then closes them. List it before every service that uses it.
public protocol StoreDatabase: Service, Sendable {
    /// `sqlite` or `postgresql`, for logs and metrics.
    var kind: String { get }
    /// How many of the inbox's batches may be in flight at once (on SQLite, whose writer is
    /// single, one is written while the one before waits for its fsync).
    var maxConcurrentWrites: Int { get }
    /// True when write transactions run one at a time across the whole database (SQLite).
    /// An idle worker there asks a read-only question before it claims, so that its polls
    /// never hold up other writers; elsewhere a claim that finds nothing is as cheap.
    var writesOneAtATime: Bool { get }

    /// The SQL differences the shared queries need to know.
    var dialect: SQLDialect { get }

    /// Runs one read-only statement (on SQLite, on the reader connection).
    func read(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow]
    /// Runs `body` in one write transaction: it commits when `body` returns and rolls back
    /// when it throws.
    /// Calls `received` with the payload of every notification on `channel` (PostgreSQL's
    /// LISTEN), until cancelled; returns at once where the database has no notifications.
    func listen(on channel: String, _ received: @escaping @Sendable (_ payload: String) -> Void) async throws

    @discardableResult
    func write<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T
}

/// Opens the database a location names. Nothing is created or migrated until asked.
public enum Store {
    public static func open(_ location: DatabaseLocation, logger: Logger) async throws -> any StoreDatabase {
        switch location {
        case .sqlite(let path):
            return try await SQLiteStore.open(path: path, logger: logger)
        case .postgres(let url):
            return PostgresStore(url: url, logger: logger)
        }
    }
}

extension StoreDatabase {
    /// Calls `wake` whenever another process enqueues jobs, until cancelled; returns at once
    /// where the database cannot tell (workers then rely on polling).
    /// `wake` gets the queue named by the notification, or nil when every queue may have jobs.
    public func listenForJobs(_ wake: @escaping @Sendable (_ queue: String?) -> Void) async throws {
        try await listen(on: JobNotifications.channel) { payload in wake(JobNotifications.queue(inPayload: payload)) }
    }
}
