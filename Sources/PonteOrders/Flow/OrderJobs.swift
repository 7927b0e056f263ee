import PonteCore
import PonteJobs

/// The module's job kinds. Every job is keyed by its order, so a repeated request finds the
/// job already pending instead of adding another.
enum OrderJobs {
    static let queue = "orders"
    static let notificationsQueue = "notifications"

    struct OrderReference: Codable, Sendable, Equatable {
        let orderID: String

        enum CodingKeys: String, CodingKey {
            case orderID = "order_id"
        }
    }

    /// Creates the order's Asaas charge (PIX, card), once.
    static let createCharge = JobKind<OrderReference>("orders.charge.create", queue: queue, priority: .high, maxAttempts: 12, provider: "asaas")
    /// Asks Asaas to refund the order's payment; retried until Asaas takes it.
    static let refund = JobKind<OrderReference>("orders.payment.refund", queue: queue, priority: .high, maxAttempts: 12, provider: "asaas")
    /// One of the order's deadlines, due at its exact time.
    static let deadline = JobKind<OrderDeadline>("orders.deadline", queue: queue, priority: .high, maxAttempts: 20)

    static func chargeKey(_ orderID: String) -> String { "orders:charge:\(orderID)" }
    static func refundKey(_ orderID: String) -> String { "orders:refund:\(orderID)" }
}

/// A deadline of an order: what happens then, and when.
struct OrderDeadline: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable, CaseIterable {
        /// The store did not answer: the order is confirmed by the system.
        case confirm
        /// Still unconfirmed: the order is cancelled, and refunded if paid.
        case refund
        /// An online order still unpaid when its charge expires is cancelled.
        case paymentExpiry = "payment_expiry"
    }

    let orderID: String
    let kind: Kind
    /// Microseconds since the Unix epoch.
    let dueAt: Int64

    enum CodingKeys: String, CodingKey {
        case orderID = "order_id"
        case kind
        case dueAt = "due_at"
    }

    var uniqueKey: String { Self.uniqueKey(orderID, kind) }

    static func uniqueKey(_ orderID: String, _ kind: Kind) -> String { "orders:deadline:\(kind.rawValue):\(orderID)" }
}
