/// How the customer pays for an order. `PIX`, `CREDIT` and `DEBIT` are paid online through
/// Asaas before the order is prepared; `CASH` is paid on delivery or at pickup.
public enum PaymentMethod: String, Sendable, CaseIterable, Codable, Hashable {
    case pix = "PIX"
    case credit = "CREDIT"
    case debit = "DEBIT"
    case cash = "CASH"

    /// Paid online (every method but `CASH`): there is an Asaas charge to wait for, and a
    /// payment to refund if the order is cancelled after it was paid.
    public var isOnline: Bool { self != .cash }

    /// The payment status of a new order: `PENDING` until the charge is paid when online,
    /// `NOT_APPLICABLE` for cash.
    public var initialPaymentStatus: PaymentStatus { isOnline ? .pending : .notApplicable }
}
