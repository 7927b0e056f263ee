/// A Stripe account (`GET /v1/account`): the fields a connection shows.
public struct StripeAccount: Decodable, Sendable, Equatable {
    public var id: String
    public var email: String?
    public var country: String?
    public var defaultCurrency: String?
    public var chargesEnabled: Bool?

    enum CodingKeys: String, CodingKey {
        case id, email, country
        case defaultCurrency = "default_currency"
        case chargesEnabled = "charges_enabled"
    }
}

/// A Stripe customer (`cus_...`), the fields Ponte reads.
public struct StripeCustomer: Decodable, Sendable, Equatable {
    public var id: String
    public var email: String?
    public var name: String?
    public var phone: String?
    public var description: String?
    public var metadata: [String: String]
    public var livemode: Bool?

    enum CodingKeys: String, CodingKey {
        case id, email, name, phone, description, metadata, livemode
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        email = try container.decodeIfPresent(String.self, forKey: .email)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        phone = try container.decodeIfPresent(String.self, forKey: .phone)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:]
        livemode = try container.decodeIfPresent(Bool.self, forKey: .livemode)
    }
}

/// A Stripe PaymentIntent (`pi_...`); amounts are integers in the currency's minor unit.
public struct StripePaymentIntent: Decodable, Sendable, Equatable {
    public var id: String
    public var amount: Int
    public var amountCapturable: Int?
    public var amountReceived: Int?
    /// Lower-case ISO 4217 code.
    public var currency: String
    /// `requires_payment_method`, `requires_confirmation`, `requires_action`, `processing`,
    /// `requires_capture`, `canceled` or `succeeded`.
    public var status: String
    public var captureMethod: String?
    public var clientSecret: String?
    public var customer: String?
    public var paymentMethod: String?
    public var latestCharge: String?
    public var description: String?
    public var cancellationReason: String?
    public var lastPaymentError: StripeErrorObject?
    public var metadata: [String: String]
    public var created: Int?

    enum CodingKeys: String, CodingKey {
        case id, amount, currency, status, customer, description, metadata, created
        case amountCapturable = "amount_capturable"
        case amountReceived = "amount_received"
        case captureMethod = "capture_method"
        case clientSecret = "client_secret"
        case paymentMethod = "payment_method"
        case latestCharge = "latest_charge"
        case cancellationReason = "cancellation_reason"
        case lastPaymentError = "last_payment_error"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        amount = try container.decode(Int.self, forKey: .amount)
        amountCapturable = try container.decodeIfPresent(Int.self, forKey: .amountCapturable)
        amountReceived = try container.decodeIfPresent(Int.self, forKey: .amountReceived)
        currency = try container.decode(String.self, forKey: .currency)
        status = try container.decode(String.self, forKey: .status)
        captureMethod = try container.decodeIfPresent(String.self, forKey: .captureMethod)
        clientSecret = try container.decodeIfPresent(String.self, forKey: .clientSecret)
        customer = try container.decodeIfPresent(StripeExpandable.self, forKey: .customer)?.id
        paymentMethod = try container.decodeIfPresent(StripeExpandable.self, forKey: .paymentMethod)?.id
        latestCharge = try container.decodeIfPresent(StripeExpandable.self, forKey: .latestCharge)?.id
        description = try container.decodeIfPresent(String.self, forKey: .description)
        cancellationReason = try container.decodeIfPresent(String.self, forKey: .cancellationReason)
        lastPaymentError = try container.decodeIfPresent(StripeErrorObject.self, forKey: .lastPaymentError)
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:]
        created = try container.decodeIfPresent(Int.self, forKey: .created)
    }
}

/// A Stripe refund (`re_...`).
public struct StripeRefund: Decodable, Sendable, Equatable {
    public var id: String
    public var amount: Int
    public var currency: String
    /// `pending`, `requires_action`, `succeeded`, `failed` or `canceled`.
    public var status: String?
    public var paymentIntent: String?
    public var charge: String?
    public var reason: String?
    public var failureReason: String?
    public var metadata: [String: String]
    public var created: Int?

    enum CodingKeys: String, CodingKey {
        case id, amount, currency, status, charge, reason, metadata, created
        case paymentIntent = "payment_intent"
        case failureReason = "failure_reason"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        amount = try container.decode(Int.self, forKey: .amount)
        currency = try container.decode(String.self, forKey: .currency)
        status = try container.decodeIfPresent(String.self, forKey: .status)
        paymentIntent = try container.decodeIfPresent(StripeExpandable.self, forKey: .paymentIntent)?.id
        charge = try container.decodeIfPresent(StripeExpandable.self, forKey: .charge)?.id
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
        failureReason = try container.decodeIfPresent(String.self, forKey: .failureReason)
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:]
        created = try container.decodeIfPresent(Int.self, forKey: .created)
    }
}

/// The `error` object of Stripe's error JSON (also a PaymentIntent's `last_payment_error`).
public struct StripeErrorObject: Decodable, Sendable, Equatable {
    /// `api_error`, `card_error`, `idempotency_error` or `invalid_request_error`.
    public var type: String?
    public var code: String?
    public var declineCode: String?
    public var message: String?
    public var param: String?

    enum CodingKeys: String, CodingKey {
        case type, code, message, param
        case declineCode = "decline_code"
    }
}

/// A field Stripe sends as an id, or as the object when expanded.
struct StripeExpandable: Decodable {
    var id: String

    private enum CodingKeys: String, CodingKey { case id }

    init(from decoder: any Decoder) throws {
        if let id = try? decoder.singleValueContainer().decode(String.self) {
            self.id = id
        } else {
            id = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .id)
        }
    }
}
