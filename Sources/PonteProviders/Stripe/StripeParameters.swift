/// Parameters of `POST /v1/customers`.
public struct StripeCustomerCreate: Sendable, Equatable {
    public var email: String?
    public var name: String?
    public var phone: String?
    public var description: String?
    public var metadata: [String: String]

    public init(
        email: String? = nil, name: String? = nil, phone: String? = nil, description: String? = nil,
        metadata: [String: String] = [:]
    ) {
        self.email = email
        self.name = name
        self.phone = phone
        self.description = description
        self.metadata = metadata
    }

    var form: [(String, StripeForm.Value)] {
        [
            ("email", .optional(email)), ("name", .optional(name)), ("phone", .optional(phone)),
            ("description", .optional(description)), ("metadata", .metadata(metadata)),
        ]
    }
}

/// Parameters of `POST /v1/payment_intents`. `amount` is in the currency's minor unit.
public struct StripePaymentIntentCreate: Sendable, Equatable {
    public var amount: Int
    /// ISO 4217; sent lower case.
    public var currency: String
    /// `automatic`, `automatic_async` or `manual` (authorise now, capture later).
    public var captureMethod: String?
    public var confirm: Bool?
    public var customer: String?
    public var paymentMethod: String?
    public var paymentMethodTypes: [String]
    public var automaticPaymentMethods: Bool?
    public var description: String?
    public var receiptEmail: String?
    public var statementDescriptorSuffix: String?
    public var returnURL: String?
    public var metadata: [String: String]

    public init(
        amount: Int, currency: String, captureMethod: String? = nil, confirm: Bool? = nil, customer: String? = nil,
        paymentMethod: String? = nil, paymentMethodTypes: [String] = [], automaticPaymentMethods: Bool? = nil,
        description: String? = nil, receiptEmail: String? = nil, statementDescriptorSuffix: String? = nil,
        returnURL: String? = nil, metadata: [String: String] = [:]
    ) {
        self.amount = amount
        self.currency = currency
        self.captureMethod = captureMethod
        self.confirm = confirm
        self.customer = customer
        self.paymentMethod = paymentMethod
        self.paymentMethodTypes = paymentMethodTypes
        self.automaticPaymentMethods = automaticPaymentMethods
        self.description = description
        self.receiptEmail = receiptEmail
        self.statementDescriptorSuffix = statementDescriptorSuffix
        self.returnURL = returnURL
        self.metadata = metadata
    }

    var form: [(String, StripeForm.Value)] {
        [
            ("amount", .integer(amount)), ("currency", .string(currency.lowercased())),
            ("capture_method", .optional(captureMethod)), ("confirm", .optional(confirm)),
            ("customer", .optional(customer)), ("payment_method", .optional(paymentMethod)),
            ("payment_method_types", paymentMethodTypes.isEmpty ? .null : .list(paymentMethodTypes.map { .string($0) })),
            ("automatic_payment_methods", automaticPaymentMethods.map { .object([("enabled", .bool($0))]) } ?? .null),
            ("description", .optional(description)), ("receipt_email", .optional(receiptEmail)),
            ("statement_descriptor_suffix", .optional(statementDescriptorSuffix)),
            ("return_url", .optional(returnURL)), ("metadata", .metadata(metadata)),
        ]
    }
}

/// Parameters of `POST /v1/refunds`: a PaymentIntent or a charge, and an amount in the
/// minor unit (nil refunds what is left).
public struct StripeRefundCreate: Sendable, Equatable {
    public var paymentIntent: String?
    public var charge: String?
    public var amount: Int?
    /// `duplicate`, `fraudulent` or `requested_by_customer`.
    public var reason: String?
    public var metadata: [String: String]

    public init(
        paymentIntent: String? = nil, charge: String? = nil, amount: Int? = nil, reason: String? = nil,
        metadata: [String: String] = [:]
    ) {
        self.paymentIntent = paymentIntent
        self.charge = charge
        self.amount = amount
        self.reason = reason
        self.metadata = metadata
    }

    var form: [(String, StripeForm.Value)] {
        [
            ("payment_intent", .optional(paymentIntent)), ("charge", .optional(charge)), ("amount", .optional(amount)),
            ("reason", .optional(reason)), ("metadata", .metadata(metadata)),
        ]
    }
}
