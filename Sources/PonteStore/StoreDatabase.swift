import Logging
import ServiceLifecycle

/// The storage operations Ponte needs, implemented once per database.
///
/// Each implementation is also a `Service`: its `run()` keeps connections alive until
/// graceful shutdown, then closes them. List it before every service that uses it.
public protocol StoreDatabase: Service, Sendable {
    /// `sqlite` or `postgresql`, for logs and metrics.
    var kind: String { get }
    /// How many batches may be written at once (SQLite has a single writer).
    var maxConcurrentWrites: Int { get }

    /// Applies pending migrations; returns the names of those applied now.
    func migrate(logger: Logger) async throws -> [String]
    /// The highest applied migration version, or 0 for an empty database.
    func schemaVersion() async throws -> Int

    /// Inserts events whose (provider, event id) pairs are distinct within the batch,
    /// in one transaction; events already stored are reported as duplicates with their stored id.
    func insertInbox(_ records: [NewInboxRecord]) async throws -> [InboxStoreOutcome]
    func listInbox(_ query: InboxQuery) async throws -> [InboxSummary]
    func inboxEntry(id: String) async throws -> InboxEntry?
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

/// Storage failures callers can act on.
public struct StoreError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}

extension Store {
    /// The schema version this build of Ponte expects once migrated.
    public static var latestSchemaVersion: Int { Migrations.latestVersion }
}
