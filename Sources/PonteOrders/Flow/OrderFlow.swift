import Foundation
import PonteCore
import PonteJobs
import PonteKit

/// One order changing inside a unit of work: its status, its payment, its arrival at the
/// store — and everything each change brings with it, committed together: the history, the
/// events on the store's stream, the deadlines scheduled or cancelled, the refund, the
/// customer's messages. Every rule of seed 003's flow is here, once; routes, webhooks and
/// deadline jobs only say what happened.
struct OrderFlow {
    let unit: UnitOfWork
    private(set) var order: Order
    let store: Store
    let config: OrderConfig
    let notifier: CustomerNotifier

    init(unit: UnitOfWork, order: Order, store: Store, config: OrderConfig, notifier: CustomerNotifier) {
        self.unit = unit
        self.order = order
        self.store = store
        self.config = config
        self.notifier = notifier
    }

    private var now: String { OrdersStorage.timestamp(unit.now) }

    /// Writes the order (call once, after the changes).
    func save() async throws {
        try await OrdersStorage.updateOrder(order, in: unit)
    }

    // MARK: Status

    /// Moves the order to `status`. The same status again changes nothing (false); a move the
    /// state machine refuses throws `OrderRefusal.invalidStatusTransition`.
    @discardableResult
    mutating func changeStatus(to status: OrderStatus, by actor: StatusChangeActor, notes: String?) async throws -> Bool {
        let from = order.status
        switch from.change(to: status) {
        case .unchanged: return false
        case .invalid(let from, let to, let allowed): throw OrderRefusal.invalidStatusTransition(from: from, to: to, allowed: allowed)
        case .allowed: break
        }
        order.status = status
        order.updatedAt = now
        order.statusHistory.append(StatusHistoryEntry(status: status, at: now, by: actor, notes: notes))
        if from == .pending {
            order.awaitingConfirmation = false
            try await cancelDeadlines(OrderDeadline.Kind.allCases)
        }
        if order.reachedStore {
            try await unit.append(
                to: store.streamName, type: "ORDER_STATUS_CHANGED",
                data: StatusChangedEvent(orderID: order.id, from: from, to: status, by: actor, notes: notes, at: now)
            )
        }
        if status == .cancelled, order.paymentStatus == .paid {
            try await requestRefund()
        }
        if order.source == .ifood, actor != .ifood, let kind = IFoodOrders.action(for: status, deliveryType: order.deliveryType) {
            try await unit.enqueue(
                IFoodOrders.action, .init(orderID: order.id, kind: kind, notes: notes), uniqueKey: "orders:ifood:\(kind.rawValue):\(order.id)")
        }
        if config.notifyCustomerOnStatusChange {
            let text = CustomerMessages.statusChange(to: status, templates: config.notificationTemplates, values: messageValues)
            try await notifier.notify(order: order, store: store, event: "status:\(status.rawValue)", text: text, in: unit)
        }
        return true
    }

    // MARK: Reaching the store

    /// The order can be acted on (cash at creation, online once paid): it goes to the store's
    /// POS, its deadlines start, and a store that needs no confirmation confirms it at once.
    mutating func reachStore() async throws {
        guard !order.reachedStore, order.status == .pending else { return }
        order.reachedStoreAt = now
        order.awaitingConfirmation = config.requiresConfirmation
        order.updatedAt = now
        try await cancelDeadlines([.paymentExpiry])
        if config.requiresConfirmation {
            if config.autoConfirmationTimeout > 0 {
                let due = unit.now + Int64(config.autoConfirmationTimeout) * 60_000_000
                order.confirmationDeadline = OrdersStorage.timestamp(due)
                try await schedule(.confirm, at: due)
            }
            if config.refundUnconfirmedOrders {
                let due = unit.now + Int64(config.refundTimeout) * 60_000_000
                order.refundDeadline = OrdersStorage.timestamp(due)
                try await schedule(.refund, at: due)
            }
        }
        try await unit.append(
            to: store.streamName, type: "REMOTE_ORDER_RECEIVED",
            data: OrderReceivedEvent(order: order.forStore, awaitingConfirmation: order.awaitingConfirmation)
        )
        if !config.requiresConfirmation {
            try await changeStatus(to: .confirmed, by: .system, notes: "confirmed automatically: the store does not require confirmation")
        }
    }

    // MARK: Payment

    /// The payment moved to `status` (an Asaas webhook). A move backwards, or the same status
    /// again, changes nothing and returns false.
    @discardableResult
    mutating func changePayment(to status: PaymentStatus, reason: String) async throws -> Bool {
        let from = order.paymentStatus
        guard let next = from.advanced(to: status) else { return false }
        order.paymentStatus = next
        order.updatedAt = now
        if next == .refunded { order.paymentDetails.refundError = nil }
        if order.reachedStore {
            try await unit.append(
                to: store.streamName, type: "PAYMENT_STATUS_CHANGED",
                data: PaymentChangedEvent(orderID: order.id, from: from, to: next, reason: reason, at: now)
            )
        }
        switch next {
        case .paid:
            try await notifier.notify(
                order: order, store: store, event: "payment:PAID", text: CustomerMessages.paymentConfirmed(messageValues), in: unit)
            if order.status == .pending && !order.reachedStore {
                try await reachStore()
            } else if order.status == .cancelled {
                // Paid after it was cancelled (its charge expired, the customer gave up): the
                // money goes back.
                try await requestRefund()
            }
        case .failed:
            try await notifier.notify(
                order: order, store: store, event: "payment:FAILED", text: CustomerMessages.paymentFailed(messageValues), in: unit)
            if order.status == .pending {
                try await changeStatus(to: .cancelled, by: .system, notes: "payment failed: \(reason)")
            }
        case .cancelled:
            if order.status == .pending {
                try await changeStatus(to: .cancelled, by: .system, notes: "the charge was cancelled: \(reason)")
            }
        case .refunded:
            try await notifier.notify(
                order: order, store: store, event: "payment:REFUNDED", text: CustomerMessages.paymentRefunded(messageValues), in: unit)
            if order.status.allowedNextStatuses.contains(.refunded) {
                try await changeStatus(to: .refunded, by: .system, notes: "the payment was refunded")
            }
        case .pending, .notApplicable:
            break
        }
        return true
    }

    /// Asks Asaas for the refund, once per order however often it is asked.
    mutating func requestRefund() async throws {
        guard order.paymentID != nil || order.paymentMethod.isOnline else { return }
        if order.paymentDetails.refundRequestedAt == nil { order.paymentDetails.refundRequestedAt = now }
        try await unit.enqueue(OrderJobs.refund, .init(orderID: order.id), uniqueKey: OrderJobs.refundKey(order.id))
    }

    // MARK: Deadlines

    /// Schedules the deadline `kind` at `due` (microseconds), kept with the order's jobs.
    func schedule(_ kind: OrderDeadline.Kind, at due: Int64) async throws {
        let deadline = OrderDeadline(orderID: order.id, kind: kind, dueAt: due)
        try await unit.enqueue(OrderJobs.deadline, deadline, runAt: due, uniqueKey: deadline.uniqueKey)
    }

    private func cancelDeadlines(_ kinds: [OrderDeadline.Kind]) async throws {
        try await unit.cancelPendingJobs(uniqueKeys: kinds.map { OrderDeadline.uniqueKey(order.id, $0) })
    }

    // MARK: Messages

    var messageValues: CustomerMessages.Values {
        CustomerMessages.Values(orderID: order.id, total: order.total, deliveryTime: order.deliveryTime)
    }

    /// Sets the order's payment details (the charge was created).
    mutating func chargeCreated(paymentID: String, details: PaymentDetails) {
        order.paymentID = paymentID
        order.paymentDetails = details
        order.updatedAt = now
    }

    mutating func recordRefundError(_ error: String) {
        order.paymentDetails.refundError = error
        order.updatedAt = now
    }

    mutating func recordChargeError(_ error: String) {
        order.paymentDetails.chargeError = error
        order.updatedAt = now
    }
}

// MARK: Stream events

/// `REMOTE_ORDER_RECEIVED`: the order, now for the store to act on.
struct OrderReceivedEvent: Encodable {
    let order: Order
    let awaitingConfirmation: Bool

    enum CodingKeys: String, CodingKey {
        case order
        case awaitingConfirmation = "awaiting_confirmation"
    }
}

/// `ORDER_STATUS_CHANGED`.
struct StatusChangedEvent: Encodable {
    let orderID: String
    let from: OrderStatus
    let to: OrderStatus
    let by: StatusChangeActor
    let notes: String?
    let at: String

    enum CodingKeys: String, CodingKey {
        case orderID = "order_id"
        case from, to, by, notes, at
    }
}

/// `PAYMENT_STATUS_CHANGED`.
struct PaymentChangedEvent: Encodable {
    let orderID: String
    let from: PaymentStatus
    let to: PaymentStatus
    let reason: String
    let at: String

    enum CodingKeys: String, CodingKey {
        case orderID = "order_id"
        case from, to, reason, at
    }
}
