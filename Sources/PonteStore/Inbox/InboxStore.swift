import NIOCore
import PonteCore

/// The webhook inbox's queries, written once for both databases.
extension StoreDatabase {
    /// Stores events whose (provider, event id) pairs are distinct within the batch, in one
    /// transaction together with what `processing` (by record id) says each new one starts:
    /// its jobs, its subscribers' deliveries, or its `ignored` status. Events already stored
    /// are reported as duplicates with their stored id, and start nothing.
    public func insertInbox(
        _ records: [NewInboxRecord], processing: [String: InboxProcessing] = [:]
    ) async throws -> [InboxStoreOutcome] {
        guard !records.isEmpty else { return [] }
        // Concurrent PostgreSQL batches take row locks in (provider, event_id) order, so two
        // batches that share events wait for each other instead of deadlocking.
        let ordered = records.sorted { ($0.provider, $0.eventID) < ($1.provider, $1.eventID) }
        return try await write { sql in
            var binds: [SQLValue] = []
            binds.reserveCapacity(ordered.count * InboxSQL.fieldsPerRow)
            for record in ordered {
                var status = WebhookStatus.pending
                var reason: String?
                if case .ignored(let why) = processing[record.id] {
                    status = .ignored
                    reason = why
                }
                binds.append(.text(record.id))
                binds.append(.text(record.provider))
                binds.append(.text(record.eventID))
                binds.append(.text(record.eventType))
                binds.append(.text(status.rawValue))
                binds.append(SQLValue(reason))
                binds.append(.integer(record.receivedAt))
                binds.append(.text(record.headersJSON))
                binds.append(.blob(record.body))
            }
            let inserted = Set(try await sql.query(InboxSQL.insert(rows: ordered.count), binds).compactMap { $0.text(0) })
            let skipped = InboxOutcomes.skipped(records, inserted: inserted)
            var existing: [InboxKey: String] = [:]
            if !skipped.isEmpty {
                let pairBinds = skipped.flatMap { [SQLValue.text($0.provider), .text($0.eventID)] }
                for row in try await sql.query(InboxSQL.existing(pairs: skipped.count), pairBinds) {
                    existing[InboxKey(provider: try row.requiredText(0, "provider"), eventID: try row.requiredText(1, "event id"))] =
                        try row.requiredText(2, "webhook id")
                }
            }
            let started = ordered.compactMap { record in
                inserted.contains(record.id) ? processing[record.id].map { (record, $0) } : nil
            }
            try await Self.start(started, on: sql)
            return try InboxOutcomes.resolve(records, inserted: inserted, existing: existing)
        }
    }

    /// Enqueues what the newly stored events start, and records their deliveries.
    private static func start(_ started: [(NewInboxRecord, InboxProcessing)], on sql: any SQLExecutor) async throws {
        let jobs = started.flatMap { $0.1.jobs }
        guard !jobs.isEmpty else { return }
        let now = started.map(\.0.receivedAt).max() ?? 0
        var outcomes = try await JobSQL.enqueue(jobs, now: now, on: sql)[...]
        for (record, plan) in started {
            let count = plan.jobs.count
            let enqueued = outcomes.prefix(count)
            outcomes = outcomes.dropFirst(count)
            if case .deliveries(let deliveries) = plan {
                try await sql.dispatchWebhook(
                    record.id, deliveries: zip(deliveries, enqueued).map { ($0.subscriber, $1.id) }, now: record.receivedAt
                )
            }
        }
    }

    public func listInbox(_ query: InboxQuery) async throws -> [InboxSummary] {
        let (sql, binds) = InboxSQL.list(query)
        return try await read(sql, binds.map { .text($0) }).map(InboxSQL.summary)
    }

    public func inboxEntry(id: String) async throws -> InboxEntry? {
        guard let row = try await read(InboxSQL.entry, [.text(id)]).first else { return nil }
        return InboxEntry(
            summary: try InboxSQL.summary(row),
            headersJSON: try row.requiredText(9, "webhook headers"),
            body: row.blob(10) ?? ByteBuffer()
        )
    }

    /// Records a processing step: the new status, the error and reason (nil clears them),
    /// and whether an attempt began.
    public func setWebhookStatus(
        id: String, status: WebhookStatus, error: String? = nil, reason: String? = nil, attemptStarted: Bool = false
    ) async throws {
        let change = InboxWrites.status(id: id, status: status, error: error, reason: reason, attemptStarted: attemptStarted)
        try await write { sql in try await sql.execute(change.sql, change.binds) }
    }

    /// Marks a stored webhook pending again and enqueues `job` to process it, in one
    /// transaction. Nil when no webhook has that id.
    public func replayWebhook(id: String, job: NewJob, now: Int64) async throws -> EnqueuedJob? {
        try await write { sql -> EnqueuedJob? in
            let found = try await sql.query(
                "UPDATE webhook_inbox SET status = ?, last_error = NULL, reason = NULL WHERE id = ? RETURNING id",
                [.text(WebhookStatus.pending.rawValue), .text(id)]
            )
            guard !found.isEmpty else { return nil }
            return try await JobSQL.enqueue([job], now: now, on: sql).first
        }
    }
}

/// What a newly stored event starts, in the transaction that stores it.
public enum InboxProcessing: Sendable {
    /// Each subscriber's delivery, with the job that makes it: the event is `processing`.
    case deliveries([(subscriber: String, job: NewJob)])
    /// Nothing is to be done: the event is stored `ignored`, with the reason.
    case ignored(reason: String)

    public var jobs: [NewJob] {
        switch self {
        case .deliveries(let deliveries): deliveries.map(\.job)
        case .ignored: []
        }
    }

    /// The jobs that storing `records` with these plans started, given the outcomes of
    /// `insertInbox` (a duplicate starts nothing).
    public static func jobs(started plans: [String: InboxProcessing], storing records: [NewInboxRecord], outcomes: [InboxStoreOutcome]) -> [NewJob] {
        zip(records, outcomes).filter { !$1.duplicate }.flatMap { record, _ in plans[record.id]?.jobs ?? [] }
    }
}

/// Inbox changes as statements, for a job to leave to its success transaction.
public enum InboxWrites {
    /// What `setWebhookStatus` runs.
    public static func status(
        id: String, status: WebhookStatus, error: String? = nil, reason: String? = nil, attemptStarted: Bool = false
    ) -> DeferredWrite {
        .update(
            "webhook_inbox", set: "status = ?, last_error = ?, reason = ?, attempts = attempts + ?",
            [.text(status.rawValue), SQLValue(error), SQLValue(reason), .integer(attemptStarted ? 1 : 0)], id: id
        )
    }
}

/// SQL text for the inbox.
enum InboxSQL {
    static let columns = "id, provider, event_id, event_type, status, reason, received_at, headers, body"
    static let summaryColumns = "id, provider, event_id, event_type, status, received_at, attempts, last_error, reason"
    static let fieldsPerRow = 9

    /// `INSERT … VALUES (…),(…) ON CONFLICT DO NOTHING RETURNING id` for `rows` rows.
    static func insert(rows: Int) -> String {
        "INSERT INTO webhook_inbox (\(columns)) VALUES \(SQLText.rows(rows, columns: fieldsPerRow))"
            + " ON CONFLICT (provider, event_id) DO NOTHING RETURNING id"
    }

    /// Looks up stored ids for (provider, event_id) pairs.
    static func existing(pairs: Int) -> String {
        "SELECT provider, event_id, id FROM webhook_inbox WHERE "
            + Array(repeating: "(provider = ? AND event_id = ?)", count: pairs).joined(separator: " OR ")
    }

    /// `SELECT … ORDER BY id DESC LIMIT …` with the query's filters, and the binds in order.
    static func list(_ query: InboxQuery) -> (sql: String, binds: [String]) {
        var conditions: [String] = []
        var binds: [String] = []
        if let provider = query.provider {
            conditions.append("provider = ?")
            binds.append(provider)
        }
        if let status = query.status {
            conditions.append("status = ?")
            binds.append(status.rawValue)
        }
        if let before = query.before {
            conditions.append("id < ?")
            binds.append(before)
        }
        var sql = "SELECT \(summaryColumns) FROM webhook_inbox"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY id DESC LIMIT \(max(1, query.limit))"
        return (sql, binds)
    }

    static let entry = "SELECT \(summaryColumns), headers, body FROM webhook_inbox WHERE id = ?"

    static func summary(_ row: SQLRow) throws -> InboxSummary {
        let id = try row.requiredText(0, "webhook id")
        let statusText = try row.requiredText(4, "webhook status")
        guard let status = WebhookStatus(rawValue: statusText) else {
            throw StoreError("webhook \(id) has unknown status '\(statusText)'")
        }
        return InboxSummary(
            id: id, provider: try row.requiredText(1, "provider"), eventID: try row.requiredText(2, "event id"),
            eventType: try row.requiredText(3, "event type"), status: status,
            receivedAt: try row.requiredInteger(5, "received_at"), attempts: Int(try row.requiredInteger(6, "attempts")),
            lastError: row.text(7), reason: row.text(8)
        )
    }
}
