/// The `event` of an Asaas payment webhook (`PAYMENT_RECEIVED`, ...). Asaas sends many more
/// kinds than an order cares about, so any value is representable; `paymentStatus` says
/// which ones move an order's payment.
public struct AsaasPaymentEvent: RawRepresentable, Sendable, Hashable, Codable {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// A card payment was approved.
    public static let paymentConfirmed = AsaasPaymentEvent(rawValue: "PAYMENT_CONFIRMED")
    /// The money arrived (PIX, boleto, or a card payment settled).
    public static let paymentReceived = AsaasPaymentEvent(rawValue: "PAYMENT_RECEIVED")
    /// The charge passed its due date unpaid.
    public static let paymentOverdue = AsaasPaymentEvent(rawValue: "PAYMENT_OVERDUE")
    /// The charge was deleted.
    public static let paymentDeleted = AsaasPaymentEvent(rawValue: "PAYMENT_DELETED")
    /// The payment was refunded in full.
    public static let paymentRefunded = AsaasPaymentEvent(rawValue: "PAYMENT_REFUNDED")

    /// The payment status the event reports, by seed 003's mapping; nil for every other event
    /// (`PAYMENT_CREATED`, `PAYMENT_UPDATED`, `PAYMENT_PARTIALLY_REFUNDED`, ...), which changes
    /// nothing.
    ///
    /// | event | status |
    /// |---|---|
    /// | PAYMENT_CONFIRMED, PAYMENT_RECEIVED | PAID |
    /// | PAYMENT_OVERDUE | FAILED |
    /// | PAYMENT_DELETED | CANCELLED |
    /// | PAYMENT_REFUNDED | REFUNDED |
    ///
    /// The seed also maps `PAYMENT_REFUND_FAILED` to `FAILED`; that is not followed: a refund
    /// that failed leaves the money with the store, so the payment is still paid, and marking
    /// it failed would hide a payment that still has to be returned.
    public var paymentStatus: PaymentStatus? {
        switch self {
        case .paymentConfirmed, .paymentReceived: .paid
        case .paymentOverdue: .failed
        case .paymentDeleted: .cancelled
        case .paymentRefunded: .refunded
        default: nil
        }
    }
}
