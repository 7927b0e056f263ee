import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PonteSandbox

/// The store-orders demo: drives a hub and its sandbox over HTTP as the WhatsApp bot, the
/// customer, iFood and the store's POS would, and prints what happens, as it happens.
struct OrdersDemo: DemoDriver {
    let hub: String
    let sandbox: String
    let token: String
    let started = ContinuousClock.now

    // MARK: The flows

    func run() async throws {
        say("Ponte store orders, on the sandbox (hub \(hub), simulated providers \(sandbox))")
        let client = try await post("/api/v1/clients", ["name": "Cantina da Nonna"])
        let clientID = client["id"] as! String
        let hours = Dictionary(uniqueKeysWithValues: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map { ($0, [["00:00", "24:00"]]) })
        let store = try await post(
            "/api/v1/clients/\(clientID)/stores",
            [
                "name": "Centro", "time_zone": "America/Sao_Paulo", "operating_hours": hours, "whatsapp_number": "+5511999990000",
                "ifood_merchant_id": "demo-merchant-centro",
            ])
        let storeID = store["id"] as! String
        let storePath = "/api/v1/clients/\(clientID)/stores/\(storeID)"
        _ = try await call("PUT", storePath + "/order-config", [
            "requires_confirmation": true, "auto_confirmation_timeout": 0, "refund_unconfirmed_orders": true, "refund_timeout": 1,
            "notification_templates": ["CONFIRMED": "Oba! O pedido {order_id} ({total}) foi confirmado e chega {delivery_time}."],
        ])
        let key = try await post(storePath + "/api-keys", [:])["key"] as! String
        say("store \(storeID) of client \(clientID): requires confirmation; an unconfirmed order is refunded after 1 minute; POS key \(String(key.prefix(15)))…")
        let pos = POSReader(demo: self, store: storeID, key: key)

        section("1. A cash order")
        let cash = try await createOrder(clientID, storeID, method: "CASH")
        try await pos.read()
        try await posMoves(cash, to: "CONFIRMED", pos: pos, key: key)

        section("2. A WhatsApp-bot order paid by PIX, confirmed by the POS")
        let pix = try await createOrder(clientID, storeID, method: "PIX")
        let charged = try await waitFor(pix, "its Asaas charge") { $0["payment_id"] is String }
        let details = charged["payment_details"] as? JSON ?? [:]
        say("charge \(charged["payment_id"]!) created: PIX copy-and-paste \(String((details["pix_copy_paste"] as? String ?? "").prefix(24)))…, QR PNG of \((details["pix_qr_code_base64"] as? String)?.count ?? 0) base64 characters, expires \(details["expires_at"] ?? "?")")
        try await pos.read()
        say("nothing on the POS yet: an unpaid order never reaches the kitchen")
        try await pay(charged["payment_id"] as! String)
        _ = try await waitFor(pix, "the payment") { $0["payment_status"] as? String == "PAID" }
        try await pos.read()
        try await posMoves(pix, to: "CONFIRMED", pos: pos, key: key)
        try await posMoves(pix, to: "PREPARING", pos: pos, key: key)

        section("3. An iFood order, confirmed and dispatched")
        let placed = try await sandboxPost(
            "/_sandbox/ifood/orders",
            ["merchantId": "demo-merchant-centro", "customerName": "Bruno Lima", "orderType": "DELIVERY",
             "items": [["name": "Açaí 500 ml", "quantity": 2, "unitPrice": 12.34]], "deliveryFee": 5.90])
        say("a customer orders on iFood: order \(placed["id"]!), 2 × R$ 12,34 + R$ 5,90 delivery")
        let ifood = try await waitForOrder(storeID, source: "IFOOD")
        say("iFood's PLACED arrived; the order is stored as \(ifood["id"]!), total \(ifood["total"]!) centavos")
        try await pos.read()
        let ifoodID = ifood["id"] as! String
        try await posMoves(ifoodID, to: "CONFIRMED", pos: pos, key: key)
        try await posMoves(ifoodID, to: "PREPARING", pos: pos, key: key)
        try await posMoves(ifoodID, to: "READY", pos: pos, key: key)
        try await posMoves(ifoodID, to: "DELIVERING", pos: pos, key: key)
        try await waitForIFood(["CONFIRMED", "PREPARATION_STARTED", "DISPATCHED"])

        section("4. A paid order the store ignores")
        let ignored = try await createOrder(clientID, storeID, method: "PIX")
        let ignoredCharge = try await waitFor(ignored, "its Asaas charge") { $0["payment_id"] is String }
        try await pay(ignoredCharge["payment_id"] as! String)
        let waiting = try await waitFor(ignored, "the payment") { $0["payment_status"] as? String == "PAID" }
        try await pos.read()
        say("the store does not answer; its refund deadline is \(waiting["refund_deadline"] ?? "?") (about a minute)")
        _ = try await waitFor(ignored, "the refund", timeout: .seconds(150)) { $0["status"] as? String == "REFUNDED" }
        try await pos.read()

        try await waitForMessages([cash, pix, ignored])
        section("What each customer heard on WhatsApp")
        for id in [cash, pix, ignored] {
            let order = try await get("/api/v1/orders/\(id)")
            for notification in order["notifications"] as? [JSON] ?? [] {
                say("\(id) \(notification["event"]!) [\(notification["status"]!)]: \(notification["body"]!)")
            }
        }
        section("Done")
        say("every step above went through the hub's HTTP API, its job queue and the simulated Asaas, iFood and Twilio")
    }

    // MARK: Steps

    func createOrder(_ client: String, _ store: String, method: String) async throws -> String {
        let order = try await post("/api/v1/orders", [
            "client_id": client, "store_id": store, "source": "WHATSAPP_BOT", "customer_id": "cus-ana", "customer_name": "Ana Souza",
            "phone_number": "+5511987654321", "customer_cpf": "529.982.247-25", "delivery_type": "DELIVERY",
            "delivery_address": ["street": "Rua Augusta", "number": "100"], "delivery_fee": 500, "delivery_time": "em 40 minutos",
            "items": [["item_id": "pz-1", "name": "Pizza Margherita", "quantity": 2, "unit_price": 3990]], "payment_method": method,
        ])
        say("the bot creates \(order["id"]!): \(method), total \(order["total"]!) centavos, status \(order["status"]!), payment \(order["payment_status"]!)")
        return order["id"] as! String
    }

    func posMoves(_ order: String, to status: String, pos: POSReader, key: String) async throws {
        let moved = try await call("POST", "/api/v1/orders/\(order)/status", ["status": status], token: key)
        say("the POS moves \(order) to \(status) → \(moved["status"]!)")
        try await pos.read()
    }

    func waitFor(_ order: String, _ what: String, timeout: Duration = .seconds(30), _ done: (JSON) -> Bool) async throws -> JSON {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let current = try await get("/api/v1/orders/\(order)")
            if done(current) { return current }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw DemoFailure(message: "order \(order): \(what) did not happen within \(timeout)")
    }

    func waitForOrder(_ store: String, source: String) async throws -> JSON {
        for _ in 0..<300 {
            let page = try await get("/api/v1/orders?store_id=\(store)")
            if let order = (page["data"] as? [JSON])?.first(where: { $0["source"] as? String == source }) { return order }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw DemoFailure(message: "no \(source) order arrived within 30 s")
    }

    func waitForIFood(_ codes: [String]) async throws {
        for _ in 0..<300 {
            let page = try await get("/api/v1/webhooks?provider=ifood&limit=100")
            let types = Set((page["data"] as? [JSON] ?? []).compactMap { $0["event_type"] as? String })
            if Set(codes).isSubset(of: types) {
                say("iFood reported back: \(codes.joined(separator: ", ")) (each the answer to one of the POS's actions)")
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw DemoFailure(message: "iFood did not report \(codes) within 30 s")
    }

    /// Waits (up to 10 s) until Twilio has reported the delivery of every message of `orders`.
    func waitForMessages(_ orders: [String]) async throws {
        for _ in 0..<100 {
            var settled = true
            for id in orders {
                let notifications = try await get("/api/v1/orders/\(id)")["notifications"] as? [JSON] ?? []
                settled = settled && notifications.allSatisfy { ["delivered", "read", "failed", "undelivered"].contains($0["status"] as? String ?? "") }
            }
            if settled { return }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// Reads the store's stream as its POS does, with the store's key, and prints what is new.
final class POSReader: @unchecked Sendable {
    let demo: OrdersDemo
    let store: String
    let key: String
    private var after = 0

    init(demo: OrdersDemo, store: String, key: String) {
        self.demo = demo
        self.store = store
        self.key = key
    }

    func read() async throws {
        // A short wait: what the last step caused (a job, a webhook) may still be on its way.
        let page = try await demo.call("GET", "/api/v1/stores/\(store)/events?after=\(after)&wait=1", nil, token: key)
        for event in page["events"] as? [OrdersDemo.JSON] ?? [] {
            let data = event["data"] as? OrdersDemo.JSON ?? [:]
            var line = "POS stream #\(event["seq"]!) \(event["type"]!)"
            switch event["type"] as? String {
            case "REMOTE_ORDER_RECEIVED":
                let order = data["order"] as? OrdersDemo.JSON ?? [:]
                line += " \(order["id"]!) from \(order["source"]!)" + ((data["awaiting_confirmation"] as? Bool == true) ? " (awaiting confirmation)" : "")
            case "ORDER_STATUS_CHANGED":
                line += " \(data["order_id"]!) \(data["from"]!) → \(data["to"]!) by \(data["by"]!)" + ((data["notes"] as? String).map { ": \($0)" } ?? "")
            case "PAYMENT_STATUS_CHANGED":
                line += " \(data["order_id"]!) payment \(data["from"]!) → \(data["to"]!)"
            default:
                break
            }
            demo.say(line)
        }
        if let next = page["next_after"] as? Int { after = next }
    }
}

