import Foundation
import HTTPTypes
import NIOCore
import PonteKiosk
import PonteKit
import PonteSandbox
import Testing

@testable import PonteServer

/// Self-service kiosks through the HTTP API, beside the sandbox's Asaas and a network
/// printer double on loopback (emupos, which decodes what it is sent): locations and
/// services, payment sessions, the ticket a payment makes exactly once, printing and its
/// failures, the service queue and the display; on SQLite and PostgreSQL, on an injected clock.
@Suite struct KioskFlowTests {
    /// A location printing to `printer`, and a service of it; returns (location, service).
    static func makeLocation(
        _ hub: HubHarness, printer: PrinterDouble, service: String = "Emissão de 2ª via", prefix: String = "A", price: Int = 1500
    ) async throws -> (location: String, service: String) {
        let location = try await hub.object(
            .post, "/api/v1/kiosk/locations",
            json: #"{"name": "Poupatempo Sé", "time_zone": "America/Sao_Paulo", "printer": {"type": "tcp", "host": "127.0.0.1", "port": \#(printer.port), "connect_timeout_ms": 1000, "write_timeout_ms": 2000}}"#
        )["id"] as! String
        let service = try await hub.object(
            .post, "/api/v1/kiosk/locations/\(location)/services", json: #"{"name": "\#(service)", "price": \#(price), "ticket_prefix": "\#(prefix)"}"#
        )["id"] as! String
        return (location, service)
    }

    static func sessionJSON(service: String, method: String = "pix", name: String = "João Silva") -> String {
        #"{"service_id": "\#(service)", "customer_name": "\#(name)", "customer_cpf": "529.982.247-25", "payment_method": "\#(method)"}"#
    }

    /// Opens a session and pays it in the sandbox; returns the session after the jobs ran.
    static func paidSession(_ hub: HubHarness, service: String, method: String = "pix", name: String = "João Silva") async throws -> [String: Any] {
        let session = try await hub.object(.post, "/api/v1/payment-sessions", json: sessionJSON(service: service, method: method, name: name))
        try await hub.payAsaas(try #require(session["transaction_id"] as? String))
        try await hub.run()
        return try await hub.object(.get, "/api/v1/payment-sessions/\(session["id"] as! String)")
    }

    static func ticket(_ hub: HubHarness, of session: [String: Any]) async throws -> [String: Any] {
        let summary = try #require(session["ticket"] as? [String: Any], "session \(session["id"] ?? "?") has no ticket")
        return try await hub.object(.get, "/api/v1/tickets/\(summary["id"] as! String)")
    }

    static func withPrinter(_ arguments: [String] = [], _ body: (PrinterDouble) async throws -> Void) async throws {
        let printer = try await PrinterDouble.start(arguments: arguments)
        defer { printer.stop() }
        try await body(printer)
    }

    // MARK: Catalogue

    @Test(arguments: HubDatabase.available)
    func locationsServicesAndPrintersRefuseWhatIsWrong(backend: HubDatabase) async throws {
        try await withHubHarness(backend) { hub in
            let base = "/api/v1/kiosk/locations"
            expectError(try await hub.call(.post, base, json: #"{"name": "X", "time_zone": "Mars/Olympus"}"#), .badRequest, "INVALID_TIME_ZONE")
            expectError(
                try await hub.call(.post, base, json: #"{"name": "X", "time_zone": "America/Sao_Paulo", "printer": {"type": "tcp"}}"#),
                .badRequest, "INVALID_PRINTER")
            expectError(
                try await hub.call(.post, base, json: #"{"name": "X", "time_zone": "America/Sao_Paulo", "printer": {"type": "file", "path": "relative.prn"}}"#),
                .badRequest, "INVALID_PRINTER")
            expectError(try await hub.call(.post, base, json: #"{"name": "X""#), .badRequest, "INVALID_JSON")
            let location = try await hub.object(.post, base, json: #"{"name": "Unidade Centro", "time_zone": "America/Sao_Paulo"}"#)
            let id = try #require(location["id"] as? String)
            let printer = try #require(location["printer"] as? [String: Any])
            #expect(printer["type"] as? String == "stdout")
            #expect(printer["code_page"] as? String == "CP860", "Portuguese by default")
            let moved = try await hub.object(
                .patch, "\(base)/\(id)", json: #"{"printer": {"type": "tcp", "host": "10.0.0.7"}}"#)
            let tcp = try #require(moved["printer"] as? [String: Any])
            #expect(tcp["port"] as? Int == 9100)
            #expect(tcp["connect_timeout_ms"] as? Int == 2000)
            expectError(try await hub.call(.get, "\(base)/loc_nope"), .notFound, "LOCATION_NOT_FOUND")

            let services = "\(base)/\(id)/services"
            for (body, field) in [
                (#"{"name": "A", "price": 0, "ticket_prefix": "A"}"#, "price"),
                (#"{"name": "A", "price": 100, "ticket_prefix": "a1"}"#, "ticket_prefix"),
                (#"{"name": "", "price": 100, "ticket_prefix": "A"}"#, "name"),
            ] {
                let refused = try await hub.call(.post, services, json: body)
                expectError(refused, .badRequest, "INVALID_FIELD")
                #expect(String(buffer: refused.body).contains(#""field":"\#(field)""#))
            }
            expectError(
                try await hub.call(.post, "\(base)/loc_nope/services", json: #"{"name": "A", "price": 100, "ticket_prefix": "A"}"#),
                .notFound, "LOCATION_NOT_FOUND")
            let service = try await hub.object(.post, services, json: #"{"name": "Atendimento preferencial", "price": 900, "ticket_prefix": "P"}"#)
            let serviceID = try #require(service["id"] as? String)
            #expect(try await hub.object(.get, services)["data"] as? [[String: Any]] != nil)
            #expect(try await hub.object(.patch, "\(services)/\(serviceID)", json: #"{"price": 1000}"#)["price"] as? Int == 1000)

            // Sold once, a service and its location keep their history.
            let session = try await hub.object(.post, "/api/v1/payment-sessions", json: Self.sessionJSON(service: serviceID))
            #expect(session["status"] as? String == "PENDING")
            expectError(try await hub.call(.delete, "\(services)/\(serviceID)"), .conflict, "SERVICE_IN_USE")
            expectError(try await hub.call(.delete, "\(base)/\(id)"), .conflict, "LOCATION_IN_USE")
            #expect(try await hub.object(.patch, "\(services)/\(serviceID)", json: #"{"active": false}"#)["active"] as? Bool == false)
            expectError(
                try await hub.call(.post, "/api/v1/payment-sessions", json: Self.sessionJSON(service: serviceID)), .conflict, "SERVICE_INACTIVE")
            let empty = try await hub.object(.post, base, json: #"{"name": "Vazia", "time_zone": "UTC"}"#)["id"] as! String
            #expect(try await hub.call(.delete, "\(base)/\(empty)").status == .noContent)
            expectError(try await hub.call(.get, "\(base)/\(empty)"), .notFound, "LOCATION_NOT_FOUND")

            // Only admins manage locations; another role cannot open a session either.
            let store = Fixture.tokens.issue(role: "store", now: Fixture.now, lifetime: 365 * 86_400)
            expectError(try await hub.call(.get, base, token: store), .forbidden, "FORBIDDEN")
            expectError(
                try await hub.call(.post, "/api/v1/payment-sessions", json: Self.sessionJSON(service: serviceID), token: store), .forbidden, "FORBIDDEN")
        }
    }

    // MARK: Sessions and tickets

    @Test(arguments: HubDatabase.available)
    func aPaidSessionMakesOneTicketPrintedAndQueued(backend: HubDatabase) async throws {
        try await Self.withPrinter { printer in
            try await withHubHarness(backend) { hub in
                let (location, service) = try await Self.makeLocation(hub, printer: printer)
                let body = Self.sessionJSON(service: service)
                let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "kiosk-1-tap-1"]

                // Refused: nothing stored.
                expectError(
                    try await hub.call(.post, "/api/v1/payment-sessions", json: Self.sessionJSON(service: service).replacingOccurrences(of: "529.982.247-25", with: "529.982.247-24")),
                    .badRequest, "CPF_INVALID")
                expectError(
                    try await hub.call(.post, "/api/v1/payment-sessions", json: Self.sessionJSON(service: service, method: "bitcoin")), .badRequest, "INVALID_JSON")
                expectError(try await hub.call(.post, "/api/v1/payment-sessions", json: Self.sessionJSON(service: "svc_nope")), .notFound, "SERVICE_NOT_FOUND")

                let created = try await hub.call(.post, "/api/v1/payment-sessions", json: body, headers: key)
                #expect(created.status == .created)
                let session = try #require(try JSONSerialization.jsonObject(with: Data(created.body.readableBytesView)) as? [String: Any])
                let id = try #require(session["id"] as? String)
                #expect(session["status"] as? String == "PENDING")
                #expect(session["amount"] as? Int == 1500)
                let pix = try #require(session["pix"] as? [String: Any])
                #expect((pix["copy_paste"] as? String)?.hasPrefix("000201") == true, "a BR Code")
                let png = try #require(Data(base64Encoded: pix["qr_code_png_base64"] as? String ?? ""))
                #expect(png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
                #expect(session["expires_at"] as? String == "2025-06-15T15:21:40.000Z", "15 minutes")
                let transaction = try #require(session["transaction_id"] as? String)

                // The same key: the same session, one charge. Another body with it: 409.
                let again = try await hub.call(.post, "/api/v1/payment-sessions", json: body, headers: key)
                #expect(again.status == .ok)
                #expect(String(buffer: again.body).contains(#""id":"\#(id)""#))
                expectError(
                    try await hub.call(.post, "/api/v1/payment-sessions", json: Self.sessionJSON(service: service, name: "Maria"), headers: key),
                    .conflict, "IDEMPOTENCY_KEY_REUSED")
                try await hub.payAsaas(transaction)
                try await hub.run()
                let charges = hub.sandbox.environment.ledger.all().filter { $0.provider == .asaas && $0.kind == .charge }
                #expect(charges.map(\.paymentID) == [transaction], "one charge for the session")
                #expect(charges.first?.reference == id, "Asaas's externalReference is the session")
                let paid = try await hub.object(.get, "/api/v1/payment-sessions/\(id)")
                #expect(paid["status"] as? String == "PAID")
                #expect((paid["status_history"] as? [[String: Any]])?.map { $0["status"] as? String } == ["PENDING", "PAID"])
                let ticket = try await Self.ticket(hub, of: paid)
                #expect(ticket["ticket_number"] as? String == "A001")
                #expect(ticket["status"] as? String == "IN_QUEUE")
                #expect((ticket["history"] as? [[String: Any]])?.map { $0["status"] as? String } == ["PAID", "PRINTING", "IN_QUEUE"])
                #expect(ticket["prints"] as? Int == 1)
                #expect((ticket["print_attempts"] as? [[String: Any]])?.map { $0["outcome"] as? String } == ["printed"])
                #expect(ticket["customer_first_name"] as? String == "João")

                // What the printer got, as a decoder the project did not write reads it.
                let jobs = try await printer.waitForJobs(1)
                #expect(jobs.count == 1)
                let job = try #require(jobs.first)
                #expect(job.initialized)
                #expect(job.codePage == "CP860")
                let texts = job.lines.map(\.text)
                #expect(texts.contains("Poupatempo Sé"))
                #expect(texts.contains("Emissão de 2ª via"), "accents in CP860: \(texts)")
                #expect(texts.contains("João"))
                #expect(texts.contains("15/06/2025 12:06"), "the local date and time: \(texts)")
                #expect(job.lines.first { $0.text == "A001" }?.size == [4, 4], "the number large")
                #expect(job.qr == [ticket["id"] as! String])
                #expect(job.cut)

                // The payment again — duplicated, replayed, as PAYMENT_CONFIRMED too: no second ticket.
                for status in ["paid", "paid"] {
                    _ = try await hub.object(
                        .post, "/api/v1/payment-sessions/webhook/simulate", json: #"{"transaction_id": "\#(transaction)", "payment_status": "\#(status)"}"#)
                }
                let confirmed = try await hub.call(
                    .post, "/webhooks/asaas",
                    json: #"{"id": "evt_late_confirmed", "event": "PAYMENT_CONFIRMED", "payment": {"id": "\#(transaction)", "externalReference": "\#(id)", "status": "CONFIRMED", "value": 15.0}}"#,
                    token: nil, headers: [HTTPField.Name("asaas-access-token")!: SandboxCredentials.defaults.asaasWebhookToken])
                #expect(confirmed.status == .ok)
                try await hub.run()
                let tickets = try await hub.object(.get, "/api/v1/tickets?location_id=\(location)")["data"] as? [[String: Any]]
                #expect(tickets?.count == 1)
                #expect(try await printer.jobs().count == 1, "printed once")

                // The next payment takes the next number; the next local day starts again at 001.
                let second = try await Self.ticket(hub, of: try await Self.paidSession(hub, service: service, method: "card", name: "Ana Souza"))
                #expect(second["ticket_number"] as? String == "A002")
                try await hub.advance(.seconds(12 * 3600))  // 00:06 in São Paulo
                let nextDay = try await Self.ticket(hub, of: try await Self.paidSession(hub, service: service))
                #expect(nextDay["ticket_number"] as? String == "A001")
                #expect(nextDay["service_day"] as? String == "2025-06-16")

                // The location's stream has every change; the status endpoint counts them.
                let events = try await hub.streamEvents(path: "/api/v1/kiosk/locations/\(location)/events")
                #expect(events.filter { $0.type == "TICKET_CREATED" }.count == 3)
                #expect(events.filter { $0.type == "TICKET_STATUS_CHANGED" }.count == 6)
                let status = try await hub.object(.get, "/api/v1/payment-sessions/integration/status?from=2025-06-15T00:00:00Z")
                let summary = try #require(status["summary"] as? [String: Any])
                #expect(summary["paid_sessions"] as? Int == 3)
                #expect(summary["tickets_created"] as? Int == 3)
                #expect(summary["conversion_rate_percent"] as? Double == 100)
                #expect((status["integration_health"] as? [String: Any])?["status"] as? String == "healthy")
            }
        }
    }

    @Test(arguments: HubDatabase.available)
    func aTicketThatCannotBeMadeKeepsThePaymentAndIsRetried(backend: HubDatabase) async throws {
        let fault = TicketFault(failing: 2)
        let modules = HubModules.all.filter { $0.name != "kiosk" } + [KioskModule(ticketFault: fault, production: false)]
        try await Self.withPrinter { printer in
            try await withHubHarness(backend, modules: modules) { hub in
                let (_, service) = try await Self.makeLocation(hub, printer: printer)
                let session = try await Self.paidSession(hub, service: service)
                #expect(session["status"] as? String == "PAID", "the payment stays confirmed")
                #expect(session["ticket"] == nil)
                #expect((session["ticket_error"] as? String)?.contains("could not be made") == true)
                let status = try await hub.object(.get, "/api/v1/payment-sessions/integration/status")
                let health = try #require(status["integration_health"] as? [String: Any])
                #expect(health["status"] as? String == "critical", "one paid session, no ticket: 0 %")
                let issues = try #require(health["issues"] as? [[String: Any]])
                #expect(issues.map { $0["session_id"] as? String } == [session["id"] as? String])

                // The delivery retries (after its backoff) and makes the ticket.
                for _ in 0..<4 { try await hub.advance(.seconds(60)) }
                let healed = try await hub.object(.get, "/api/v1/payment-sessions/\(session["id"] as! String)")
                let ticket = try await Self.ticket(hub, of: healed)
                #expect(ticket["status"] as? String == "IN_QUEUE")
                #expect(healed["ticket_error"] == nil)
                let after = try await hub.object(.get, "/api/v1/payment-sessions/integration/status")
                #expect(((after["integration_health"] as? [String: Any])?["issues"] as? [[String: Any]])?.isEmpty == true)
            }
        }
    }

    // MARK: Printing

    @Test(arguments: HubDatabase.available)
    func aPrinterThatCannotPrintIsAnErrorNotASilentSuccess(backend: HubDatabase) async throws {
        try await Self.withPrinter { printer in
            try await withHubHarness(backend) { hub in
                let (location, service) = try await Self.makeLocation(hub, printer: printer, service: "Atendimento preferencial", prefix: "P")
                try printer.setStatus("cover-open")
                let session = try await Self.paidSession(hub, service: service)
                var ticket = try await Self.ticket(hub, of: session)
                #expect(ticket["status"] as? String == "PRINT_ERROR")
                #expect((ticket["print_error"] as? String)?.contains("cover is open") == true, "\(ticket["print_error"] ?? "")")
                #expect(try printer.jobs().isEmpty, "nothing sent to a printer with its cover open")

                // Paper out, then offline: still errors, retried with backoff.
                try printer.setStatus("paper-out")
                try await hub.advance(.seconds(2))
                ticket = try await hub.object(.get, "/api/v1/tickets/\(ticket["id"] as! String)")
                #expect((ticket["print_error"] as? String)?.contains("out of paper") == true)

                // A PRINT_ERROR ticket keeps its place: it can be called.
                let other = try await Self.ticket(hub, of: try await Self.paidSession(hub, service: service, name: "Ana Souza"))
                let called = try await hub.object(
                    .post, "/api/v1/kiosk/locations/\(location)/queue/call-next", json: #"{"desk": "Guichê 1"}"#)
                #expect((called["ticket"] as? [String: Any])?["id"] as? String == ticket["id"] as? String, "the oldest, though unprinted")

                // The printer is back: the retry prints it, and the second ticket too.
                try printer.setStatus("online")
                for _ in 0..<3 { try await hub.advance(.seconds(8)) }
                ticket = try await hub.object(.get, "/api/v1/tickets/\(ticket["id"] as! String)")
                #expect(ticket["status"] as? String == "CALLED", "printed while called: it stays called")
                #expect(ticket["prints"] as? Int == 1)
                #expect(ticket["print_error"] == nil)
                let outcomes = (ticket["print_attempts"] as? [[String: Any]])?.compactMap { $0["outcome"] as? String } ?? []
                #expect(outcomes.last == "printed")
                #expect(outcomes.dropLast().allSatisfy { $0 == "failed" } && outcomes.count >= 3)
                #expect(try await hub.object(.get, "/api/v1/tickets/\(other["id"] as! String)")["status"] as? String == "IN_QUEUE")

                // A reprint prints again, counted as one.
                let reprint = try await hub.call(.post, "/api/v1/tickets/\(other["id"] as! String)/reprint")
                #expect(reprint.status == .accepted)
                try await hub.run()
                let reprinted = try await hub.object(.get, "/api/v1/tickets/\(other["id"] as! String)")
                #expect(reprinted["reprints"] as? Int == 1)
                #expect(reprinted["prints"] as? Int == 2)
                #expect((reprinted["print_attempts"] as? [[String: Any]])?.last?["reprint"] as? Bool == true)
                let jobs = try await printer.waitForJobs(3)
                #expect(jobs.map(\.qr) == [[other["id"] as! String], [ticket["id"] as! String], [other["id"] as! String]]
                    || jobs.map(\.qr) == [[ticket["id"] as! String], [other["id"] as! String], [other["id"] as! String]])
                #expect(jobs.allSatisfy { $0.lines.contains { $0.text == "Atendimento preferencial" } })
            }
        }
    }

    @Test(arguments: HubDatabase.available)
    func aDroppedConnectionOrASilentPrinterIsNotPrinted(backend: HubDatabase) async throws {
        try await Self.withPrinter(["--drop-every", "1"]) { printer in
            try await withHubHarness(backend) { hub in
                let (_, service) = try await Self.makeLocation(hub, printer: printer)
                let ticket = try await Self.ticket(hub, of: try await Self.paidSession(hub, service: service))
                #expect(ticket["status"] as? String == "PRINT_ERROR")
                #expect(ticket["prints"] as? Int == 0)
                #expect((ticket["print_error"] as? String)?.contains("127.0.0.1") == true, "\(ticket["print_error"] ?? "")")
            }
        }
        try await Self.withPrinter(["--status", "silent"]) { printer in
            try await withHubHarness(backend) { hub in
                let (_, service) = try await Self.makeLocation(hub, printer: printer)
                let ticket = try await Self.ticket(hub, of: try await Self.paidSession(hub, service: service))
                // A printer that never answers status requests is printed to without them.
                #expect(ticket["status"] as? String == "IN_QUEUE")
                #expect((ticket["print_attempts"] as? [[String: Any]])?.first?["printer_status"] == nil)
                #expect(try await printer.waitForJobs(1).first?.qr == [ticket["id"] as! String])
            }
        }
    }

    // MARK: The queue

    @Test(arguments: HubDatabase.available)
    func theQueueCallsTheOldestAndTwoDesksNeverGetTheSameTicket(backend: HubDatabase) async throws {
        try await Self.withPrinter { printer in
            try await withHubHarness(backend) { hub in
                let (location, service) = try await Self.makeLocation(hub, printer: printer)
                var tickets: [[String: Any]] = []
                for name in ["Ana", "Bruno", "Carla", "Davi"] {
                    tickets.append(try await Self.ticket(hub, of: try await Self.paidSession(hub, service: service, name: name)))
                }
                let waiting = try await hub.object(.get, "/api/v1/tickets?location_id=\(location)&status=in_queue")["data"] as? [[String: Any]]
                #expect(waiting?.count == 4)
                let callNext = "/api/v1/kiosk/locations/\(location)/queue/call-next"
                expectError(try await hub.call(.post, callNext, json: #"{}"#), .badRequest, "INVALID_FIELD")
                expectError(try await hub.call(.post, "/api/v1/kiosk/locations/loc_nope/queue/call-next", json: #"{"desk": "1"}"#), .notFound, "LOCATION_NOT_FOUND")

                // Two desks at once, twice: four different tickets, oldest first.
                async let a = hub.object(.post, callNext, json: #"{"desk": "Guichê 1"}"#)
                async let b = hub.object(.post, callNext, json: #"{"desk": "Guichê 2"}"#)
                let first = try await [a, b]
                async let c = hub.object(.post, callNext, json: #"{"desk": "Guichê 1"}"#)
                async let d = hub.object(.post, callNext, json: #"{"desk": "Guichê 2"}"#)
                let second = try await [c, d]
                let calledIDs = (first + second).compactMap { ($0["ticket"] as? [String: Any])?["id"] as? String }
                #expect(Set(calledIDs).count == 4)
                #expect(Set(calledIDs.prefix(2)) == Set(tickets.prefix(2).map { $0["id"] as! String }))
                let none = try await hub.object(.post, callNext, json: #"{"desk": "Guichê 1"}"#)
                #expect(none["ticket"] is NSNull)
                #expect(none["waiting"] as? Int == 0)

                // Through the service; what the state machine does not allow is a 409.
                let id = tickets[0]["id"] as! String
                expectError(try await hub.call(.post, "/api/v1/tickets/\(id)/complete"), .conflict, "INVALID_STATUS_TRANSITION")
                let recalled = try await hub.object(.post, "/api/v1/tickets/\(id)/recall", json: #"{"desk": "Guichê 3"}"#)
                #expect(recalled["desk"] as? String == "Guichê 3")
                #expect(recalled["recalls"] as? Int == 1)
                #expect(try await hub.object(.post, "/api/v1/tickets/\(id)/start")["status"] as? String == "IN_PROGRESS")
                #expect(try await hub.object(.post, "/api/v1/tickets/\(id)/complete")["status"] as? String == "COMPLETED")
                expectError(try await hub.call(.post, "/api/v1/tickets/\(id)/recall"), .conflict, "INVALID_STATUS_TRANSITION")
                let absent = tickets[1]["id"] as! String
                #expect(try await hub.object(.post, "/api/v1/tickets/\(absent)/no-show")["status"] as? String == "NO_SHOW")
                #expect(try await hub.object(.post, "/api/v1/tickets/\(absent)/recall")["status"] as? String == "CALLED", "came back")
                expectError(try await hub.call(.post, "/api/v1/tickets/tk_nope/start"), .notFound, "TICKET_NOT_FOUND")
                let history = try await hub.object(.get, "/api/v1/tickets/\(id)")["history"] as? [[String: Any]]
                #expect(history?.map { $0["status"] as? String } == ["PAID", "PRINTING", "IN_QUEUE", "CALLED", "CALLED", "IN_PROGRESS", "COMPLETED"])

                // The display: its stream has the calls (numbers and desks only), its page shows them.
                let calls = try await hub.streamEvents(path: "/kiosk/locations/\(location)/display/events", token: nil)
                #expect(calls.count == 6, "four calls, two recalls")
                #expect(calls.allSatisfy { $0.type == "TICKET_CALLED" && Set($0.data.keys) == ["ticket_number", "desk", "at", "recall"] })
                let page = try await hub.call(.get, "/kiosk/locations/\(location)/display", token: nil)
                #expect(page.status == .ok)
                #expect(page.contentType?.hasPrefix("text/html") == true)
                let html = String(buffer: page.body)
                #expect(html.contains(#"id="number">A002<"#), "the last call, large")
                #expect(html.contains("EventSource"))
                expectError(try await hub.call(.get, "/kiosk/locations/loc_nope/display", token: nil), .notFound, "LOCATION_NOT_FOUND")
            }
        }
    }

    // MARK: Expiry and late payments

    @Test(arguments: HubDatabase.available)
    func anUnpaidSessionExpiresAndALatePaymentIsRefunded(backend: HubDatabase) async throws {
        try await Self.withPrinter { printer in
            try await withHubHarness(backend) { hub in
                let (_, service) = try await Self.makeLocation(hub, printer: printer)
                let session = try await hub.object(.post, "/api/v1/payment-sessions", json: Self.sessionJSON(service: service, method: "card"))
                let id = session["id"] as! String
                let transaction = try #require(session["transaction_id"] as? String)
                #expect((session["payment_link"] as? String)?.isEmpty == false)
                try await hub.advance(.seconds(14 * 60 + 59))
                #expect(try await hub.object(.get, "/api/v1/payment-sessions/\(id)")["status"] as? String == "PENDING", "not before expires_at")

                // Asaas cannot be reached when it expires: the session expires all the same,
                // and its charge is still payable at Asaas.
                var down = FaultSettings()
                down.errorRate = 1.0
                hub.sandbox.environment.faults.set(down, for: .asaas)
                try await hub.advance(.seconds(1))
                hub.sandbox.environment.faults.reset()
                let expired = try await hub.object(.get, "/api/v1/payment-sessions/\(id)")
                #expect(expired["status"] as? String == "EXPIRED")

                // The customer pays anyway: refunded, no ticket.
                try await hub.payAsaas(transaction)
                try await hub.run()
                let refunded = try await hub.object(.get, "/api/v1/payment-sessions/\(id)")
                #expect(refunded["status"] as? String == "EXPIRED")
                #expect(refunded["ticket"] == nil)
                let refund = try #require(refunded["refund"] as? [String: Any])
                #expect(refund["refunded_at"] is String, "\(refund)")
                let refunds = hub.sandbox.environment.ledger.all().filter { $0.provider == .asaas && $0.kind == .refund }
                #expect(refunds.map(\.paymentID) == [transaction])
                #expect((try await hub.object(.get, "/api/v1/tickets")["data"] as? [[String: Any]])?.isEmpty == true)

                // A session whose webhook is late but whose charge Asaas shows paid gets its ticket.
                let late = try await hub.object(.post, "/api/v1/payment-sessions", json: Self.sessionJSON(service: service))
                var silent = FaultSettings()
                silent.webhookDropRate = 1.0
                hub.sandbox.environment.faults.set(silent, for: .asaas)
                try await hub.payAsaas(late["transaction_id"] as! String)
                hub.sandbox.environment.faults.reset()
                try await hub.advance(.seconds(15 * 60))
                let saved = try await hub.object(.get, "/api/v1/payment-sessions/\(late["id"] as! String)")
                #expect(saved["status"] as? String == "PAID")
                #expect(try await Self.ticket(hub, of: saved)["status"] as? String == "IN_QUEUE")
            }
        }
    }

    @Test(arguments: HubDatabase.available)
    func theSimulationIsForAdminsAndNeverInProduction(backend: HubDatabase) async throws {
        try await withHubHarness(backend) { hub in
            let operatorToken = Fixture.tokens.issue(role: "operator", now: Fixture.now, lifetime: 365 * 86_400)
            let body = #"{"transaction_id": "pay_nope", "payment_status": "paid"}"#
            expectError(try await hub.call(.post, "/api/v1/payment-sessions/webhook/simulate", json: body, token: operatorToken), .forbidden, "FORBIDDEN")
            expectError(try await hub.call(.post, "/api/v1/payment-sessions/webhook/simulate", json: body), .notFound, "SESSION_NOT_FOUND")
            expectError(
                try await hub.call(.post, "/api/v1/payment-sessions/webhook/simulate", json: #"{"transaction_id": "x", "payment_status": "maybe"}"#),
                .badRequest, "INVALID_FIELD")
            #expect(try await hub.object(.get, "/api/v1/payment-sessions/integration/status", token: operatorToken)["summary"] != nil)
        }
        let production = HubModules.all.filter { $0.name != "kiosk" } + [KioskModule(production: true)]
        try await withHubHarness(backend, modules: production) { hub in
            let body = #"{"transaction_id": "pay_nope", "payment_status": "paid"}"#
            expectError(try await hub.call(.post, "/api/v1/payment-sessions/webhook/simulate", json: body), .forbidden, "FORBIDDEN")
            expectError(try await hub.call(.post, "/api/v1/payment-sessions/integration/test"), .forbidden, "FORBIDDEN")
        }
    }
}
