import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The kiosk demo: drives a hub and its sandbox over HTTP as the kiosk, the paying customer
/// and the desk operators would, and prints what happens, as it happens.
struct KioskDemo: DemoDriver {
    let hub: String
    let sandbox: String
    let token: String
    let printerFile: String
    let started = ContinuousClock.now

    func run() async throws {
        say("Ponte kiosk, on the sandbox (hub \(hub), simulated providers \(sandbox))")
        let location = try await post(
            "/api/v1/kiosk/locations",
            ["name": "Poupatempo Sé", "time_zone": "America/Sao_Paulo", "printer": ["type": "file", "path": printerFile, "code_page": "CP860"]])
        let locationID = location["id"] as! String
        let copy = try await post(
            "/api/v1/kiosk/locations/\(locationID)/services", ["name": "Emissão de 2ª via", "price": 1500, "ticket_prefix": "A"])
        let priority = try await post(
            "/api/v1/kiosk/locations/\(locationID)/services", ["name": "Atendimento preferencial", "price": 900, "ticket_prefix": "P"])
        say("location \(locationID) \"Poupatempo Sé\", printing ESC/POS (CP860) to \(printerFile)")
        say("services: \(copy["name"]!) (A, R$ 15,00) and \(priority["name"]!) (P, R$ 9,00)")

        section("1. João pays by PIX at the kiosk")
        let pix = try await openSession(service: copy["id"] as! String, name: "João Silva", method: "pix", key: "kiosk-1-\(UUID().uuidString)")
        let ticket = try await payAndWaitForTicket(pix)
        try await showSlip(ticket)

        section("2. The same payment again: a duplicated webhook makes no second ticket")
        let again = try await post(
            "/api/v1/payment-sessions/webhook/simulate", ["transaction_id": pix["transaction_id"] as! String, "payment_status": "paid"])
        say("a second PAYMENT_RECEIVED for \(pix["transaction_id"]!) is stored (\(again["webhook_id"]!)) and handed to the kiosk")
        try await Task.sleep(for: .seconds(1))
        let tickets = try await get("/api/v1/tickets?location_id=\(locationID)")["data"] as? [JSON] ?? []
        say("tickets at the location: \(tickets.count) — still one for João's payment")

        section("3. Maria pays by card for priority service")
        let card = try await openSession(service: priority["id"] as! String, name: "Maria Oliveira", method: "card", key: "kiosk-1-\(UUID().uuidString)")
        say("the kiosk shows the card payment link \(card["payment_link"] ?? "?")")
        let second = try await payAndWaitForTicket(card)
        try await showSlip(second)

        section("4. The desks call, serve and recall")
        var after = 0
        after = try await showStream(locationID, after: after)
        let first = try await post("/api/v1/kiosk/locations/\(locationID)/queue/call-next", ["desk": "Guichê 1"])
        say("Guichê 1 calls next → \((first["ticket"] as? JSON)?["ticket_number"] ?? "nobody") (\(first["waiting"]!) still waiting)")
        let next = try await post("/api/v1/kiosk/locations/\(locationID)/queue/call-next", ["desk": "Guichê 2"])
        say("Guichê 2 calls next → \((next["ticket"] as? JSON)?["ticket_number"] ?? "nobody") (\(next["waiting"]!) still waiting)")
        let firstID = (first["ticket"] as? JSON)?["id"] as! String
        let nextID = (next["ticket"] as? JSON)?["id"] as! String
        say("Guichê 1 starts → \(try await post("/api/v1/tickets/\(firstID)/start", [:])["status"]!)")
        say("Guichê 1 completes → \(try await post("/api/v1/tickets/\(firstID)/complete", [:])["status"]!)")
        say("Guichê 2: nobody comes → \(try await post("/api/v1/tickets/\(nextID)/no-show", [:])["status"]!)")
        let recalled = try await post("/api/v1/tickets/\(nextID)/recall", ["desk": "Guichê 3"])
        say("Maria is back; recalled to \(recalled["desk"]!) → \(recalled["status"]!)")
        let invalid = try await rawCall("POST", "/api/v1/tickets/\(firstID)/start")
        say("starting a completed ticket again → \(invalid.status) \(invalid.code)")
        _ = try await showStream(locationID, after: after)
        say("the wall panel follows the calls live at \(hub)/kiosk/locations/\(locationID)/display")

        section("5. The integration's status and self-test")
        let status = try await get("/api/v1/payment-sessions/integration/status")
        let summary = status["summary"] as? JSON ?? [:]
        let health = status["integration_health"] as? JSON ?? [:]
        say("status: \(summary["paid_sessions"]!) paid sessions, \(summary["tickets_created"]!) tickets, conversion \(summary["conversion_rate_percent"]!) %, payment → ticket \(summary["avg_integration_time_seconds"]!) s; health \(health["status"]!), \((health["issues"] as? [Any])?.count ?? 0) issues")
        let test = try await post("/api/v1/payment-sessions/integration/test", [:])
        for step in test["steps"] as? [JSON] ?? [] {
            say(String(format: "self-test %@ %@ at %.0f ms: %@", step["step"] as! String, (step["ok"] as? Bool == true) ? "ok" : "FAILED", step["ms"] as? Double ?? 0, step["detail"] as! String))
        }
        guard test["ok"] as? Bool == true else { throw DemoFailure(message: "the integration self-test failed") }

        section("Done")
        let size = (try? FileManager.default.attributesOfItem(atPath: printerFile)[.size] as? Int) ?? 0
        say("the printer file \(printerFile) holds \(size) bytes of ESC/POS: send it to a receipt printer (nc PRINTER 9100 < file) to see the tickets")
        say("every step above went through the hub's HTTP API, its job queue and the simulated Asaas")
    }

    // MARK: Steps

    func openSession(service: String, name: String, method: String, key: String) async throws -> JSON {
        let body: JSON = ["service_id": service, "customer_name": name, "customer_cpf": "529.982.247-25", "payment_method": method]
        let session = try await call("POST", "/api/v1/payment-sessions", body, headers: ["Idempotency-Key": key])
        var shows = "a payment link"
        if let pix = session["pix"] as? JSON {
            shows = "the PIX BR Code \(String((pix["copy_paste"] as? String ?? "").prefix(28)))… and its QR code (\((pix["qr_code_png_base64"] as? String)?.count ?? 0) base64 characters of PNG)"
        }
        say("the kiosk opens \(session["id"]!) for \(name): \(method), \(session["amount"]!) centavos, Asaas charge \(session["transaction_id"]!); it shows \(shows); expires \(session["expires_at"]!)")
        let retried = try await call("POST", "/api/v1/payment-sessions", body, headers: ["Idempotency-Key": key])
        say("the kiosk's retry with the same Idempotency-Key gets the same session: \(retried["id"]!)")
        return session
    }

    func payAndWaitForTicket(_ session: JSON) async throws -> JSON {
        try await pay(session["transaction_id"] as! String)
        let id = session["id"] as! String
        for _ in 0..<300 {
            let current = try await get("/api/v1/payment-sessions/\(id)")
            if let summary = current["ticket"] as? JSON, summary["status"] as? String == "IN_QUEUE" {
                let ticket = try await get("/api/v1/tickets/\(summary["id"] as! String)")
                let attempts = ticket["print_attempts"] as? [JSON] ?? []
                say("Asaas's webhook arrived: \(id) PAID at \(current["paid_at"]!) → ticket \(ticket["ticket_number"]!) \((ticket["history"] as? [JSON] ?? []).compactMap { $0["status"] as? String }.joined(separator: " → ")), printed \(attempts.last?["bytes"] ?? 0) bytes")
                return ticket
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw DemoFailure(message: "session \(id) got no printed ticket within 30 s")
    }

    func showSlip(_ ticket: JSON) async throws {
        let slip = try await text("/api/v1/tickets/\(ticket["id"] as! String)/slip")
        say("the slip, as printed:")
        for line in slip.split(separator: "\n", omittingEmptySubsequences: false).dropLast() { print("           " + line) }
    }

    func showStream(_ location: String, after: Int) async throws -> Int {
        let page = try await get("/api/v1/kiosk/locations/\(location)/events?after=\(after)&wait=1")
        for event in page["events"] as? [JSON] ?? [] {
            let data = event["data"] as? JSON ?? [:]
            let ticket = data["ticket"] as? JSON ?? [:]
            let from = (data["from"] as? String).map { "\($0) → " } ?? ""
            let desk = (ticket["status"] as? String == "CALLED") ? " at \(ticket["desk"] ?? "?")" : ""
            say("location stream #\(event["seq"]!) \(event["type"]!) \(ticket["ticket_number"] ?? "?") \(from)\(ticket["status"] ?? "")\(desk)")
        }
        return page["next_after"] as? Int ?? after
    }

    /// An answer read as text, for the slip.
    func text(_ path: String) async throws -> String {
        var request = HTTPClientRequest(url: hub + path)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok else { throw DemoFailure(message: "GET \(path) answered \(response.status.code): \(String(buffer: bytes))") }
        return String(buffer: bytes)
    }

    /// A call whose failure is the point: its status and error code.
    func rawCall(_ method: String, _ path: String) async throws -> (status: Int, code: String) {
        var request = HTTPClientRequest(url: hub + path)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let error = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) as? JSON)?["error"] as? JSON
        return (Int(response.status.code), error?["code"] as? String ?? "")
    }
}
