import Foundation
import PonteCore
import PonteJobs
import PonteKit
import PonteProviders

/// Asaas charges and refunds for orders, and what Asaas's webhooks do to them.
///
/// One charge per order: the charge's `externalReference` is the order id and the client
/// creates one only when Asaas has none with it (`AsaasClient.createPayment`), so a retry —
/// after a timeout, a crash, a lost answer — finds the charge made before. One refund per
/// order: the refund job is unique per order and the client sends a refund only when the
/// payment has none with the order's key.
struct OrderPayments: Sendable {
    let context: ModuleContext
    let notifier: CustomerNotifier
    /// How long a customer has to pay an online order (`PONTE_ORDERS_PAYMENT_WINDOW`, minutes).
    let paymentWindow: Duration

    private func asaas() throws -> AsaasClient {
        guard let asaas = context.providers.asaas else {
            throw JobFailure.permanent(reason: "Asaas has no API key (ASAAS_API_KEY): online payments cannot be charged")
        }
        return asaas
    }

    // MARK: The charge

    func createCharge(_ reference: OrderJobs.OrderReference, job: JobContext) async throws {
        guard let order = try await OrdersStorage.order(reference.orderID, on: context.database),
            order.paymentID == nil, order.paymentStatus == .pending, order.status == .pending
        else { return }
        let notifier = self.notifier
        job.onFailure { unit, failure in
            guard failure.final, let order = try await OrdersStorage.lockOrder(reference.orderID, in: unit),
                let (store, config) = try await OrdersStorage.store(order.storeID, in: unit)
            else { return }
            var flow = OrderFlow(unit: unit, order: order, store: store, config: config, notifier: notifier)
            flow.recordChargeError(failure.error)
            if flow.order.status == .pending {
                try await flow.changeStatus(to: .cancelled, by: .system, notes: "the payment could not be created: \(failure.error)")
            }
            try await flow.save()
        }
        let asaas = try asaas()
        guard let cpf = order.customerCPF.flatMap(CPF.init) else {
            throw JobFailure.permanent(reason: "order \(order.id) has no valid CPF: Asaas cannot charge it")
        }
        let customer = try await asaas.createCustomer(
            AsaasCustomerCreate(name: order.customerName ?? "Cliente \(cpf.digits.suffix(4))", cpfCnpj: cpf.digits),
            idempotencyKey: "ponte-cpf-\(cpf.digits)"
        )
        let now = context.jobs.clock.now()
        let created = OrdersStorage.date(now)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "America/Sao_Paulo")!
        let day = calendar.dateComponents([.year, .month, .day], from: created)
        let dueDate = String(format: "%04d-%02d-%02d", day.year ?? 1970, day.month ?? 1, day.day ?? 1)
        // Asaas charges cards, credit or debit, as CREDIT_CARD through its payment page.
        let billing: AsaasBillingType = order.paymentMethod == .pix ? .pix : .creditCard
        let payment = try await asaas.createPayment(
            AsaasPaymentCreate(
                customer: customer.id, billingType: billing,
                valueMinorUnits: order.total, dueDate: dueDate, description: "Pedido \(order.id)"),
            idempotencyKey: order.id
        )
        var details = PaymentDetails()
        details.billingType = payment.billingType?.rawValue
        details.paymentLink = payment.invoiceUrl
        let windowEnd = now + paymentWindow.microseconds
        var expiry = windowEnd
        if order.paymentMethod == .pix {
            let qr = try await asaas.pixQrCode(paymentID: payment.id)
            details.pixCopyPaste = qr.payload
            details.pixQrCodeBase64 = qr.encodedImage
            if let text = qr.expirationDate, let qrExpiry = Self.brazilTime(text) { expiry = min(expiry, qrExpiry) }
        }
        details.expiresAt = OrdersStorage.timestamp(expiry)
        job.onSuccess { [details, expiry] unit in
            guard let order = try await OrdersStorage.lockOrder(reference.orderID, in: unit),
                let (store, config) = try await OrdersStorage.store(order.storeID, in: unit)
            else { return }
            var flow = OrderFlow(unit: unit, order: order, store: store, config: config, notifier: notifier)
            flow.chargeCreated(paymentID: payment.id, details: details)
            if flow.order.status == .pending, !flow.order.reachedStore, flow.order.paymentStatus == .pending {
                try await flow.schedule(.paymentExpiry, at: expiry)
            }
            try await flow.save()
        }
    }

    /// `YYYY-MM-DD HH:MM:SS` in Brasília time (Asaas's dates), as microseconds.
    static func brazilTime(_ text: String) -> Int64? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "America/Sao_Paulo")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.date(from: text).map { Int64($0.timeIntervalSince1970 * 1_000_000) }
    }

    // MARK: The refund

    func refund(_ reference: OrderJobs.OrderReference, job: JobContext) async throws {
        guard let order = try await OrdersStorage.order(reference.orderID, on: context.database), order.paymentStatus == .paid,
            let paymentID = order.paymentID
        else { return }
        let asaas = try asaas()
        let notifier = self.notifier
        job.onFailure { unit, failure in
            // The payment stays PAID; the order shows why the refund has not happened yet.
            guard let order = try await OrdersStorage.lockOrder(reference.orderID, in: unit),
                let (store, config) = try await OrdersStorage.store(order.storeID, in: unit)
            else { return }
            var flow = OrderFlow(unit: unit, order: order, store: store, config: config, notifier: notifier)
            flow.recordRefundError(failure.final ? "\(failure.error) (gave up after \(failure.attempt) attempts; retry the job to try again)" : failure.error)
            try await flow.save()
        }
        _ = try await asaas.refundPayment(id: paymentID, description: "Pedido \(order.id) cancelado", idempotencyKey: "refund-\(order.id)")
        // PAYMENT_REFUNDED, when Asaas sends it, moves the payment and the order.
    }

    // MARK: Webhooks

    struct AsaasWebhook: Decodable {
        struct Payment: Decodable {
            let id: String
            let externalReference: String?
            let status: String?
        }

        let event: String
        let payment: Payment
    }

    /// Asaas's payment events, for orders: seed 003 §4.2's mapping, each effect once, never
    /// backwards.
    func subscription() -> EventSubscription {
        let notifier = self.notifier
        return EventSubscription(
            "orders.asaas_payments", provider: "asaas", eventTypes: ["PAYMENT_*"],
            accepts: { AsaasPaymentReference.isAbsentOrHasPrefix(OrdersStorage.orderIDs.prefix, in: $0) }
        ) { event, job in
            let webhook = try event.decode(AsaasWebhook.self)
            let type = AsaasPaymentEvent(rawValue: webhook.event)
            guard let status = type.paymentStatus else { return .ignored(reason: "\(webhook.event) does not move an order's payment") }
            let orderID = webhook.payment.externalReference
            job.onSuccess { unit in
                var found: Order?
                if let orderID, orderID.hasPrefix(OrdersStorage.orderIDs.prefix) {
                    found = try await OrdersStorage.lockOrder(orderID, in: unit)
                }
                if found == nil { found = try await OrdersStorage.lockOrder(paymentID: webhook.payment.id, in: unit) }
                guard let order = found, let (store, config) = try await OrdersStorage.store(order.storeID, in: unit) else { return }
                var flow = OrderFlow(unit: unit, order: order, store: store, config: config, notifier: notifier)
                if flow.order.paymentID == nil {
                    flow.chargeCreated(paymentID: webhook.payment.id, details: flow.order.paymentDetails)
                }
                if try await flow.changePayment(to: status, reason: webhook.event) {
                    try await flow.save()
                } else if flow.order.paymentID != order.paymentID {
                    try await flow.save()
                }
            }
            return .processed
        }
    }
}
