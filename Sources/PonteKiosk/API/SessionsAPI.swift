import Crypto
import Foundation
import Hummingbird
import NIOCore
import PonteCore
import PonteJobs
import PonteKit
import PonteProviders
import PonteStore

/// Payment sessions: a kiosk opens one for a service and shows what it answers to pay it;
/// the payment's webhook makes the ticket. Also the integration's health, its self-test on
/// the sandbox, and the operators' webhook simulation (seed 002).
struct SessionsAPI: Sendable {
    let context: ModuleContext
    let payments: SessionPayments
    /// `PONTE_ENV=production`: no simulated webhooks, no self-test payments.
    let production: Bool

    func addRoutes(to routes: inout APIRoutes) {
        let tags = ["Kiosk"]
        routes.post(
            "payment-sessions",
            APIOperation(
                "createPaymentSession", "Open a payment session for a service",
                description: """
                    Creates the session's Asaas charge and answers what the kiosk shows to pay it: the PIX BR Code and QR code, or the \
                    card payment link. The session expires at expires_at; its payment's webhook makes the ticket. With an \
                    Idempotency-Key a retry returns the same session (200), completing its charge if an earlier try could not.
                    """,
                tags: tags
            )
            .header("Idempotency-Key", IdempotencyKey.schema, "Makes a retry return the same session")
            .body(
                .object([
                    "service_id": .string(), "customer_name": .string(minLength: 1, maxLength: 200),
                    "customer_cpf": .string("11 digits, or punctuated: 529.982.247-25"),
                    "payment_method": .oneOf(KioskPaymentMethod.allCases.map(\.rawValue)),
                ])
            )
            .response(201, .ref("PaymentSession"), "Created")
            .response(200, .ref("PaymentSession"), "The session this Idempotency-Key opened before")
            .errors(400, "INVALID_JSON", "INVALID_FIELD", "CPF_INVALID", "INVALID_IDEMPOTENCY_KEY")
            .errors(404, "SERVICE_NOT_FOUND")
            .errors(409, "IDEMPOTENCY_KEY_REUSED", "SERVICE_INACTIVE", "PAYMENT_PROVIDER_NOT_CONFIGURED")
            .errors(422, "PAYMENT_REFUSED_BY_PROVIDER")
            .errors(502, "PAYMENT_PROVIDER_UNAVAILABLE"),
            access: .authenticated, create)
        routes.get(
            "payment-sessions/{session_id}",
            APIOperation("getPaymentSession", "A payment session, with its ticket once there is one", tags: tags)
                .response(200, .ref("PaymentSession"), "The session").errors(404, "SESSION_NOT_FOUND"),
            access: .authenticated, get)
        IntegrationAPI(context: context, sessions: self).addRoutes(to: &routes)
    }

    // MARK: Opening a session

    struct NewSession: Decodable {
        let serviceID: String
        let customerName: String
        let customerCPF: String
        let paymentMethod: KioskPaymentMethod

        enum CodingKeys: String, CodingKey {
            case serviceID = "service_id"
            case customerName = "customer_name"
            case customerCPF = "customer_cpf"
            case paymentMethod = "payment_method"
        }
    }

    @Sendable func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try KioskAccess.check(context)
        let key = try IdempotencyKey.read(request)
        let body = try await request.body.collect(upTo: 64 * 1024)
        let input = try APIJSON.decodeBody(
            NewSession.self, from: body,
            expected: #"{"service_id": "svc_…", "customer_name": "João Silva", "customer_cpf": "529.982.247-25", "payment_method": "pix"}"#)
        let hash = SHA256.hash(data: Data(body.readableBytesView)).map { String(format: "%02x", $0) }.joined()
        let (session, created) = try await open(input, idempotencyKey: key, requestHash: hash)
        return try .json(encoding: try await withLiveTicket(session), status: created ? .created : .ok)
    }

    /// Opens the session (or finds the one `idempotencyKey` opened) and makes sure it has its
    /// charge; `created` is false for a session found by its key.
    func open(_ input: NewSession, idempotencyKey key: String?, requestHash: String?) async throws -> (PaymentSession, created: Bool) {
        _ = try payments.asaas()  // before anything is stored
        let name = input.customerName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(name.count) else {
            throw APIError.badRequest("INVALID_FIELD", "customer_name must be 1 to 200 characters", details: .object(["field": "customer_name"]))
        }
        guard let cpf = CPF(input.customerCPF) else {
            throw APIError.badRequest(
                "CPF_INVALID", "customer_cpf is not a valid CPF (its check digits do not match)", details: .object(["field": "customer_cpf"]))
        }
        guard let service = try await KioskStorage.service(input.serviceID, on: context.database),
            let location = try await KioskStorage.location(service.locationID, on: context.database)
        else {
            throw LocationsAPI.serviceNotFound(input.serviceID)
        }
        let window = payments.window
        func store() async throws -> (PaymentSession, created: Bool) {
            try await context.transaction { unit in
                if let key, let existing = try await KioskStorage.session(idempotencyKey: key, in: unit) {
                    guard existing.requestHash == requestHash else {
                        throw APIError.conflict(
                            "IDEMPOTENCY_KEY_REUSED", "Idempotency-Key '\(key)' was used for a different session; use a new key for a new session")
                    }
                    return (try KioskStorage.decode(PaymentSession.self, existing.document), false)
                }
                guard service.active else {
                    throw APIError.conflict("SERVICE_INACTIVE", "service \(service.id) is no longer sold", details: .object(["field": "service_id"]))
                }
                let at = KioskStorage.timestamp(unit.now)
                let expiry = unit.now + window.microseconds
                let session = PaymentSession(
                    id: KioskStorage.sessionIDs.next(at: KioskStorage.date(unit.now)), locationID: location.id, serviceID: service.id,
                    serviceName: service.name, ticketPrefix: service.ticketPrefix, customerName: name, customerCPF: cpf.formatted,
                    paymentMethod: input.paymentMethod, amount: service.price, status: .pending, expiresAt: KioskStorage.timestamp(expiry),
                    statusHistory: [SessionStatusChange(status: .pending, at: at, reason: "session opened")], createdAt: at, updatedAt: at)
                try await KioskStorage.insertSession(session, idempotencyKey: key, requestHash: key == nil ? nil : requestHash, in: unit)
                try await unit.enqueue(
                    SessionPayments.expire, SessionReference(sessionID: session.id), runAt: expiry, uniqueKey: SessionPayments.expireKey(session.id))
                return (session, true)
            }
        }
        var (session, created): (PaymentSession, Bool)
        do {
            (session, created) = try await store()
        } catch let error as StoreError where error.kind == .uniqueViolation && key != nil {
            (session, created) = try await store()  // the same key at the same moment: that request won
        }
        guard session.transactionID == nil, session.status == .pending else { return (session, created) }
        return (try await charge(session, timeZone: location.timeZone), created)
    }

    /// Creates the session's charge and records it; a provider that refuses fails the session,
    /// one that cannot be reached leaves it pending for a retry with the same key.
    private func charge(_ session: PaymentSession, timeZone: String) async throws -> PaymentSession {
        let charge: SessionPayments.Charge
        do {
            charge = try await payments.charge(session, timeZone: timeZone)
        } catch let error as ProviderCallError {
            let refused: Bool
            if case .rejected = error { refused = true } else { refused = false }
            try await recordChargeError(session.id, error: "\(error)", fail: refused)
            if refused {
                throw APIError.unprocessable("PAYMENT_REFUSED_BY_PROVIDER", "Asaas refused the charge: \(error)")
            }
            throw APIError(
                .badGateway, code: "PAYMENT_PROVIDER_UNAVAILABLE",
                message: "Asaas could not be reached (\(error)); retry with the same Idempotency-Key to complete this session")
        }
        return try await context.transaction { unit in
            guard var session = try await KioskStorage.lockSession(session.id, in: unit) else { throw Self.sessionNotFound(session.id) }
            if session.transactionID == nil { session.transactionID = charge.transactionID }
            if session.transactionID == charge.transactionID {
                session.pix = session.pix ?? charge.pix
                session.paymentLink = session.paymentLink ?? charge.paymentLink
            }
            session.chargeError = nil
            session.updatedAt = KioskStorage.timestamp(unit.now)
            try await KioskStorage.updateSession(session, in: unit)
            return session
        }
    }

    private func recordChargeError(_ id: String, error: String, fail: Bool) async throws {
        try await context.transaction { unit in
            guard var session = try await KioskStorage.lockSession(id, in: unit), session.status == .pending else { return }
            let now = KioskStorage.timestamp(unit.now)
            session.chargeError = error
            if fail {
                session.status = .failed
                session.statusHistory.append(SessionStatusChange(status: .failed, at: now, reason: "Asaas refused the charge: \(error)"))
                _ = try await unit.cancelPendingJobs(uniqueKeys: [SessionPayments.expireKey(id)])
            }
            session.updatedAt = now
            try await KioskStorage.updateSession(session, in: unit)
        }
    }

    // MARK: Reading

    @Sendable func get(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try KioskAccess.check(context)
        let id = try context.parameters.require("session_id")
        guard let session = try await KioskStorage.session(id, on: self.context.database) else { throw Self.sessionNotFound(id) }
        return try .json(encoding: try await withLiveTicket(session))
    }

    /// The session with its ticket's current status.
    func withLiveTicket(_ session: PaymentSession) async throws -> PaymentSession {
        guard let summary = session.ticket, let ticket = try await KioskStorage.ticket(summary.id, on: context.database) else { return session }
        var session = session
        session.ticket = ticket.summary
        return session
    }

    static func sessionNotFound(_ id: String) -> APIError { .notFound("SESSION_NOT_FOUND", "there is no payment session '\(id)'") }
}
