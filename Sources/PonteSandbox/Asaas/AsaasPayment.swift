import Foundation

/// A charge (`pay_…`, a *cobrança*) of the simulated Asaas account. Amounts are centavos
/// here and decimal reais on the wire.
struct AsaasPayment: Sendable {
    enum BillingType: String, Sendable, CaseIterable {
        case undefined = "UNDEFINED"
        case boleto = "BOLETO"
        case creditCard = "CREDIT_CARD"
        case pix = "PIX"
    }

    enum Status: String, Sendable, CaseIterable {
        case pending = "PENDING"
        case received = "RECEIVED"
        case confirmed = "CONFIRMED"
        case overdue = "OVERDUE"
        case refunded = "REFUNDED"
    }

    /// Every status Asaas documents, including those the sandbox never reaches; a list
    /// filtered by one of them is valid and empty.
    static let documentedStatuses: Set<String> = Set(Status.allCases.map(\.rawValue)).union([
        "RECEIVED_IN_CASH", "REFUND_REQUESTED", "REFUND_IN_PROGRESS", "CHARGEBACK_REQUESTED", "CHARGEBACK_DISPUTE",
        "AWAITING_CHARGEBACK_REVERSAL", "DUNNING_REQUESTED", "DUNNING_RECEIVED", "AWAITING_RISK_ANALYSIS",
    ])

    /// One refund (*estorno*), done at once as in the sandbox.
    struct Refund: Sendable, Encodable {
        var dateCreated: String
        var value: Int
        var description: String?

        enum CodingKeys: String, CodingKey {
            case dateCreated, status, value, description, endToEndIdentifier, effectiveDate, transactionReceiptUrl
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(dateCreated, forKey: .dateCreated)
            try c.encode("DONE", forKey: .status)
            try c.encode(AsaasMoney.reais(value), forKey: .value)
            try c.encode(description, forKey: .description)
            try c.encode(nil as String?, forKey: .endToEndIdentifier)
            try c.encode(dateCreated, forKey: .effectiveDate)
            try c.encode(nil as String?, forKey: .transactionReceiptUrl)
        }
    }

    /// The card that paid, as Asaas shows it: last four digits and brand.
    struct Card: Sendable {
        var lastDigits: String
        var brand: String
        var token: String
    }

    var id: String
    var dateCreated: String
    var customer: String
    var value: Int
    var billingType: BillingType
    var status: Status
    var dueDate: String
    var originalDueDate: String
    var paymentDate: String?
    var clientPaymentDate: String?
    var confirmedDate: String?
    var description: String?
    var externalReference: String?
    var invoiceNumber: String
    var nossoNumero: String?
    var identificationField: String?
    var card: Card?
    var deleted = false
    var refunds: [Refund] = []

    /// Centavos refunded so far.
    var refunded: Int { refunds.map(\.value).reduce(0, +) }

    /// Paid: received, or confirmed and awaiting credit.
    var isPaid: Bool { status == .received || status == .confirmed }

    /// The id without its `pay_` prefix, which Asaas's invoice and slip URLs use.
    private var shortID: String { String(id.dropFirst(4)) }
}

extension AsaasPayment: Encodable {
    enum CodingKeys: String, CodingKey {
        case object, id, dateCreated, customer, paymentLink, value, netValue, originalValue, interestValue
        case description, billingType, creditCard, canBePaidAfterDueDate, pixTransaction, confirmedDate, status
        case dueDate, originalDueDate, paymentDate, clientPaymentDate, installmentNumber, invoiceUrl, invoiceNumber
        case externalReference, deleted, anticipated, anticipable, creditDate, estimatedCreditDate
        case transactionReceiptUrl, nossoNumero, bankSlipUrl, postalService, refunds
    }

    enum CardKeys: String, CodingKey {
        case creditCardNumber, creditCardBrand, creditCardToken
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("payment", forKey: .object)
        try c.encode(id, forKey: .id)
        try c.encode(dateCreated, forKey: .dateCreated)
        try c.encode(customer, forKey: .customer)
        try c.encode(nil as String?, forKey: .paymentLink)
        try c.encode(AsaasMoney.reais(value), forKey: .value)
        // The sandbox charges no fees, so the net value is the value.
        try c.encode(AsaasMoney.reais(value), forKey: .netValue)
        try c.encode(nil as Decimal?, forKey: .originalValue)
        try c.encode(nil as Decimal?, forKey: .interestValue)
        try c.encode(description, forKey: .description)
        try c.encode(billingType.rawValue, forKey: .billingType)
        if let card {
            var cardContainer = c.nestedContainer(keyedBy: CardKeys.self, forKey: .creditCard)
            try cardContainer.encode(card.lastDigits, forKey: .creditCardNumber)
            try cardContainer.encode(card.brand, forKey: .creditCardBrand)
            try cardContainer.encode(card.token, forKey: .creditCardToken)
        }
        try c.encode(billingType == .boleto, forKey: .canBePaidAfterDueDate)
        try c.encode(nil as String?, forKey: .pixTransaction)
        try c.encode(confirmedDate, forKey: .confirmedDate)
        try c.encode(status.rawValue, forKey: .status)
        try c.encode(dueDate, forKey: .dueDate)
        try c.encode(originalDueDate, forKey: .originalDueDate)
        try c.encode(paymentDate, forKey: .paymentDate)
        try c.encode(clientPaymentDate, forKey: .clientPaymentDate)
        try c.encode(nil as Int?, forKey: .installmentNumber)
        try c.encode("https://sandbox.asaas.com/i/\(shortID)", forKey: .invoiceUrl)
        try c.encode(invoiceNumber, forKey: .invoiceNumber)
        try c.encode(externalReference, forKey: .externalReference)
        try c.encode(deleted, forKey: .deleted)
        try c.encode(false, forKey: .anticipated)
        try c.encode(false, forKey: .anticipable)
        try c.encode(paymentDate, forKey: .creditDate)
        try c.encode(paymentDate, forKey: .estimatedCreditDate)
        try c.encode(nil as String?, forKey: .transactionReceiptUrl)
        try c.encode(nossoNumero, forKey: .nossoNumero)
        try c.encode(
            billingType == .boleto || billingType == .undefined ? "https://sandbox.asaas.com/b/pdf/\(shortID)" : nil,
            forKey: .bankSlipUrl
        )
        try c.encode(false, forKey: .postalService)
        if refunds.isEmpty {
            try c.encode(nil as [Refund]?, forKey: .refunds)
        } else {
            try c.encode(refunds, forKey: .refunds)
        }
    }
}
