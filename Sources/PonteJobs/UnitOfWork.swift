import Foundation
import PonteCore
import PonteStore
import Synchronization

/// One transaction of domain work: reads (locking rows where asked), inserts and updates,
/// events appended to streams, and follow-up jobs, all committed together or not at all.
/// This is the transactional outbox: an event or a job exists if and only if the change that
/// made it committed.
///
/// Get one from `UnitsOfWork.run` (HTTP handlers, commands) or `JobContext.onSuccess` (job
/// handlers: it commits together with the job's success). Once the transaction commits, the
/// jobs it enqueued wake this process's workers (other processes are woken by the database's
/// notifications, sent at commit) and its events reach this process's stream readers.
public final class UnitOfWork: Sendable {
    private let sql: any SQLExecutor
    private let queue: JobQueue
    private let streams: EventStreams?
    /// The time of the unit of work, microseconds since the Unix epoch (from the queue's clock).
    public let now: Int64

    private struct Effects {
        var jobs: [NewJob] = []
        var outcomes: [EnqueuedJob] = []
        var events: [StreamEvent] = []
    }

    private let effects = Mutex(Effects())

    init(sql: any SQLExecutor, queue: JobQueue, streams: EventStreams?) {
        self.sql = sql
        self.queue = queue
        self.streams = streams
        self.now = queue.clock.now()
    }

    public var dialect: SQLDialect { sql.dialect }

    /// The transaction itself, for storage functions written for an executor. Jobs and stream
    /// events go through `enqueue` and `append`, so that this process hears of them.
    public var executor: any SQLExecutor { sql }

    // MARK: Reading and writing rows

    /// Runs one statement and returns its rows.
    @discardableResult
    public func query(_ statement: String, _ binds: [SQLValue] = []) async throws -> [SQLRow] {
        try await sql.query(statement, binds)
    }

    /// Rows of a `SELECT` read into `T` by column name (see `SQLRow.decode`). With
    /// `forUpdate`, the rows stay locked until the transaction ends (PostgreSQL's `FOR UPDATE`;
    /// SQLite's one writer already excludes every other).
    public func fetch<T: Decodable>(_ type: T.Type, _ select: String, _ binds: [SQLValue] = [], forUpdate: Bool = false) async throws -> [T] {
        try await sql.query(forUpdate ? select + sql.dialect.forUpdate : select, binds).map { try $0.decode(T.self) }
    }

    /// The first row of a `SELECT` read into `T`, or nil.
    public func fetchOne<T: Decodable>(_ type: T.Type, _ select: String, _ binds: [SQLValue] = [], forUpdate: Bool = false) async throws -> T? {
        try await fetch(type, select, binds, forUpdate: forUpdate).first
    }

    /// `INSERT INTO table (columns…) VALUES (…)`.
    public func insert(into table: String, _ values: KeyValuePairs<String, SQLValue>) async throws {
        let columns = values.map(\.key).joined(separator: ", ")
        let placeholders = Array(repeating: "?", count: values.count).joined(separator: ", ")
        try await sql.execute("INSERT INTO \(table) (\(columns)) VALUES (\(placeholders))", values.map(\.value))
    }

    // MARK: Outbox

    /// Appends an event to `stream`; `data` is encoded as JSON (keys sorted).
    @discardableResult
    public func append(to stream: String, type: String, data: some Encodable) async throws -> StreamEvent {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(data), as: UTF8.self)
        let event = try await sql.appendEvent(to: stream, type: type, data: json, now: now)
        effects.withLock { $0.events.append(event) }
        return event
    }

    /// Enqueues a job of `kind`: due now plus `delay`, or exactly at `runAt` (microseconds
    /// since the Unix epoch). While a job with the same `uniqueKey` is pending or running,
    /// that job is returned instead.
    @discardableResult
    public func enqueue<A>(
        _ kind: JobKind<A>, _ arguments: A, delay: Duration = .zero, runAt: Int64? = nil, uniqueKey: String? = nil
    ) async throws -> EnqueuedJob {
        let job = try queue.makeJob(kind, arguments, delay: delay, runAt: runAt, uniqueKey: uniqueKey)
        guard let outcome = try await enqueue([job]).first else { throw StoreError("the job was not enqueued") }
        return outcome
    }

    /// Enqueues jobs made elsewhere (`JobQueue.makeJob`).
    @discardableResult
    public func enqueue(_ jobs: [NewJob]) async throws -> [EnqueuedJob] {
        let outcomes = try await sql.enqueue(jobs, now: now)
        effects.withLock {
            $0.jobs += jobs
            $0.outcomes += outcomes
        }
        return outcomes
    }

    /// Cancels the pending jobs of `uniqueKeys` (deadlines the change made moot), with the
    /// transaction.
    @discardableResult
    public func cancelPendingJobs(uniqueKeys: [String]) async throws -> Int {
        try await sql.cancelPendingJobs(uniqueKeys: uniqueKeys, now: now)
    }

    /// The job queue, for making jobs.
    public var jobs: JobQueue { queue }

    // MARK: After the commit

    /// Tells this process's workers and stream readers what the committed transaction added.
    func committed() {
        let done = effects.withLock { $0 }
        if !done.jobs.isEmpty { queue.didEnqueue(done.jobs, done.outcomes) }
        streams?.published(done.events)
    }
}

/// Runs units of work on a database, with the queue and streams they tell once committed.
public struct UnitsOfWork: Sendable {
    public let database: any StoreDatabase
    public let queue: JobQueue
    public let streams: EventStreams?
    /// Times a unit of work is run again when the database asks for a retry (a deadlock, a
    /// serialization failure, a lock not granted in time).
    static let retries = 3

    public init(database: any StoreDatabase, queue: JobQueue, streams: EventStreams?) {
        self.database = database
        self.queue = queue
        self.streams = streams
    }

    /// Runs `body` in one transaction and returns its result once committed. If `body` throws,
    /// nothing of it is kept. A retryable database error runs it again (up to 3 times), so
    /// `body` must do nothing outside the database.
    public func run<T: Sendable>(_ body: @escaping @Sendable (UnitOfWork) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let (result, unit) = try await database.write { sql -> (T, UnitOfWork) in
                    let unit = begin(on: sql)
                    return (try await body(unit), unit)
                }
                unit.committed()
                return result
            } catch let error as StoreError where error.isRetryable && attempt <= Self.retries {
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...50) * attempt))
            }
        }
    }

    /// A unit of work inside a transaction already under way; call `committed()` on it once
    /// that transaction commits.
    func begin(on sql: any SQLExecutor) -> UnitOfWork {
        UnitOfWork(sql: sql, queue: queue, streams: streams)
    }
}
