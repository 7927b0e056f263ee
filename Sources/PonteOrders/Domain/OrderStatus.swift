/// Where a store order is in its life, from `PENDING` (received, not yet confirmed) to one of
/// the final statuses `COMPLETED` or `REFUNDED`.
///
/// The raw values are the JSON values of seed 003. Its data model lists eight statuses; its
/// transition table and notification templates also use `COMPLETED` (a pickup collected at
/// the counter, or a delivery closed after `DELIVERED`), so there are nine.
public enum OrderStatus: String, Sendable, CaseIterable, Codable, Hashable {
    /// Received; waiting for the store's confirmation (manual, automatic or after payment).
    case pending = "PENDING"
    /// Accepted by the store.
    case confirmed = "CONFIRMED"
    /// In the kitchen.
    case preparing = "PREPARING"
    /// Ready for pickup or for the courier.
    case ready = "READY"
    /// With the courier.
    case delivering = "DELIVERING"
    /// Handed to the customer.
    case delivered = "DELIVERED"
    /// Closed: nothing more happens to the order.
    case completed = "COMPLETED"
    /// Cancelled by the store, the customer or a deadline; may still be refunded.
    case cancelled = "CANCELLED"
    /// Cancelled and its online payment returned to the customer.
    case refunded = "REFUNDED"

    // MARK: Transitions

    /// The statuses this one may change to, in the order of seed 003's
    /// `_get_valid_status_transitions`:
    ///
    /// | from | to |
    /// |---|---|
    /// | PENDING | CONFIRMED, CANCELLED, REFUNDED |
    /// | CONFIRMED | PREPARING, CANCELLED, REFUNDED |
    /// | PREPARING | READY, CANCELLED, REFUNDED |
    /// | READY | DELIVERING, COMPLETED, CANCELLED, REFUNDED |
    /// | DELIVERING | DELIVERED, CANCELLED, REFUNDED |
    /// | DELIVERED | COMPLETED |
    /// | COMPLETED | — (final) |
    /// | CANCELLED | REFUNDED |
    /// | REFUNDED | — (final) |
    ///
    /// The table does not look at the payment: whether a `REFUNDED` order really had an online
    /// payment to return is the refund flow's rule, not the table's.
    public var allowedNextStatuses: [OrderStatus] {
        switch self {
        case .pending: [.confirmed, .cancelled, .refunded]
        case .confirmed: [.preparing, .cancelled, .refunded]
        case .preparing: [.ready, .cancelled, .refunded]
        case .ready: [.delivering, .completed, .cancelled, .refunded]
        case .delivering: [.delivered, .cancelled, .refunded]
        case .delivered: [.completed]
        case .completed: []
        case .cancelled: [.refunded]
        case .refunded: []
        }
    }

    /// True for `COMPLETED` and `REFUNDED`, which change to nothing.
    public var isFinal: Bool { allowedNextStatuses.isEmpty }

    /// What a request to move from this status to `requested` amounts to.
    public func change(to requested: OrderStatus) -> OrderStatusChange {
        if requested == self { return .unchanged }
        let allowed = allowedNextStatuses
        return allowed.contains(requested) ? .allowed : .invalid(from: self, to: requested, allowed: allowed)
    }
}
