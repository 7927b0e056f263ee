import PonteCore

/// Where an order came from.
public enum OrderSource: String, Sendable, CaseIterable, Codable {
    case whatsappBot = "WHATSAPP_BOT"
    case ifood = "IFOOD"
    case api = "API"
}

/// How the order reaches the customer.
public enum DeliveryType: String, Sendable, CaseIterable, Codable {
    case delivery = "DELIVERY"
    case pickup = "PICKUP"
}

/// One store order, from any channel, as the API shows it and as it is stored (seed 003
/// §2.2). Money is integer centavos; times are RFC 3339 in UTC.
public struct Order: Codable, Sendable, Equatable {
    public var id: String
    public var clientID: String
    public var storeID: String
    public var source: OrderSource
    /// The order's id at its channel (iFood's order id), when it has one.
    public var externalID: String?
    public var status: OrderStatus
    public var customerID: String?
    public var customerName: String?
    public var phoneNumber: String?
    public var customerCPF: String?
    public var items: [OrderItem]
    public var subtotal: Int
    public var deliveryFee: Int
    public var discount: Int
    public var total: Int
    public var paymentMethod: PaymentMethod
    public var paymentStatus: PaymentStatus
    /// The Asaas charge (`pay_…`), once created.
    public var paymentID: String?
    public var paymentDetails: PaymentDetails
    public var deliveryType: DeliveryType
    public var deliveryAddress: JSONValue?
    public var deliveryTime: String?
    public var customerNotes: String?
    /// True while the store has the order and has not confirmed it.
    public var awaitingConfirmation: Bool
    /// When the order reached the store's POS (at creation for cash, when paid for online
    /// payment); nil while an online order is unpaid.
    public var reachedStoreAt: String?
    /// When the store's silence confirms the order (`auto_confirmation_timeout`).
    public var confirmationDeadline: String?
    /// When an order still unconfirmed is cancelled, and refunded if paid (`refund_timeout`).
    public var refundDeadline: String?
    public var statusHistory: [StatusHistoryEntry]
    public var createdAt: String
    public var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id
        case clientID = "client_id"
        case storeID = "store_id"
        case source
        case externalID = "external_id"
        case status
        case customerID = "customer_id"
        case customerName = "customer_name"
        case phoneNumber = "phone_number"
        case customerCPF = "customer_cpf"
        case items, subtotal
        case deliveryFee = "delivery_fee"
        case discount, total
        case paymentMethod = "payment_method"
        case paymentStatus = "payment_status"
        case paymentID = "payment_id"
        case paymentDetails = "payment_details"
        case deliveryType = "delivery_type"
        case deliveryAddress = "delivery_address"
        case deliveryTime = "delivery_time"
        case customerNotes = "customer_notes"
        case awaitingConfirmation = "awaiting_confirmation"
        case reachedStoreAt = "reached_store_at"
        case confirmationDeadline = "confirmation_deadline"
        case refundDeadline = "refund_deadline"
        case statusHistory = "status_history"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    /// Whether the store's POS has the order.
    public var reachedStore: Bool { reachedStoreAt != nil }

    /// The order as the store's stream carries it: without the PIX QR image (tens of
    /// kilobytes the customer needs and the kitchen does not).
    public var forStore: Order {
        var copy = self
        copy.paymentDetails.pixQrCodeBase64 = nil
        return copy
    }
}

/// What the customer needs to pay, and what became of the payment.
public struct PaymentDetails: Codable, Sendable, Equatable {
    /// Asaas's billing type (`PIX`, `CREDIT_CARD`, `DEBIT_CARD`).
    public var billingType: String?
    /// PIX: the copy-and-paste BR Code.
    public var pixCopyPaste: String?
    /// PIX: the QR code as a base64 PNG.
    public var pixQrCodeBase64: String?
    /// When the charge expires (PIX: the QR code's expiry).
    public var expiresAt: String?
    /// Cards: the page where the customer pays.
    public var paymentLink: String?
    /// Why creating the charge failed for good, when it did.
    public var chargeError: String?
    /// A refund was asked of Asaas at this time.
    public var refundRequestedAt: String?
    /// The provider's reason the last refund attempt failed (the payment stays `PAID`).
    public var refundError: String?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case billingType = "billing_type"
        case pixCopyPaste = "pix_copy_paste"
        case pixQrCodeBase64 = "pix_qr_code_base64"
        case expiresAt = "expires_at"
        case paymentLink = "payment_link"
        case chargeError = "charge_error"
        case refundRequestedAt = "refund_requested_at"
        case refundError = "refund_error"
    }
}

/// One change of an order's status.
public struct StatusHistoryEntry: Codable, Sendable, Equatable {
    public var status: OrderStatus
    public var at: String
    public var by: StatusChangeActor
    public var notes: String?
}
