import PonteCore

/// One subscriber's handling of a stored event.
public struct WebhookDelivery: Sendable, Equatable, Decodable {
    public let webhookId: String
    public let subscriber: String
    /// `pending`, `processed`, `ignored` or `failed`.
    public let status: String
    /// The job that delivers it (the latest, after a replay).
    public let jobId: String?
    public let attempts: Int
    public let lastError: String?
    public let reason: String?
    /// Microseconds since the Unix epoch.
    public let updatedAt: Int64
}

/// How one delivery ended, to record.
public enum DeliveryOutcome: Sendable, Equatable {
    case processed
    case ignored(reason: String)
    /// Failed on attempt `attempts`; `final` when no attempt is left (the job is dead).
    case failed(error: String, final: Bool)
}

extension SQLExecutor {
    /// Hands a stored event to its subscribers in this transaction: one pending delivery each
    /// (replacing an earlier one of the same subscriber, as a replay does), with the job that
    /// delivers it, and the event `processing`.
    public func dispatchWebhook(_ webhookID: String, deliveries: [(subscriber: String, jobID: String)], now: Int64) async throws {
        for delivery in deliveries {
            try await execute(
                """
                INSERT INTO webhook_deliveries (webhook_id, subscriber, status, job_id, attempts, last_error, reason, updated_at)
                VALUES (?, ?, 'pending', ?, 0, NULL, NULL, ?)
                ON CONFLICT (webhook_id, subscriber) DO UPDATE SET status = 'pending', job_id = excluded.job_id,
                last_error = NULL, reason = NULL, updated_at = excluded.updated_at
                """,
                [.text(webhookID), .text(delivery.subscriber), .text(delivery.jobID), .integer(now)]
            )
        }
        try await execute(
            "UPDATE webhook_inbox SET status = 'processing', last_error = NULL, reason = NULL WHERE id = ?", [.text(webhookID)]
        )
    }

    /// Records how one subscriber's delivery ended, and the event's status that follows from
    /// all of its deliveries: failed if any failed for good, processing while any is pending,
    /// processed if any processed it, else ignored.
    public func recordDelivery(
        _ webhookID: String, subscriber: String, outcome: DeliveryOutcome, attempts: Int, now: Int64
    ) async throws {
        // The event's row is locked first, so concurrent subscribers of one event record one
        // after another and the last to record sees every other outcome.
        _ = try await query("SELECT id FROM webhook_inbox WHERE id = ?\(dialect.forUpdate)", [.text(webhookID)])
        let status: String
        var error: String?
        var reason: String?
        switch outcome {
        case .processed: status = "processed"
        case .ignored(let why): status = "ignored"; reason = why
        case .failed(let message, let final): status = final ? "failed" : "pending"; error = message
        }
        try await execute(
            """
            UPDATE webhook_deliveries SET status = ?, attempts = ?, last_error = ?, reason = ?, updated_at = ?
            WHERE webhook_id = ? AND subscriber = ?
            """,
            [.text(status), .integer(Int64(attempts)), SQLValue(error), SQLValue(reason), .integer(now), .text(webhookID), .text(subscriber)]
        )
        let deliveries = "SELECT 1 FROM webhook_deliveries d WHERE d.webhook_id = webhook_inbox.id AND d.status"
        try await execute(
            """
            UPDATE webhook_inbox SET attempts = attempts + 1, last_error = ?, status = CASE
                WHEN EXISTS (\(deliveries) = 'failed') THEN 'failed'
                WHEN EXISTS (\(deliveries) = 'pending') THEN 'processing'
                WHEN EXISTS (\(deliveries) = 'processed') THEN 'processed'
                ELSE 'ignored' END
            WHERE id = ?
            """,
            [SQLValue(error.map { "\(subscriber): \($0)" }), .text(webhookID)]
        )
    }
}

extension StoreDatabase {
    /// The deliveries of a stored event, by subscriber name.
    public func deliveries(webhookID: String) async throws -> [WebhookDelivery] {
        try await read(
            """
            SELECT webhook_id, subscriber, status, job_id, attempts, last_error, reason, updated_at
            FROM webhook_deliveries WHERE webhook_id = ? ORDER BY subscriber
            """,
            [.text(webhookID)]
        ).map { try $0.decode(WebhookDelivery.self) }
    }
}
