/// Where an order's payment is. Online payments start `PENDING` and follow Asaas's webhook
/// events (`AsaasPaymentEvent`); a cash order's payment is `NOT_APPLICABLE` throughout.
public enum PaymentStatus: String, Sendable, CaseIterable, Codable, Hashable {
    /// The charge exists and is not paid yet.
    case pending = "PENDING"
    /// The money was received (or, for a card, confirmed).
    case paid = "PAID"
    /// The charge went past its due date unpaid (Asaas's `PAYMENT_OVERDUE`).
    case failed = "FAILED"
    /// The charge was deleted before it was paid.
    case cancelled = "CANCELLED"
    /// The money was returned to the customer.
    case refunded = "REFUNDED"
    /// A cash order: there is no online payment to track.
    case notApplicable = "NOT_APPLICABLE"

    // MARK: Never backwards

    /// The payment's rank; a payment only ever moves to a higher one.
    ///
    /// | rank | status | why it outranks the ones below |
    /// |---|---|---|
    /// | 0 | PENDING | where every online payment starts |
    /// | 1 | FAILED | an overdue charge may still be deleted, paid late or refunded |
    /// | 2 | CANCELLED | a deleted charge is no longer just overdue |
    /// | 3 | PAID | money received outranks any unpaid state, even a deleted charge's: the store holds the money, and only a paid payment can be refunded |
    /// | 4 | REFUNDED | final: the money is back with the customer |
    ///
    /// `NOT_APPLICABLE` has no rank: nothing moves into it or out of it.
    var rank: Int? {
        switch self {
        case .pending: 0
        case .failed: 1
        case .cancelled: 2
        case .paid: 3
        case .refunded: 4
        case .notApplicable: nil
        }
    }

    /// The status after moving towards `target`, or nil when that changes nothing: the same
    /// status again (a duplicate event), a lower rank (an event delivered late, such as an
    /// overdue notice after the payment), anything after `REFUNDED`, and anything into or out
    /// of `NOT_APPLICABLE`.
    ///
    /// So `PENDING` and `FAILED` may become `PAID` (an overdue PIX paid late is still paid),
    /// `PAID` may become `REFUNDED` but never `FAILED` or `CANCELLED`, and `PENDING` may become
    /// `REFUNDED` directly when the refund is the first event that arrives.
    public func advanced(to target: PaymentStatus) -> PaymentStatus? {
        guard let rank, let targetRank = target.rank, targetRank > rank else { return nil }
        return target
    }

    /// The status after Asaas's webhook `event`, or nil when the event changes nothing: an
    /// event that maps to no status (`AsaasPaymentEvent.paymentStatus`), or one whose status
    /// `advanced(to:)` refuses. A late `PAYMENT_CONFIRMED` after `PAYMENT_REFUNDED` is nil.
    public func next(after event: AsaasPaymentEvent) -> PaymentStatus? {
        event.paymentStatus.flatMap(advanced(to:))
    }
}
