import Foundation
import Hummingbird
import NIOCore
import PonteCore
import PonteJobs
import PonteKit
import PonteProviders
import PonteStore

/// Seed 002's monitoring: how many paid sessions became tickets, and which did not; a
/// self-test of the whole flow on the sandbox; and a simulated payment webhook for operators.
struct IntegrationAPI: Sendable {
    let context: ModuleContext
    let sessions: SessionsAPI

    func addRoutes(to routes: inout APIRoutes) {
        let tags = ["Kiosk"]
        routes.get(
            "payment-sessions/integration/status",
            APIOperation(
                "getKioskIntegrationStatus", "Payments → tickets: the conversion, its time, and the paid sessions without a ticket",
                description: "healthy at 95 % or more of paid sessions with a ticket, warning from 80 %, critical below. issues lists every paid session still without a ticket, whatever the period.",
                tags: tags
            )
            .query("from", .timestamp(), "Sessions opened from (default: 24 hours ago)")
            .query("to", .timestamp(), "Sessions opened until (default: now)")
            .response(
                200,
                .object([
                    "period": .object(["from": .timestamp(), "to": .timestamp()]),
                    "summary": .object([
                        "total_payment_sessions": .integer(minimum: 0), "paid_sessions": .integer(minimum: 0),
                        "tickets_created": .integer(minimum: 0), "conversion_rate_percent": .number("100 when nothing was paid"),
                        "avg_integration_time_seconds": JSONSchema.number("Payment confirmed → ticket made").nullable,
                    ]),
                    "integration_health": .object([
                        "status": .oneOf(["healthy", "warning", "critical"]),
                        "issues": .array(
                            .object([
                                "session_id": .string(), "transaction_id": JSONSchema.string().optional, "customer_name": .string(),
                                "amount": KioskSchemas.money, "completed_at": .timestamp("When the payment was confirmed"),
                                "error": JSONSchema.string("Why the ticket is not there yet").optional,
                            ])),
                    ]),
                ]), "The integration's status")
            .errors(400, "INVALID_QUERY"),
            access: .authenticated, status)
        routes.post(
            "payment-sessions/integration/test",
            APIOperation(
                "testKioskIntegration", "Run the whole flow once on the sandbox",
                description: """
                    Opens a session at the location "Teste de integração" (made on first use, printing to a file), pays it in Asaas's \
                    sandbox, and follows its webhook to the ticket and its print. Answers each step with its time. Refused (403) when \
                    the hub runs with PONTE_ENV=production.
                    """,
                tags: tags
            )
            .response(
                200,
                .object([
                    "ok": .boolean(), "session_id": JSONSchema.string().optional, "ticket_id": JSONSchema.string().optional,
                    "ticket_number": JSONSchema.string().optional, "printer_file": .string(), "total_ms": .number(),
                    "steps": .array(.object(["step": .string(), "ok": .boolean(), "ms": .number(), "detail": .string()])),
                ]), "What each step did")
            .errors(403, "FORBIDDEN").errors(409, "PAYMENT_PROVIDER_NOT_CONFIGURED"),
            access: .admin, test)
        routes.post(
            "payment-sessions/webhook/simulate",
            APIOperation(
                "simulateKioskPaymentWebhook", "Simulate the payment webhook of a session (operators; never in production)",
                description: """
                    Stores an Asaas webhook for the session's charge, marked as simulated, and hands it to its subscribers like a real \
                    one: paid → PAYMENT_RECEIVED, failed → PAYMENT_CREDIT_CARD_CAPTURE_REFUSED. Admin only; refused (403) with \
                    PONTE_ENV=production.
                    """,
                tags: tags
            )
            .body(.object(["transaction_id": .string(), "payment_status": .oneOf(["paid", "failed"])]))
            .response(
                202,
                .object([
                    "status": .oneOf(["accepted", "already_received"]), "webhook_id": .string(), "session_id": .string(),
                    "event": .string(),
                ]), "Stored; its subscribers run as for a real webhook")
            .errors(400, "INVALID_JSON", "INVALID_FIELD").errors(403, "FORBIDDEN").errors(404, "SESSION_NOT_FOUND"),
            access: .admin, simulate)
    }

    // MARK: Status

    struct Issue: Encodable {
        let sessionID: String
        let transactionID: String?
        let customerName: String
        let amount: Int
        let completedAt: String
        let error: String?

        enum CodingKeys: String, CodingKey {
            case amount, error
            case sessionID = "session_id"
            case transactionID = "transaction_id"
            case customerName = "customer_name"
            case completedAt = "completed_at"
        }
    }

    @Sendable func status(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try KioskAccess.check(context)
        let query = ListParameters(request)
        let now = self.context.jobs.clock.now()
        let to = try Self.time(query, "to") ?? now
        let from = try Self.time(query, "from") ?? (to - 86_400_000_000)
        guard from <= to else { throw APIError.invalidQuery("from", "from must not be after to") }
        let summary = try await KioskStorage.summary(from: from, to: to, on: self.context.database)
        let time = try await KioskStorage.integrationTime(from: from, to: to, on: self.context.database)
        let paid = Int(summary.paid ?? 0)
        let ticketed = Int(summary.ticketed ?? 0)
        let rate = paid == 0 ? 100.0 : (Double(ticketed) / Double(paid) * 10_000).rounded() / 100
        let health = rate >= 95 ? "healthy" : rate >= 80 ? "warning" : "critical"
        let average: JSONValue =
            time.count > 0
            ? .number((Double(time.totalMicroseconds ?? 0) / Double(time.count) / 1_000).rounded() / 1_000) : .null
        let issues = try await KioskStorage.paidWithoutTicket(limit: 500, on: self.context.database).map { session in
            Issue(
                sessionID: session.id, transactionID: session.transactionID, customerName: session.customerName, amount: session.amount,
                completedAt: session.paidAt ?? session.updatedAt, error: session.ticketError)
        }
        let issuesJSON = try JSONDecoder().decode(JSONValue.self, from: APIJSON.encode(issues))
        let answer: JSONValue = .object([
            "period": .object(["from": .string(KioskStorage.timestamp(from)), "to": .string(KioskStorage.timestamp(to))]),
            "summary": .object([
                "total_payment_sessions": .integer(summary.total), "paid_sessions": .integer(Int64(paid)), "tickets_created": .integer(Int64(ticketed)),
                "conversion_rate_percent": .number(rate), "avg_integration_time_seconds": average,
            ]),
            "integration_health": .object([
                // Any paid session without its ticket is at least a warning, whatever the rate.
                "status": .string(health == "healthy" && !issues.isEmpty ? "warning" : health), "issues": issuesJSON,
            ]),
        ])
        return try .json(encoding: answer)
    }

    static func time(_ query: ListParameters, _ name: String) throws -> Int64? {
        guard let text = query.text(name) else { return nil }
        guard let microseconds = KioskStorage.microseconds(text) ?? Self.wholeSeconds(text) else {
            throw APIError.invalidQuery(name, "\(name) must be an ISO 8601 time such as 2026-12-03T12:00:00Z")
        }
        return microseconds
    }

    private static func wholeSeconds(_ text: String) -> Int64? {
        guard let date = try? Date.ISO8601FormatStyle().parse(text) else { return nil }
        return Int64(date.timeIntervalSince1970 * 1_000_000)
    }

    // MARK: Simulation

    struct Simulation: Decodable {
        let transactionID: String
        let paymentStatus: String

        enum CodingKeys: String, CodingKey {
            case transactionID = "transaction_id"
            case paymentStatus = "payment_status"
        }
    }

    @Sendable func simulate(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        guard !sessions.production else {
            throw APIError.forbidden("webhook simulation is off in production (PONTE_ENV=production): payments there come from Asaas only")
        }
        let input = try await request.decodeJSON(Simulation.self, expected: #"{"transaction_id": "pay_…", "payment_status": "paid"}"#)
        let event: String
        switch input.paymentStatus {
        case "paid": event = "PAYMENT_RECEIVED"
        case "failed": event = "PAYMENT_CREDIT_CARD_CAPTURE_REFUSED"
        default:
            throw APIError.badRequest("INVALID_FIELD", "payment_status must be paid or failed", details: .object(["field": "payment_status"]))
        }
        let session = try await self.context.transaction { unit in
            try await KioskStorage.lockSession(transactionID: input.transactionID, in: unit)
        }
        guard let session else {
            throw APIError.notFound("SESSION_NOT_FOUND", "no payment session has the transaction '\(input.transactionID)'")
        }
        let eventID = "simulated_\(event)_\(input.transactionID)"
        let body: JSONValue = .object([
            "id": .string(eventID), "event": .string(event),
            "payment": .object([
                "id": .string(input.transactionID), "externalReference": .string(session.id),
                "value": .number(Double(session.amount) / 100), "status": .string(input.paymentStatus == "paid" ? "RECEIVED" : "REFUSED"),
            ]),
        ])
        let stored = try await self.context.intake.receive([
            ReceivedProviderEvent(
                provider: "asaas", eventID: eventID, eventType: event, source: "simulation", body: ByteBuffer(string: try APIJSON.string(body)))
        ])
        let outcome = stored.first
        let answer: JSONValue = .object([
            "status": .string(outcome?.duplicate == true ? "already_received" : "accepted"), "webhook_id": .string(outcome?.id ?? ""),
            "session_id": .string(session.id), "event": .string(event),
        ])
        return try .json(encoding: answer, status: .accepted)
    }

    // MARK: Self-test

    struct Step: Encodable {
        let step: String
        let ok: Bool
        let ms: Double
        let detail: String
    }

    struct TestReport: Encodable {
        let ok: Bool
        let sessionID: String?
        let ticketID: String?
        let ticketNumber: String?
        let printerFile: String
        let totalMilliseconds: Double
        let steps: [Step]

        enum CodingKeys: String, CodingKey {
            case ok, steps
            case sessionID = "session_id"
            case ticketID = "ticket_id"
            case ticketNumber = "ticket_number"
            case printerFile = "printer_file"
            case totalMilliseconds = "total_ms"
        }
    }

    static let testLocationName = "Teste de integração"
    static let testServiceName = "Teste do totem"

    @Sendable func test(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        guard !sessions.production else {
            throw APIError.forbidden("the integration self-test pays a charge in Asaas's sandbox; it is off in production (PONTE_ENV=production)")
        }
        let asaas = try sessions.payments.asaas()
        let directory = self.context.environment["PONTE_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? NSTemporaryDirectory()
        let printerFile = URL(fileURLWithPath: directory).appendingPathComponent("kiosk-integration-test.prn").path
        let started = ContinuousClock.now
        var steps: [Step] = []
        var sessionID: String?
        var ticket: Ticket?
        func elapsed() -> Double { ((ContinuousClock.now - started) / .microseconds(1)).rounded() / 1_000 }
        func step(_ name: String, _ body: () async throws -> String) async -> Bool {
            do {
                let detail = try await body()
                steps.append(Step(step: name, ok: true, ms: elapsed(), detail: detail))
                return true
            } catch {
                steps.append(Step(step: name, ok: false, ms: elapsed(), detail: "\(error)"))
                return false
            }
        }
        var service: KioskService?
        var session: PaymentSession?
        var ok = await step("test_location") {
            let located = try await testService(printerFile: printerFile)
            service = located
            return "location \(located.locationID), service \(located.id), printing to \(printerFile)"
        }
        if ok, let service {
            ok = await step("session_opened") {
                let input = SessionsAPI.NewSession(
                    serviceID: service.id, customerName: "Teste Ponte", customerCPF: "529.982.247-25", paymentMethod: .pix)
                let (opened, _) = try await sessions.open(input, idempotencyKey: nil, requestHash: nil)
                session = opened
                sessionID = opened.id
                return "session \(opened.id), charge \(opened.transactionID ?? "none")"
            }
        }
        if ok, let transactionID = session?.transactionID {
            ok = await step("payment_confirmed") {
                let payment = try await asaas.sandboxConfirmPayment(id: transactionID)
                return "Asaas sandbox: payment \(payment.id) \(payment.status.map { "\($0)" } ?? "")"
            }
        }
        if ok, let id = sessionID {
            ok = await step("webhook_received") {
                let paid = try await wait(for: id) { session, _ in session.status == .paid }
                return "session PAID at \(paid.session.paidAt ?? "?")"
            }
        }
        if ok, let id = sessionID {
            ok = await step("ticket_created") {
                let made = try await wait(for: id) { _, ticket in ticket != nil }
                ticket = made.ticket
                return "ticket \(made.ticket?.ticketNumber ?? "?") (\(made.ticket?.id ?? "?"))"
            }
        }
        if ok, let id = sessionID {
            ok = await step("ticket_printed") {
                let printed = try await wait(for: id) { _, ticket in ticket.map { $0.prints > 0 } ?? false }
                ticket = printed.ticket
                return "\(printed.ticket?.status.rawValue ?? "?"), \(printed.ticket?.printAttempts.last?.bytes ?? 0) bytes to \(printerFile)"
            }
        }
        let report = TestReport(
            ok: ok, sessionID: sessionID, ticketID: ticket?.id, ticketNumber: ticket?.ticketNumber, printerFile: printerFile,
            totalMilliseconds: elapsed(), steps: steps)
        return try .json(encoding: report)
    }

    /// The self-test's location and service, made on first use.
    private func testService(printerFile: String) async throws -> KioskService {
        let database = context.database
        let location: Location
        if let found = try await KioskStorage.location(named: Self.testLocationName, on: database) {
            location = found
        } else {
            location = try await context.transaction { unit in
                let at = KioskStorage.timestamp(unit.now)
                let location = Location(
                    id: KioskStorage.locationIDs.next(at: KioskStorage.date(unit.now)), name: Self.testLocationName,
                    timeZone: "America/Sao_Paulo", printer: Printer(type: .file, path: printerFile, codePage: .cp860), createdAt: at, updatedAt: at)
                try await KioskStorage.insertLocation(location, in: unit)
                return location
            }
        }
        if let found = try await KioskStorage.service(named: Self.testServiceName, locationID: location.id, on: database) { return found }
        return try await context.transaction { unit in
            let at = KioskStorage.timestamp(unit.now)
            let service = KioskService(
                id: KioskStorage.serviceIDs.next(at: KioskStorage.date(unit.now)), locationID: location.id, name: Self.testServiceName,
                price: 100, ticketPrefix: "T", active: true, createdAt: at, updatedAt: at)
            try await KioskStorage.insertService(service, in: unit)
            return service
        }
    }

    /// Waits (up to 20 s) until the session and its ticket satisfy `done`.
    private func wait(
        for sessionID: String, until done: (PaymentSession, Ticket?) -> Bool
    ) async throws -> (session: PaymentSession, ticket: Ticket?) {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            guard let session = try await KioskStorage.session(sessionID, on: context.database) else { throw SessionsAPI.sessionNotFound(sessionID) }
            let ticket = try await session.ticket.asyncMap { try await KioskStorage.ticket($0.id, on: context.database) } ?? nil
            if done(session, ticket) { return (session, ticket) }
            guard ContinuousClock.now < deadline else {
                throw TicketNotMade("not within 20 s: the session is \(session.status.rawValue), ticket \(ticket?.status.rawValue ?? "none") — are workers running?")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
