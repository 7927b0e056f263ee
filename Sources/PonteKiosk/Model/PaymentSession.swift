/// A customer paying for a service at the kiosk: the Asaas charge, what the kiosk shows to
/// pay it, and — once paid — the ticket it made. Kept as this JSON document (what the API
/// shows) beside the columns its queries select by.
struct PaymentSession: Codable, Sendable {
    let id: String
    let locationID: String
    let serviceID: String
    let serviceName: String
    let ticketPrefix: String
    let customerName: String
    let customerCPF: String
    let paymentMethod: KioskPaymentMethod
    let amount: Int
    var status: SessionStatus
    /// The provider's payment id (Asaas `pay_…`), once the charge exists.
    var transactionID: String?
    var pix: PixDetails?
    var paymentLink: String?
    var expiresAt: String
    var paidAt: String?
    var ticket: TicketSummary?
    /// Why the ticket is not there yet, while the payment is confirmed and the ticket is retried.
    var ticketError: String?
    var chargeError: String?
    var refund: Refund?
    var statusHistory: [SessionStatusChange]
    var createdAt: String
    var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, status, pix, amount, ticket, refund
        case locationID = "location_id"
        case serviceID = "service_id"
        case serviceName = "service_name"
        case ticketPrefix = "ticket_prefix"
        case customerName = "customer_name"
        case customerCPF = "customer_cpf"
        case paymentMethod = "payment_method"
        case transactionID = "transaction_id"
        case paymentLink = "payment_link"
        case expiresAt = "expires_at"
        case paidAt = "paid_at"
        case ticketError = "ticket_error"
        case chargeError = "charge_error"
        case statusHistory = "status_history"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    /// The first name, as the ticket prints it.
    var customerFirstName: String {
        customerName.split(separator: " ").first.map(String.init) ?? customerName
    }
}

struct PixDetails: Codable, Sendable {
    /// The BR Code ("PIX copia e cola").
    let copyPaste: String
    /// The QR code as a base64 PNG.
    let qrCodePNGBase64: String

    enum CodingKeys: String, CodingKey {
        case copyPaste = "copy_paste"
        case qrCodePNGBase64 = "qr_code_png_base64"
    }
}

/// A payment that arrived for a session that could no longer use it, sent back.
struct Refund: Codable, Sendable {
    var reason: String
    var requestedAt: String
    var refundedAt: String?
    var error: String?

    enum CodingKeys: String, CodingKey {
        case reason, error
        case requestedAt = "requested_at"
        case refundedAt = "refunded_at"
    }
}

struct SessionStatusChange: Codable, Sendable {
    let status: SessionStatus
    let at: String
    let reason: String?
}

/// A session's ticket, as the session shows it.
struct TicketSummary: Codable, Sendable {
    let id: String
    let ticketNumber: String
    var status: TicketStatus

    enum CodingKeys: String, CodingKey {
        case id, status
        case ticketNumber = "ticket_number"
    }
}
