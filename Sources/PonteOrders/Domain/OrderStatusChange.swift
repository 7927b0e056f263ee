/// The decision on a requested status change of an order (see `OrderStatus.change(to:)`).
public enum OrderStatusChange: Sendable, Equatable {
    /// The order already has the requested status: nothing to write, record or notify. A
    /// repeated request (the POS resending its event) is answered as if it had just happened.
    case unchanged
    /// The change is in the transition table: apply it and record it in the status history.
    case allowed
    /// The transition table has no such change; `allowed` lists what `from` may change to
    /// (empty when `from` is final). Answered `409 INVALID_STATUS_TRANSITION`
    /// (`OrderRefusal.invalidStatusTransition`).
    case invalid(from: OrderStatus, to: OrderStatus, allowed: [OrderStatus])

    /// The refusal to answer for an `.invalid` change; nil otherwise.
    public var refusal: OrderRefusal? {
        guard case .invalid(let from, let to, let allowed) = self else { return nil }
        return .invalidStatusTransition(from: from, to: to, allowed: allowed)
    }
}
