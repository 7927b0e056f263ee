import Foundation
import Logging
import PonteCore
import PonteJobs
import PonteKit
import PonteProviders

/// Payment sessions and Asaas: the charge a session is paid by, what Asaas's webhooks do to
/// the session, expiry, and the refund of a payment that came too late.
///
/// One charge per session: its `externalReference` is the session id and the client creates
/// one only when Asaas has none with it, so a retried request (the same Idempotency-Key)
/// finds the charge made before, and two sessions never share one.
struct SessionPayments: Sendable {
    let context: ModuleContext
    /// How long a customer has to pay (`PONTE_KIOSK_SESSION_MINUTES`).
    let window: Duration
    let ticketFault: TicketFault?

    static let expire = JobKind<SessionReference>("kiosk.session.expire", queue: TicketPrinting.queue, priority: .high, maxAttempts: 20)
    static let refund = JobKind<SessionReference>(
        "kiosk.session.refund", queue: TicketPrinting.queue, priority: .high, maxAttempts: 12, provider: "asaas")

    static func expireKey(_ id: String) -> String { "kiosk:expire:\(id)" }
    static func refundKey(_ id: String) -> String { "kiosk:refund:\(id)" }

    func asaas() throws -> AsaasClient {
        guard let asaas = context.providers.asaas else {
            throw APIError.conflict(
                "PAYMENT_PROVIDER_NOT_CONFIGURED", "Asaas has no API key (ASAAS_API_KEY): the kiosk cannot charge; set it, or run with --sandbox")
        }
        return asaas
    }

    // MARK: The charge

    struct Charge: Sendable {
        var transactionID: String
        var pix: PixDetails?
        var paymentLink: String?
    }

    /// Creates (or finds) the session's Asaas charge.
    func charge(_ session: PaymentSession, timeZone: String) async throws -> Charge {
        let asaas = try asaas()
        guard let cpf = CPF(session.customerCPF) else { throw PrintFailure("the session's CPF is not valid") }
        let customer = try await asaas.createCustomer(
            AsaasCustomerCreate(name: session.customerName, cpfCnpj: cpf.digits), idempotencyKey: "ponte-cpf-\(cpf.digits)")
        let payment = try await asaas.createPayment(
            AsaasPaymentCreate(
                customer: customer.id, billingType: session.paymentMethod == .pix ? .pix : .creditCard, valueMinorUnits: session.amount,
                dueDate: TicketFlow.localDay(context.jobs.clock.now(), timeZone: timeZone), description: "\(session.serviceName) (\(session.id))"),
            idempotencyKey: session.id)
        var charge = Charge(transactionID: payment.id, paymentLink: payment.invoiceUrl)
        if session.paymentMethod == .pix {
            let qr = try await asaas.pixQrCode(paymentID: payment.id)
            charge.pix = PixDetails(copyPaste: qr.payload, qrCodePNGBase64: qr.encodedImage ?? "")
        }
        return charge
    }

    // MARK: Webhooks

    struct AsaasWebhook: Decodable {
        struct Payment: Decodable {
            let id: String
            let externalReference: String?
        }

        let event: String
        let payment: Payment
    }

    /// What an Asaas payment event means for a session (Asaas's event names).
    enum PaymentNews: Equatable {
        case paid
        case failed
        case cancelled
        case expired
        case refunded

        init?(event: String) {
            switch event {
            case "PAYMENT_CONFIRMED", "PAYMENT_RECEIVED": self = .paid
            case "PAYMENT_CREDIT_CARD_CAPTURE_REFUSED", "PAYMENT_REPROVED_BY_RISK_ANALYSIS": self = .failed
            case "PAYMENT_DELETED": self = .cancelled
            case "PAYMENT_OVERDUE": self = .expired
            case "PAYMENT_REFUNDED": self = .refunded
            default: return nil
            }
        }
    }

    /// Asaas's payment events, for kiosk sessions.
    func subscription() -> EventSubscription {
        EventSubscription(
            "kiosk.asaas_payments", provider: "asaas", eventTypes: ["PAYMENT_*"],
            accepts: { AsaasPaymentReference.isAbsentOrHasPrefix(KioskStorage.sessionIDs.prefix, in: $0) }
        ) { event, job in
            let webhook = try event.decode(AsaasWebhook.self)
            guard let news = PaymentNews(event: webhook.event) else { return .ignored(reason: "\(webhook.event) does not move a kiosk session") }
            let sessionID = webhook.payment.externalReference.flatMap { $0.hasPrefix(KioskStorage.sessionIDs.prefix) ? $0 : nil }
            let reason = "Asaas \(webhook.event)"
            let fault = ticketFault
            job.onSuccess { unit in
                try await Self.apply(news, reason: reason, sessionID: sessionID, transactionID: webhook.payment.id, fault: fault, in: unit)
            }
            // A ticket that could not be made (the unit above threw): the payment is kept as
            // confirmed and the session shows why, while this delivery is retried.
            job.onFailure { unit, failure in
                guard news == .paid else { return }
                try await Self.confirmWithoutTicket(sessionID: sessionID, transactionID: webhook.payment.id, reason: reason, error: failure, in: unit)
            }
            return .processed
        }
    }

    static func lock(sessionID: String?, transactionID: String, in unit: UnitOfWork) async throws -> PaymentSession? {
        if let sessionID, let session = try await KioskStorage.lockSession(sessionID, in: unit) { return session }
        return try await KioskStorage.lockSession(transactionID: transactionID, in: unit)
    }

    /// Applies the provider's news to the session, once: the session paid makes its ticket in
    /// the same unit of work; a payment for a session that can no longer use it is refunded.
    static func apply(
        _ news: PaymentNews, reason: String, sessionID: String?, transactionID: String, fault: TicketFault? = nil, in unit: UnitOfWork
    ) async throws {
        guard var session = try await lock(sessionID: sessionID, transactionID: transactionID, in: unit) else { return }
        let now = KioskStorage.timestamp(unit.now)
        if session.transactionID == nil, !transactionID.isEmpty { session.transactionID = transactionID }
        switch news {
        case .paid:
            switch session.status {
            case .pending:
                session.status = .paid
                session.paidAt = now
                session.statusHistory.append(SessionStatusChange(status: .paid, at: now, reason: reason))
            case .paid:
                guard session.ticket == nil else { return }  // the same payment again: nothing more to do
            case .failed, .cancelled, .expired:
                guard session.refund == nil else { return }
                session.refund = Refund(reason: "paid after the session was \(session.status.rawValue.lowercased())", requestedAt: now)
                try await unit.enqueue(refund, SessionReference(sessionID: session.id), uniqueKey: refundKey(session.id))
                session.updatedAt = now
                try await KioskStorage.updateSession(session, in: unit)
                return
            }
            _ = try await unit.cancelPendingJobs(uniqueKeys: [expireKey(session.id)])
            try fault?.check()
            let ticket = try await TicketFlow.make(for: session, in: unit)
            session.ticket = ticket.summary
            session.ticketError = nil
        case .failed, .cancelled, .expired:
            guard session.status == .pending else { return }
            let status: SessionStatus = news == .failed ? .failed : news == .cancelled ? .cancelled : .expired
            session.status = status
            session.statusHistory.append(SessionStatusChange(status: status, at: now, reason: reason))
            _ = try await unit.cancelPendingJobs(uniqueKeys: [expireKey(session.id)])
        case .refunded:
            guard var refund = session.refund, refund.refundedAt == nil else { return }
            refund.refundedAt = now
            refund.error = nil
            session.refund = refund
        }
        session.updatedAt = now
        try await KioskStorage.updateSession(session, in: unit)
    }

    /// The payment is confirmed though its ticket could not be made: the session is `PAID`
    /// with `ticket_error`, listed by the integration status until the retry makes the ticket.
    static func confirmWithoutTicket(
        sessionID: String?, transactionID: String, reason: String, error: JobAttemptFailure, in unit: UnitOfWork
    ) async throws {
        guard var session = try await lock(sessionID: sessionID, transactionID: transactionID, in: unit), session.ticket == nil,
            session.status == .pending || session.status == .paid
        else { return }
        let now = KioskStorage.timestamp(unit.now)
        if session.status == .pending {
            session.status = .paid
            session.paidAt = now
            session.statusHistory.append(SessionStatusChange(status: .paid, at: now, reason: reason))
            _ = try await unit.cancelPendingJobs(uniqueKeys: [expireKey(session.id)])
        }
        if session.transactionID == nil, !transactionID.isEmpty { session.transactionID = transactionID }
        session.ticketError =
            "the ticket could not be made: \(error.error)"
            + (error.final ? " (gave up after \(error.attempt) attempts; replay the webhook to try again)" : "; retrying")
        session.updatedAt = now
        try await KioskStorage.updateSession(session, in: unit)
    }

    // MARK: Expiry and refunds

    /// A session still unpaid at its `expires_at` expires, and its charge is deleted at Asaas
    /// so it can no longer be paid. A charge Asaas already shows paid (its webhook is late)
    /// makes the ticket instead: the customer paid in time. A payment that gets through
    /// after the session expired is refunded.
    func expire(_ reference: SessionReference, job: JobContext) async throws {
        guard let session = try await KioskStorage.session(reference.sessionID, on: context.database), session.status == .pending else { return }
        var paidAtAsaas = false
        if let transactionID = session.transactionID, let asaas = context.providers.asaas {
            do {
                let payment = try await asaas.retrievePayment(id: transactionID)
                paidAtAsaas = ["RECEIVED", "CONFIRMED", "RECEIVED_IN_CASH"].contains(payment.status ?? "")
                if !paidAtAsaas { _ = try await asaas.deletePayment(id: transactionID) }
            } catch {
                job.logger.warning(
                    "could not check or delete the expired session's charge; a payment that still arrives will be refunded",
                    metadata: ["session_id": "\(session.id)", "error": "\(error)"])
            }
        }
        let fault = ticketFault
        job.onSuccess { [paidAtAsaas] unit in
            if paidAtAsaas {
                try await Self.apply(
                    .paid, reason: "Asaas shows the charge paid (its webhook had not arrived) when the session expired",
                    sessionID: reference.sessionID, transactionID: "", fault: fault, in: unit)
            } else {
                try await Self.apply(.expired, reason: "not paid within the session's window", sessionID: reference.sessionID, transactionID: "", in: unit)
            }
        }
    }

    func refund(_ reference: SessionReference, job: JobContext) async throws {
        guard let session = try await KioskStorage.session(reference.sessionID, on: context.database), let transactionID = session.transactionID,
            session.refund?.refundedAt == nil
        else { return }
        let asaas = try asaas()
        job.onFailure { unit, failure in
            guard var session = try await KioskStorage.lockSession(reference.sessionID, in: unit) else { return }
            session.refund?.error = failure.error
            try await KioskStorage.updateSession(session, in: unit)
        }
        _ = try await asaas.refundPayment(
            id: transactionID, description: "Sessão \(session.id) (\(session.refund?.reason ?? "refund"))", idempotencyKey: "refund-\(session.id)")
        // PAYMENT_REFUNDED, when Asaas sends it, records the refund as done.
    }
}

struct SessionReference: Codable, Sendable, Equatable {
    let sessionID: String

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id"
    }
}
