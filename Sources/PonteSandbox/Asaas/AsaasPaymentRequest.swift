import Foundation

/// The body of `POST /v3/payments`, and the checks Asaas makes before creating a charge.
struct AsaasPaymentRequest: Decodable {
    struct CreditCard: Decodable {
        var holderName: String?
        var number: String?
        var expiryMonth: String?
        var expiryYear: String?
        var ccv: String?
    }

    struct HolderInfo: Decodable {
        var name: String?
        var email: String?
        var cpfCnpj: String?
        var postalCode: String?
        var addressNumber: String?
        var phone: String?
    }

    var customer: String?
    var billingType: String?
    var value: Decimal?
    var dueDate: String?
    var description: String?
    var externalReference: String?
    var creditCard: CreditCard?
    var creditCardHolderInfo: HolderInfo?

    /// Set by `validate`.
    private(set) var centavos = 0
    private(set) var billing = AsaasPayment.BillingType.undefined

    enum CodingKeys: String, CodingKey {
        case customer, billingType, value, dueDate, description, externalReference, creditCard, creditCardHolderInfo
    }

    /// Every problem of the request at once, as Asaas lists them.
    mutating func validate(today: String, now: Date) throws(AsaasError) {
        var problems: [AsaasError.Item] = []
        func problem(_ code: String, _ description: String) {
            problems.append(AsaasError.Item(code: code, description: description))
        }
        if customer?.isEmpty ?? true { problem("invalid_customer", "O campo customer deve ser informado.") }
        if let type = billingType.flatMap(AsaasPayment.BillingType.init(rawValue:)) {
            billing = type
        } else {
            problem(
                "invalid_billingType", "Informe uma forma de pagamento válida: UNDEFINED, BOLETO, CREDIT_CARD ou PIX.")
        }
        if let value {
            if let amount = AsaasMoney.centavos(value) {
                centavos = amount
            } else {
                problem(
                    "invalid_value", "O valor da cobrança deve ser maior que zero e ter no máximo duas casas decimais.")
            }
        } else {
            problem("invalid_value", "O campo value deve ser informado")
        }
        if let dueDate {
            if BrazilTime.day(dueDate) == nil {
                problem("invalid_dueDate", "A data de vencimento deve estar no formato AAAA-MM-DD.")
            } else if dueDate < today {
                problem("invalid_dueDate", "A data de vencimento não pode ser inferior à hoje")
            }
        } else {
            problem("invalid_dueDate", "O campo dueDate deve ser informado")
        }
        if let creditCard {
            problems += Self.cardProblems(creditCard, holder: creditCardHolderInfo, now: now)
            if billing != .creditCard {
                problem("invalid_billingType", "Dados de cartão só podem ser informados em cobranças CREDIT_CARD.")
            }
        }
        if !problems.isEmpty {
            var error = AsaasError.invalid("", "")
            error.errors = problems
            throw error
        }
    }

    private static func cardProblems(_ card: CreditCard, holder: HolderInfo?, now: Date) -> [AsaasError.Item] {
        var problems: [AsaasError.Item] = []
        func problem(_ description: String) {
            problems.append(AsaasError.Item(code: "invalid_creditCard", description: description))
        }
        if card.holderName?.isEmpty ?? true { problem("Informe o nome impresso no cartão.") }
        let digits = card.number?.filter(\.isNumber) ?? ""
        if !(13...19).contains(digits.count) || !luhnValid(digits) {
            problem("O número do cartão de crédito é inválido.")
        }
        let month = card.expiryMonth.flatMap { Int($0) } ?? 0
        var year = card.expiryYear.flatMap { Int($0) } ?? 0
        if (0..<100).contains(year), card.expiryYear?.count == 2 { year += 2000 }
        let parts = Calendar(identifier: .gregorian).dateComponents(in: BrazilTime.timeZone, from: now)
        if !(1...12).contains(month) || year < 2000 {
            problem("Informe a validade do cartão (expiryMonth e expiryYear).")
        } else if (year, month) < (parts.year ?? 0, parts.month ?? 0) {
            problem("A validade do cartão de crédito está expirada.")
        }
        if !(3...4).contains(card.ccv?.count ?? 0) || !(card.ccv ?? "").allSatisfy(\.isNumber) {
            problem("Informe o código de segurança do cartão.")
        }
        if let holder {
            let missing = [
                ("name", holder.name), ("email", holder.email), ("cpfCnpj", holder.cpfCnpj),
                ("postalCode", holder.postalCode), ("addressNumber", holder.addressNumber), ("phone", holder.phone),
            ].filter { $0.1?.isEmpty ?? true }.map(\.0)
            if !missing.isEmpty {
                problems.append(
                    AsaasError.Item(
                        code: "invalid_creditCardHolderInfo",
                        description: "Informe os dados do titular do cartão: \(missing.joined(separator: ", "))."
                    )
                )
            } else if let taxID = holder.cpfCnpj, BrazilianTaxID(taxID) == nil {
                problems.append(
                    AsaasError.Item(code: "invalid_cpfCnpj", description: "O CPF/CNPJ informado é inválido."))
            }
        } else {
            problems.append(
                AsaasError.Item(
                    code: "invalid_creditCardHolderInfo", description: "Informe os dados do titular do cartão.")
            )
        }
        return problems
    }

    static func luhnValid(_ digits: String) -> Bool {
        var sum = 0
        for (index, digit) in digits.reversed().compactMap(\.wholeNumberValue).enumerated() {
            let value = index % 2 == 1 ? digit * 2 : digit
            sum += value > 9 ? value - 9 : value
        }
        return !digits.isEmpty && sum % 10 == 0
    }
}

/// The card brand Asaas reports, from the number's first digits.
enum CardBrand {
    static func of(_ digits: String) -> String {
        let two = Int(digits.prefix(2)) ?? 0
        let four = Int(digits.prefix(4)) ?? 0
        switch digits.first {
        case "4": return "VISA"
        case "5" where (51...55).contains(two): return "MASTERCARD"
        case "2" where (2221...2720).contains(four): return "MASTERCARD"
        case "3" where two == 34 || two == 37: return "AMEX"
        case "3" where two == 36 || two == 38 || (300...305).contains(Int(digits.prefix(3)) ?? 0): return "DINERS"
        case "3" where two == 35: return "JCB"
        case "6" where four == 6011 || two == 65: return "DISCOVER"
        default: return "UNKNOWN"
        }
    }
}
