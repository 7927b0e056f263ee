/// An Asaas customer (`cus_...`).
public struct AsaasCustomer: Codable, Sendable, Equatable {
    public var id: String
    public var name: String?
    public var cpfCnpj: String?
    public var email: String?
    public var mobilePhone: String?
    public var externalReference: String?
    public var deleted: Bool?
}

/// Fields of `POST /v3/customers`; the client sets `externalReference` to the caller's key.
public struct AsaasCustomerCreate: Encodable, Sendable, Equatable {
    public var name: String
    public var cpfCnpj: String
    public var email: String?
    public var phone: String?
    public var mobilePhone: String?
    public var postalCode: String?
    public var addressNumber: String?
    public var notificationDisabled: Bool?
    var externalReference: String?

    public init(
        name: String, cpfCnpj: String, email: String? = nil, phone: String? = nil, mobilePhone: String? = nil,
        postalCode: String? = nil, addressNumber: String? = nil, notificationDisabled: Bool? = nil
    ) {
        self.name = name
        self.cpfCnpj = cpfCnpj
        self.email = email
        self.phone = phone
        self.mobilePhone = mobilePhone
        self.postalCode = postalCode
        self.addressNumber = addressNumber
        self.notificationDisabled = notificationDisabled
    }
}

/// How an Asaas payment is paid.
public struct AsaasBillingType: RawRepresentable, Codable, Sendable, Hashable {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let pix = AsaasBillingType(rawValue: "PIX")
    public static let boleto = AsaasBillingType(rawValue: "BOLETO")
    public static let creditCard = AsaasBillingType(rawValue: "CREDIT_CARD")
    /// The payer chooses.
    public static let undefined = AsaasBillingType(rawValue: "UNDEFINED")
}

/// Fields of `POST /v3/payments`; `value` is in centavos here and reais on the wire.
/// The client sets `externalReference` to the caller's idempotency key.
public struct AsaasPaymentCreate: Encodable, Sendable, Equatable {
    public var customer: String
    public var billingType: AsaasBillingType
    public var value: DecimalAmount
    /// `YYYY-MM-DD`.
    public var dueDate: String
    public var description: String?
    var externalReference: String?

    public init(customer: String, billingType: AsaasBillingType, valueMinorUnits: Int, dueDate: String, description: String? = nil) {
        self.customer = customer
        self.billingType = billingType
        self.value = DecimalAmount(minorUnits: valueMinorUnits)
        self.dueDate = dueDate
        self.description = description
    }
}

/// An Asaas payment (cobrança, `pay_...`); amounts in centavos.
public struct AsaasPayment: Codable, Sendable, Equatable {
    public var id: String
    public var customer: String?
    public var billingType: AsaasBillingType?
    public var value: DecimalAmount
    public var netValue: DecimalAmount?
    /// `PENDING`, `RECEIVED`, `CONFIRMED`, `OVERDUE`, `REFUNDED`, `REFUND_REQUESTED`, ...
    public var status: String?
    public var dueDate: String?
    public var description: String?
    public var externalReference: String?
    public var invoiceUrl: String?
    public var bankSlipUrl: String?
    public var dateCreated: String?
    public var deleted: Bool?
    /// The refunds made so far (empty or absent when none).
    public var refunds: [AsaasRefund]?
}

/// One refund in a payment's `refunds`.
public struct AsaasRefund: Codable, Sendable, Equatable {
    public var value: DecimalAmount?
    public var status: String?
    public var description: String?
    public var dateCreated: String?
}

/// Asaas's list envelope.
public struct AsaasList<Item: Decodable & Sendable>: Decodable, Sendable {
    public var hasMore: Bool?
    public var totalCount: Int?
    public var limit: Int?
    public var offset: Int?
    public var data: [Item]
}

/// `GET /v3/payments/{id}/pixQrCode`: the BR Code and its image.
public struct AsaasPixQrCode: Codable, Sendable, Equatable {
    /// A base64 PNG; sometimes missing in Asaas's sandbox (render `payload` instead).
    public var encodedImage: String?
    /// The copy-and-paste BR Code.
    public var payload: String
    /// `YYYY-MM-DD HH:MM:SS`.
    public var expirationDate: String?
}

/// `DELETE /v3/payments/{id}`.
public struct AsaasDeletion: Codable, Sendable, Equatable {
    public var deleted: Bool
    public var id: String
}
