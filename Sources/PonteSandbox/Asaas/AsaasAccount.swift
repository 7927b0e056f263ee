import Foundation
import Synchronization

/// The simulated Asaas account: its customers and charges, their state machine, the
/// webhooks each change sends and the money each payment and refund moves.
///
/// Charges go `PENDING` → `RECEIVED` (PIX, boleto) or `CONFIRMED` (card) when paid,
/// `PENDING` → `OVERDUE` when the sandbox clock passes the due date (an overdue charge can
/// still be paid), and a paid charge takes refunds until their sum reaches its value, when
/// it becomes `REFUNDED`. Only unpaid charges can be deleted.
final class AsaasAccount: Sendable {
    private struct State {
        var customers: [String: AsaasCustomer] = [:]
        var customerOrder: [String] = []
        var payments: [String: AsaasPayment] = [:]
        var paymentOrder: [String] = []
        var nextInvoice = 5_101
        var nextNossoNumero = 10_326_944
        var nextEvent = 368_604_920
    }

    /// What one change produced, sent once the lock is released.
    private struct Effects {
        var events: [(event: String, payment: AsaasPayment)] = []
        var ledger: [Ledger.Entry] = []
    }

    /// Card numbers Asaas documents as declined in its sandbox.
    static let declinedCards: Set<String> = ["5184019740373151", "4916561358240741"]

    private static let idCharacters = Array("0123456789abcdefghijklmnopqrstuvwxyz")

    private let state = Mutex(State())
    private let environment: SandboxEnvironment
    /// The `account.id` of every webhook.
    let accountID = SandboxIDs.uuid()

    init(environment: SandboxEnvironment) {
        self.environment = environment
    }

    private var today: String { BrazilTime.date(environment.clock.now()) }

    // MARK: Customers

    func createCustomer(_ creation: AsaasCustomer.Creation) throws(AsaasError) -> AsaasCustomer {
        let id = "cus_" + String(format: "%012ld", Int.random(in: 1...999_999_999_999))
        let customer = try AsaasCustomer(id: id, dateCreated: today, creation: creation)
        state.withLock { state in
            state.customers[id] = customer
            state.customerOrder.append(id)
        }
        return customer
    }

    func customer(_ id: String) -> AsaasCustomer? {
        state.withLock { $0.customers[id] }
    }

    /// Customers, newest first, that `keep` accepts.
    func customers(where keep: (AsaasCustomer) -> Bool) -> [AsaasCustomer] {
        state.withLock { state in state.customerOrder.reversed().compactMap { state.customers[$0] }.filter(keep) }
    }

    // MARK: Payments

    func payment(_ id: String) -> AsaasPayment? {
        state.withLock { $0.payments[id] }
    }

    /// Charges that are not deleted, newest first, that `keep` accepts.
    func payments(where keep: (AsaasPayment) -> Bool) -> [AsaasPayment] {
        state.withLock { state in
            state.paymentOrder.reversed().compactMap { state.payments[$0] }.filter { !$0.deleted && keep($0) }
        }
    }

    /// Creates a charge; a card charge with card details is paid at once (or refused, and
    /// then not created, as Asaas does).
    func createPayment(_ request: AsaasPaymentRequest) throws(AsaasError) -> AsaasPayment {
        var request = request
        let today = self.today
        try request.validate(today: today, now: environment.clock.now())
        guard let customerID = request.customer, customer(customerID) != nil else {
            throw .invalid("invalid_customer", "Cliente inexistente.")
        }
        if let card = request.creditCard, let number = card.number,
            Self.declinedCards.contains(number.filter(\.isNumber))
        {
            throw .invalid("invalid_creditCard", "Transação não autorizada.")
        }
        let id = "pay_" + String((0..<16).map { _ in Self.idCharacters.randomElement() ?? "0" })
        var effects = Effects()
        let payment = state.withLock { state -> AsaasPayment in
            var payment = AsaasPayment(
                id: id, dateCreated: today, customer: customerID, value: request.centavos,
                billingType: request.billing, status: .pending, dueDate: request.dueDate ?? today,
                originalDueDate: request.dueDate ?? today, description: request.description,
                externalReference: request.externalReference,
                invoiceNumber: String(format: "%08ld", state.nextInvoice)
            )
            state.nextInvoice += 1
            if payment.billingType == .boleto || payment.billingType == .undefined {
                let nossoNumero = String(state.nextNossoNumero)
                state.nextNossoNumero += 1
                payment.nossoNumero = nossoNumero
                payment.identificationField =
                    Boleto(
                        bank: "461", dueDate: payment.dueDate, centavos: payment.value, freeField: nossoNumero
                    ).linhaDigitavel
            }
            effects.events.append(("PAYMENT_CREATED", payment))
            if let card = request.creditCard, let number = card.number {
                let digits = number.filter(\.isNumber)
                payment.card = AsaasPayment.Card(
                    lastDigits: String(digits.suffix(4)), brand: CardBrand.of(digits), token: SandboxIDs.uuid()
                )
                markPaid(&payment, effects: &effects)
            }
            state.payments[id] = payment
            state.paymentOrder.append(id)
            return payment
        }
        deliver(effects)
        return payment
    }

    /// Pays a pending or overdue charge: `RECEIVED` for PIX and boleto, `CONFIRMED` for card.
    func pay(_ id: String) throws(AsaasError) -> AsaasPayment {
        try change(id) { payment, effects throws(AsaasError) in
            guard !payment.deleted, payment.status == .pending || payment.status == .overdue else {
                throw .invalid(
                    "invalid_action", "Somente cobranças aguardando pagamento ou vencidas podem ser confirmadas.")
            }
            markPaid(&payment, effects: &effects)
        }
    }

    /// Makes a pending charge overdue, as the clock passing its due date does.
    func makeOverdue(_ id: String) throws(AsaasError) -> AsaasPayment {
        try change(id) { payment, effects throws(AsaasError) in
            guard !payment.deleted, payment.status == .pending else {
                throw .invalid("invalid_action", "Somente cobranças aguardando pagamento podem ser vencidas.")
            }
            payment.status = .overdue
            effects.events.append(("PAYMENT_OVERDUE", payment))
        }
    }

    /// A card charge whose capture the card issuer refused: it stays pending.
    func refuseCard(_ id: String) throws(AsaasError) -> AsaasPayment {
        try change(id) { payment, effects throws(AsaasError) in
            guard !payment.deleted, payment.billingType == .creditCard, payment.status == .pending else {
                throw .invalid(
                    "invalid_action", "Somente cobranças de cartão aguardando pagamento podem ser recusadas.")
            }
            effects.events.append(("PAYMENT_CREDIT_CARD_CAPTURE_REFUSED", payment))
        }
    }

    /// Removes an unpaid charge.
    func delete(_ id: String) throws(AsaasError) -> AsaasPayment {
        try change(id) { payment, effects throws(AsaasError) in
            guard !payment.deleted else { throw .notFound("Cobrança") }
            guard payment.status == .pending || payment.status == .overdue else {
                throw .invalid("invalid_action", "Não é possível remover uma cobrança que já foi paga ou estornada.")
            }
            payment.deleted = true
            effects.events.append(("PAYMENT_DELETED", payment))
        }
    }

    /// Refunds `centavos` (nil: what is left) of a paid charge.
    func refund(_ id: String, centavos: Int?, description: String?) throws(AsaasError) -> AsaasPayment {
        try change(id) { payment, effects throws(AsaasError) in
            guard !payment.deleted, payment.isPaid else {
                throw .invalid("invalid_action", "Somente cobranças recebidas ou confirmadas podem ser estornadas.")
            }
            let left = payment.value - payment.refunded
            let amount = centavos ?? left
            guard amount > 0, amount <= left else {
                throw .invalid(
                    "invalid_value",
                    "O valor do estorno não pode ser maior que o valor disponível para estorno (R$ \(AsaasMoney.reais(left)))."
                )
            }
            let refund = AsaasPayment.Refund(
                dateCreated: BrazilTime.dateTime(environment.clock.now()), value: amount, description: description
            )
            payment.refunds.append(refund)
            let full = payment.refunded == payment.value
            if full { payment.status = .refunded }
            effects.events.append((full ? "PAYMENT_REFUNDED" : "PAYMENT_PARTIALLY_REFUNDED", payment))
            effects.ledger.append(
                ledgerEntry(
                    .refund, objectID: "\(payment.id)/refund/\(payment.refunds.count)", payment: payment,
                    amount: amount, reference: description
                )
            )
        }
    }

    /// Pending charges whose due date is before `now`'s day become overdue.
    func sweepOverdue(now: Date) {
        let today = BrazilTime.date(now)
        var effects = Effects()
        state.withLock { state in
            for id in state.paymentOrder {
                guard var payment = state.payments[id], !payment.deleted, payment.status == .pending,
                    payment.dueDate < today
                else { continue }
                payment.status = .overdue
                state.payments[id] = payment
                effects.events.append(("PAYMENT_OVERDUE", payment))
            }
        }
        deliver(effects)
    }

    // MARK: Changes, webhooks and the ledger

    private func change(
        _ id: String, _ body: (inout AsaasPayment, inout Effects) throws(AsaasError) -> Void
    ) throws(AsaasError) -> AsaasPayment {
        var effects = Effects()
        let result: Result<AsaasPayment, AsaasError> = state.withLock { state in
            guard var payment = state.payments[id] else { return .failure(.notFound("Cobrança")) }
            do throws(AsaasError) {
                try body(&payment, &effects)
            } catch {
                return .failure(error)
            }
            state.payments[id] = payment
            return .success(payment)
        }
        let payment = try result.get()
        deliver(effects)
        return payment
    }

    private func markPaid(_ payment: inout AsaasPayment, effects: inout Effects) {
        let today = self.today
        let isCard = payment.billingType == .creditCard
        payment.status = isCard ? .confirmed : .received
        payment.confirmedDate = today
        payment.clientPaymentDate = today
        payment.paymentDate = today
        effects.events.append((isCard ? "PAYMENT_CONFIRMED" : "PAYMENT_RECEIVED", payment))
        effects.ledger.append(
            ledgerEntry(
                .charge, objectID: payment.id, payment: payment, amount: payment.value,
                reference: payment.externalReference)
        )
    }

    private func ledgerEntry(
        _ kind: Ledger.Entry.Kind, objectID: String, payment: AsaasPayment, amount: Int, reference: String?
    ) -> Ledger.Entry {
        Ledger.Entry(
            provider: .asaas, kind: kind, objectID: objectID, paymentID: payment.id, amount: amount, currency: "BRL",
            reference: reference, at: environment.clock.unixSeconds()
        )
    }

    private func deliver(_ effects: Effects) {
        for entry in effects.ledger { environment.ledger.record(entry) }
        for (event, payment) in effects.events {
            let number = state.withLock { state in
                defer { state.nextEvent += 1 }
                return state.nextEvent
            }
            let webhook = AsaasWebhookBody(
                id: "evt_\(SandboxIDs.hex("", length: 32))&\(number)", event: event,
                dateCreated: BrazilTime.dateTime(environment.clock.now()), accountID: accountID, payment: payment
            )
            let bytes = (try? SandboxJSON.encoder.encode(webhook)).map { Array($0) } ?? []
            environment.webhooks.send(
                SandboxWebhook(provider: .asaas, eventID: webhook.id, eventType: event, body: .json(bytes))
            )
        }
    }
}

/// The body of an Asaas webhook: `{"id","event","dateCreated","account":{...},"payment":{...}}`.
struct AsaasWebhookBody: Encodable {
    var id: String
    var event: String
    var dateCreated: String
    var accountID: String
    var payment: AsaasPayment

    enum CodingKeys: String, CodingKey { case id, event, dateCreated, account, payment }
    enum AccountKeys: String, CodingKey { case id, ownerId }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(event, forKey: .event)
        try c.encode(dateCreated, forKey: .dateCreated)
        var account = c.nestedContainer(keyedBy: AccountKeys.self, forKey: .account)
        try account.encode(accountID, forKey: .id)
        // Null for a root account, which the sandbox's is.
        try account.encode(nil as String?, forKey: .ownerId)
        try c.encode(payment, forKey: .payment)
    }
}
