import Foundation
import NIOCore
import PonteCore
import PonteJobs
import PonteKit
import PonteProviders
import PonteStore

/// The customer's WhatsApp messages: each is a row (one per order and event, so never sent
/// twice) and a job that sends it through Twilio, retried, and rate-limited per WhatsApp
/// sender; Twilio's status callbacks then move the row along
/// `queued → sent → delivered / read`, or end it `failed` / `undelivered`.
struct CustomerNotifier: Sendable {
    /// The sender when the store has no WhatsApp number of its own
    /// (`PONTE_ORDERS_WHATSAPP_FROM`).
    let defaultSender: String?

    static let send = JobKind<Notification>("orders.notification.send", queue: OrderJobs.notificationsQueue, maxAttempts: 8)

    /// The kind for messages from `sender`: each WhatsApp sender has its own rate limit
    /// (`twilio-whatsapp/<sender>`; see the platform's rate limits).
    static func send(from sender: String?) -> JobKind<Notification> {
        var kind = send
        kind.provider = "twilio-whatsapp/\(sender ?? "none")"
        return kind
    }

    struct Notification: Codable, Sendable, Equatable {
        let notificationID: String

        enum CodingKeys: String, CodingKey {
            case notificationID = "notification_id"
        }
    }

    /// Queues `text` for the order's customer under `event` (`status:CONFIRMED`,
    /// `payment:PAID`); an event already notified for the order is not queued again. Orders
    /// without a phone number get nothing.
    func notify(order: Order, store: Store, event: String, text: String, in unit: UnitOfWork) async throws {
        guard let phone = order.phoneNumber else { return }
        let id = OrdersStorage.notificationIDs.next(at: OrdersStorage.date(unit.now))
        let sender = store.whatsappNumber ?? defaultSender
        let inserted = try await unit.query(
            """
            INSERT INTO orders_notifications (id, order_id, event, recipient, sender, body, status, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (order_id, event) DO NOTHING RETURNING id
            """,
            [
                .text(id), .text(order.id), .text(event), .text(phone), sender.map(SQLValue.text) ?? .null, .text(text),
                .integer(unit.now), .integer(unit.now),
            ]
        )
        guard !inserted.isEmpty else { return }
        try await unit.enqueue(Self.send(from: sender), Notification(notificationID: id), uniqueKey: "orders:notification:\(id)")
    }

    // MARK: Sending

    /// Sends one queued message, once. Twilio takes no idempotency key, so the row is marked
    /// `submitting` (committed) before the message goes to Twilio; an attempt that finds it so
    /// — the one before crashed, or lost Twilio's answer — first looks for the message in
    /// Twilio's list (same sender, recipient and text) and sends only if it is not there. A
    /// refusal Twilio will repeat (a bad number) ends the message `failed` with its reason.
    static func run(_ arguments: Notification, job: JobContext, context: ModuleContext) async throws {
        guard
            let row = try await context.database.read(
                "SELECT \(OrdersStorage.notificationColumns) FROM orders_notifications WHERE id = ?", [.text(arguments.notificationID)]
            ).first.map({ try $0.decode(OrdersStorage.NotificationRow.self) }),
            row.messageSid == nil, row.status == "pending" || row.status == Self.submitting
        else { return }
        guard let twilio = context.providers.twilio else {
            throw JobFailure.permanent(reason: "Twilio has no credentials (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN): the message cannot be sent")
        }
        guard let sender = row.sender else {
            job.onSuccess { unit in
                try await markFailed(row.id, error: "no sender: the store has no whatsapp_number and PONTE_ORDERS_WHATSAPP_FROM is not set", in: unit)
            }
            return
        }
        let callback = context.publicURL.map { $0.hasSuffix("/") ? $0 + "webhooks/twilio" : $0 + "/webhooks/twilio" }
        let to = "whatsapp:\(row.recipient)"
        let from = "whatsapp:\(sender)"
        let message: TwilioMessage
        do {
            if row.status == Self.submitting, let sent = try await twilio.messages(to: to, from: from).first(where: { $0.body == row.body }) {
                message = sent
            } else {
                try await context.transaction { unit in
                    try await unit.query(
                        "UPDATE orders_notifications SET status = ?, updated_at = ? WHERE id = ? AND message_sid IS NULL",
                        [.text(Self.submitting), .integer(unit.now), .text(row.id)])
                }
                message = try await twilio.sendMessage(TwilioMessageCreate(to: to, from: from, body: row.body, statusCallback: callback))
            }
        } catch let error as ProviderCallError where !error.isRetryable {
            job.onSuccess { unit in try await markFailed(row.id, error: "\(error)", in: unit) }
            return
        }
        job.onSuccess { unit in
            try await unit.query(
                "UPDATE orders_notifications SET message_sid = ?, status = ?, updated_at = ? WHERE id = ? AND message_sid IS NULL",
                [.text(message.sid), .text(message.status), .integer(unit.now), .text(row.id)]
            )
        }
    }

    private static func markFailed(_ id: String, error: String, in unit: UnitOfWork) async throws {
        try await unit.query(
            "UPDATE orders_notifications SET status = 'failed', error = ?, updated_at = ? WHERE id = ?",
            [.text(error), .integer(unit.now), .text(id)]
        )
    }

    /// A message handed to Twilio whose answer is not recorded yet.
    static let submitting = "submitting"

    // MARK: Delivery

    /// Twilio's delivery statuses in the order they happen; a callback for an earlier one
    /// arriving late changes nothing.
    static func rank(_ status: String) -> Int {
        switch status {
        case "pending", submitting: 0
        case "accepted", "queued": 1
        case "sending": 2
        case "sent": 3
        case "delivered": 4
        case "read": 5
        case "failed", "undelivered": 6
        default: -1
        }
    }

    /// A status callback (`MessageSid`, `MessageStatus`, `ErrorCode`): moves the message's row.
    static let statusCallbacks = EventSubscription("orders.twilio_status", provider: "twilio", eventTypes: ["message.*"]) { event, job in
        let form = FormURLEncoded.parse(Array(event.body.readableBytesView))
        guard let sid = FormURLEncoded.first("MessageSid", in: form), let status = FormURLEncoded.first("MessageStatus", in: form)
        else { return .ignored(reason: "not a message status callback") }
        let errorCode = FormURLEncoded.first("ErrorCode", in: form)
        job.onSuccess { unit in
            struct Row: Decodable { let status: String }
            guard
                let row = try await unit.fetchOne(
                    Row.self, "SELECT status FROM orders_notifications WHERE message_sid = ?", [.text(sid)], forUpdate: true),
                rank(status) > rank(row.status)
            else { return }
            try await unit.query(
                "UPDATE orders_notifications SET status = ?, error = COALESCE(?, error), updated_at = ? WHERE message_sid = ?",
                [
                    .text(status), errorCode.map { .text("Twilio error \($0)") } ?? .null, .integer(unit.now), .text(sid),
                ]
            )
        }
        return .processed
    }
}
