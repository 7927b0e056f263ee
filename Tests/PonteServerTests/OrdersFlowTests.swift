import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PonteJobs
import PonteSandbox
import Testing

/// Store orders through the HTTP API, beside the sandbox: stores and their policy, store keys,
/// orders refused and created, the state machine, Asaas charges, webhooks and refunds, the
/// deadlines on an injected clock, and the POS stream. On SQLite, and on PostgreSQL when
/// `PONTE_TEST_POSTGRES_URL` is set.
@Suite struct OrdersFlowTests {
    @Test(arguments: HubDatabase.available)
    func storesTheirPolicyAndTheirKeys(backend: HubDatabase) async throws {
        try await withHubHarness(backend) { hub in
            let (client, store) = try await hub.makeStore()
            let path = "/api/v1/clients/\(client)/stores/\(store)"
            #expect(try await hub.object(.get, path)["time_zone"] as? String == "America/Sao_Paulo")
            let renamed = try await hub.object(.patch, path, json: #"{"name": "Centro (Augusta)", "ifood_merchant_id": "m-77"}"#)
            #expect(renamed["name"] as? String == "Centro (Augusta)")
            #expect(renamed["ifood_merchant_id"] as? String == "m-77")
            expectError(try await hub.call(.patch, path, json: #"{"time_zone": "Mars/Olympus"}"#), .badRequest, "INVALID_TIME_ZONE")
            expectError(
                try await hub.call(.patch, path, json: #"{"operating_hours": {"mon": [["25:00", "23:00"]]}}"#), .badRequest, "INVALID_OPERATING_HOURS")
            expectError(try await hub.call(.get, "/api/v1/clients/\(client)/stores/st_nope"), .notFound, "STORE_NOT_FOUND")

            // No policy yet: the seed's defaults.
            let defaults = try await hub.object(.get, path + "/order-config")
            #expect(defaults["requires_confirmation"] as? Bool == false)
            #expect(defaults["refund_timeout"] as? Int == 60)
            #expect(defaults["accepted_payment_methods"] as? [String] == ["PIX", "CREDIT", "DEBIT", "CASH"])
            let invalid = try await hub.call(.put, path + "/order-config", json: #"{"refund_timeout": -5}"#)
            expectError(invalid, .badRequest, "INVALID_ORDER_CONFIG")
            #expect(String(buffer: invalid.body).contains(#""field":"refund_timeout""#))
            expectError(
                try await hub.call(.put, path + "/order-config", json: #"{"accepted_payment_methods": ["PIX", "BITCOIN"]}"#),
                .badRequest, "INVALID_ORDER_CONFIG")
            let stored = try await hub.object(.put, path + "/order-config", json: #"{"requires_confirmation": true, "minimum_order_value": 2000}"#)
            #expect(stored["requires_confirmation"] as? Bool == true)
            #expect(stored["updated_at"] is String)
            #expect(try await hub.object(.get, path + "/order-config")["minimum_order_value"] as? Int == 2000)

            // A store key sees its own store only; another store's ids are 404 like unknown ids.
            let key = try await hub.object(.post, path + "/api-keys")
            let secret = try #require(key["key"] as? String)
            #expect(secret.hasPrefix("ponte_sk_"))
            let (otherClient, otherStore) = try await hub.makeStore()
            let mine = try await hub.createOrder(client: client, store: store, method: "CASH")
            let theirs = try await hub.createOrder(client: otherClient, store: otherStore, method: "CASH")
            #expect(try await hub.object(.get, "/api/v1/orders/\(mine["id"] as! String)", token: secret)["id"] as? String == mine["id"] as? String)
            expectError(try await hub.call(.get, "/api/v1/orders/\(theirs["id"] as! String)", token: secret), .notFound, "ORDER_NOT_FOUND")
            expectError(try await hub.call(.get, "/api/v1/orders/ord_unknown", token: secret), .notFound, "ORDER_NOT_FOUND")
            expectError(
                try await hub.call(.post, "/api/v1/orders/\(theirs["id"] as! String)/status", json: #"{"status": "PREPARING"}"#, token: secret),
                .notFound, "ORDER_NOT_FOUND")
            expectError(try await hub.call(.get, "/api/v1/stores/\(otherStore)/events", token: secret), .notFound, "STORE_NOT_FOUND")
            let listed = try await hub.object(.get, "/api/v1/orders", token: secret)["data"] as? [[String: Any]]
            #expect(listed?.map { $0["store_id"] as? String } == [store])
            expectError(try await hub.call(.get, "/api/v1/clients", token: secret), .forbidden, "FORBIDDEN")
            #expect(try await hub.streamEvents(store, token: secret).first?.type == "REMOTE_ORDER_RECEIVED")

            // Revoked: the key no longer opens anything.
            let revoked = try await hub.call(.delete, path + "/api-keys/\(key["id"] as! String)")
            #expect(revoked.status == .noContent)
            expectError(try await hub.call(.get, "/api/v1/orders", token: secret), .unauthorized, "UNAUTHORIZED")
        }
    }

    @Test(arguments: HubDatabase.available)
    func refusedOrdersChangeNothingAndRetriesReturnTheSameOrder(backend: HubDatabase) async throws {
        try await withHubHarness(backend) { hub in
            let (client, store) = try await hub.makeStore(config: #"{"accepted_payment_methods": ["PIX", "CASH"], "minimum_order_value": 2000}"#)
            let order = { (method: String, changes: [String: Any]) in
                HubHarness.orderJSON(client: client, store: store, method: method, changes: changes)
            }
            let water = { (quantity: Int, price: Int) -> [[String: Any]] in [["item_id": "a", "name": "Água", "quantity": quantity, "unit_price": price]] }
            let cases: [(String, HTTPResponse.Status, String)] = [
                (order("PIX", ["customer_cpf": "529.982.247-24"]), .badRequest, "CPF_INVALID"),
                (order("PIX", ["customer_cpf": NSNull()]), .badRequest, "CPF_REQUIRED"),
                (order("CREDIT", [:]), .unprocessableContent, "PAYMENT_METHOD_NOT_ACCEPTED"),
                (order("CASH", ["total": 1]), .unprocessableContent, "ORDER_TOTALS_MISMATCH"),
                (order("CASH", ["phone_number": "11 98765-4321"]), .badRequest, "INVALID_PHONE_NUMBER"),
                (order("CASH", ["items": [Any]()]), .badRequest, "ORDER_ITEMS_EMPTY"),
                (order("CASH", ["items": water(0, 500)]), .badRequest, "INVALID_QUANTITY"),
                (order("CASH", ["items": water(1, -1)]), .badRequest, "INVALID_PRICE"),
                (order("CASH", ["items": water(1, 500)]), .unprocessableContent, "BELOW_MINIMUM_ORDER_VALUE"),
                (order("CASH", ["store_id": "st_unknown"]), .notFound, "STORE_NOT_FOUND"),
                (order("CASH", ["source": "IFOOD"]), .badRequest, "INVALID_SOURCE"),
                ("{\"client_id\": ", .badRequest, "INVALID_JSON"),
            ]
            for (body, status, code) in cases {
                expectError(try await hub.call(.post, "/api/v1/orders", json: body), status, code)
            }
            #expect((try await hub.object(.get, "/api/v1/orders")["data"] as? [Any])?.isEmpty == true, "a refused order stored nothing")

            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "bot-conversation-42"]
            let first = try await hub.call(.post, "/api/v1/orders", json: order("CASH", [:]), headers: key)
            let again = try await hub.call(.post, "/api/v1/orders", json: order("CASH", [:]), headers: key)
            #expect(first.status == .created)
            #expect(again.status == .ok)
            let firstID = try #require(try JSONSerialization.jsonObject(with: Data(first.body.readableBytesView)) as? [String: Any])["id"]
            let againID = try #require(try JSONSerialization.jsonObject(with: Data(again.body.readableBytesView)) as? [String: Any])["id"]
            #expect(firstID as? String == againID as? String)
            expectError(
                try await hub.call(.post, "/api/v1/orders", json: order("CASH", ["discount": 100]), headers: key), .conflict,
                "IDEMPOTENCY_KEY_REUSED")
            #expect((try await hub.object(.get, "/api/v1/orders")["data"] as? [Any])?.count == 1)
        }
    }

    @Test(arguments: HubDatabase.available)
    func theStoreIsClosedInItsOwnTimeZone(backend: HubDatabase) async throws {
        try await withHubHarness(backend) { hub in
            let client = try await hub.object(.post, "/api/v1/clients", json: #"{"name": "Bar"}"#)["id"] as! String
            // Open 18:00–02:00 São Paulo time; the clock is 12:06 there (15:06 UTC).
            let store = try await hub.object(
                .post, "/api/v1/clients/\(client)/stores",
                json: #"{"name": "Noite", "time_zone": "America/Sao_Paulo", "operating_hours": {"sun": [["18:00", "02:00"]]}}"#)["id"] as! String
            try await hub.object(.put, "/api/v1/clients/\(client)/stores/\(store)/order-config", json: #"{"operating_hours_check": true}"#)
            expectError(
                try await hub.call(.post, "/api/v1/orders", json: HubHarness.orderJSON(client: client, store: store, method: "CASH")),
                .unprocessableContent, "STORE_CLOSED")
            hub.clock.advance(by: .seconds(7 * 3600))  // 19:06 in São Paulo
            _ = try await hub.createOrder(client: client, store: store, method: "CASH")
        }
    }

    @Test(arguments: HubDatabase.available)
    func aCashOrderReachesTheStoreAndMovesThroughTheStateMachine(backend: HubDatabase) async throws {
        try await withHubHarness(backend) { hub in
            let (client, store) = try await hub.makeStore()
            let order = try await hub.createOrder(client: client, store: store, method: "CASH")
            let id = try #require(order["id"] as? String)
            #expect(order["total"] as? Int == 8480)
            #expect(order["subtotal"] as? Int == 7980)
            #expect(order["payment_status"] as? String == "NOT_APPLICABLE")
            // No confirmation required: confirmed by the system at creation.
            #expect(order["status"] as? String == "CONFIRMED")
            let history = try #require(order["status_history"] as? [[String: Any]])
            #expect(history.map { $0["status"] as? String } == ["PENDING", "CONFIRMED"])
            #expect(history.last?["by"] as? String == "SYSTEM")

            let preparing = try await hub.object(.post, "/api/v1/orders/\(id)/status", json: #"{"status": "PREPARING", "notes": "forno 2"}"#)
            #expect(preparing["status"] as? String == "PREPARING")
            let same = try await hub.call(.post, "/api/v1/orders/\(id)/status", json: #"{"status": "PREPARING"}"#)
            #expect(same.status == .ok)
            let invalid = try await hub.call(.post, "/api/v1/orders/\(id)/status", json: #"{"status": "DELIVERED"}"#)
            expectError(invalid, .conflict, "INVALID_STATUS_TRANSITION")
            expectError(try await hub.call(.post, "/api/v1/orders/\(id)/status", json: #"{"status": "EATEN"}"#), .badRequest, "INVALID_JSON")
            let detail = try await hub.order(id)
            #expect((detail["status_history"] as? [Any])?.count == 3, "the repeat and the refusal added nothing")

            let events = try await hub.streamEvents(store)
            #expect(events.map(\.type) == ["REMOTE_ORDER_RECEIVED", "ORDER_STATUS_CHANGED", "ORDER_STATUS_CHANGED"])
            #expect(events[0].data["awaiting_confirmation"] as? Bool == false)
            #expect(events[2].data["from"] as? String == "CONFIRMED")
            #expect(events[2].data["to"] as? String == "PREPARING")
            #expect(events[2].data["by"] as? String == "RESTAURANT")
            #expect(events[2].data["notes"] as? String == "forno 2")

            for (filter, count) in [("store_id=\(store)&status=PREPARING", 1), ("store_id=\(store)&status=PENDING", 0),
                                    ("phone_number=%2B5511987654321", 1), ("customer_id=cus-1", 1), ("payment_status=NOT_APPLICABLE", 1)] {
                let page = try await hub.object(.get, "/api/v1/orders?\(filter)")
                #expect((page["data"] as? [Any])?.count == count, "\(filter)")
            }
        }
    }

    @Test(arguments: HubDatabase.available)
    func aPixOrderIsChargedOnceReachesTheStoreWhenPaidAndIsRefundedAtItsDeadline(backend: HubDatabase) async throws {
        try await withHubHarness(backend) { hub in
            let (client, store) = try await hub.makeStore(
                config: #"{"requires_confirmation": true, "refund_unconfirmed_orders": true, "refund_timeout": 15}"#)
            let created = try await hub.createOrder(client: client, store: store, method: "PIX")
            let id = try #require(created["id"] as? String)
            #expect(created["payment_status"] as? String == "PENDING")
            try await hub.run()

            var order = try await hub.order(id)
            let paymentID = try #require(order["payment_id"] as? String)
            let details = try #require(order["payment_details"] as? [String: Any])
            #expect((details["pix_copy_paste"] as? String)?.hasPrefix("000201") == true)
            #expect((details["pix_qr_code_base64"] as? String).flatMap { Data(base64Encoded: $0) }?.starts(with: [0x89, 0x50, 0x4E, 0x47]) == true)
            #expect(details["expires_at"] is String)
            #expect(try await hub.streamEvents(store).isEmpty, "an unpaid order never reaches the kitchen")

            try await hub.payAsaas(paymentID)
            try await hub.run()
            order = try await hub.order(id)
            #expect(order["payment_status"] as? String == "PAID")
            #expect(order["status"] as? String == "PENDING")
            #expect(order["awaiting_confirmation"] as? Bool == true)
            let deadline = try #require(order["refund_deadline"] as? String)
            #expect(deadline.hasPrefix("2025-06-15T15:21:40"))
            var events = try await hub.streamEvents(store)
            #expect(events.map(\.type) == ["REMOTE_ORDER_RECEIVED"])
            #expect(events.first?.data["awaiting_confirmation"] as? Bool == true)

            // The store does not answer: at the deadline, cancelled and refunded.
            try await hub.advance(.seconds(14 * 60))
            #expect(try await hub.order(id)["status"] as? String == "PENDING")
            try await hub.advance(.seconds(61))
            order = try await hub.order(id)
            #expect(order["status"] as? String == "REFUNDED", "\(order)")
            #expect(order["payment_status"] as? String == "REFUNDED")
            let history = try #require(order["status_history"] as? [[String: Any]])
            #expect(history.map { $0["status"] as? String } == ["PENDING", "CANCELLED", "REFUNDED"])
            events = try await hub.streamEvents(store)
            #expect(events.map(\.type) == ["REMOTE_ORDER_RECEIVED", "ORDER_STATUS_CHANGED", "PAYMENT_STATUS_CHANGED", "ORDER_STATUS_CHANGED"])

            // Exactly one charge and one refund moved money.
            let ledger = hub.sandbox.environment.ledger.all().filter { $0.provider == .asaas }
            #expect(ledger.filter { $0.kind == .charge }.count == 1)
            #expect(ledger.filter { $0.kind == .refund }.count == 1)
            let notifications = try #require(order["notifications"] as? [[String: Any]])
            #expect(Set(notifications.compactMap { $0["event"] as? String }).isSuperset(of: ["payment:PAID", "status:CANCELLED", "payment:REFUNDED"]))
            // Sent through Twilio, each once, its delivery followed from Twilio's status callbacks.
            #expect(notifications.count == Set(notifications.compactMap { $0["event"] as? String }).count)
            var paid = try #require(notifications.first { $0["event"] as? String == "payment:PAID" })
            for _ in 0..<100 where paid["status"] as? String != "delivered" {
                // Twilio's callbacks come on their own time.
                try await Task.sleep(for: .milliseconds(100))
                try await hub.run()
                paid = try #require((try await hub.order(id)["notifications"] as? [[String: Any]])?.first { $0["event"] as? String == "payment:PAID" })
            }
            #expect((paid["message_sid"] as? String)?.hasPrefix("SM") == true)
            #expect(paid["status"] as? String == "delivered", "\(paid)")
            #expect(paid["to"] as? String == "+5511987654321")
        }
    }

    @Test(arguments: HubDatabase.available)
    func theStoresSilenceConfirmsAndAnUnpaidOrderIsCancelledWhenItsChargeExpires(backend: HubDatabase) async throws {
        try await withHubHarness(backend) { hub in
            let (client, store) = try await hub.makeStore(
                config: #"{"requires_confirmation": true, "auto_confirmation_timeout": 5, "refund_unconfirmed_orders": true, "refund_timeout": 20}"#)
            let cash = try #require(try await hub.createOrder(client: client, store: store, method: "CASH")["id"] as? String)
            let pix = try #require(try await hub.createOrder(client: client, store: store, method: "PIX")["id"] as? String)
            try await hub.run()
            #expect(try await hub.order(cash)["confirmation_deadline"] as? String != nil)
            try await hub.advance(.seconds(5 * 60))
            let confirmed = try await hub.order(cash)
            #expect(confirmed["status"] as? String == "CONFIRMED")
            #expect((confirmed["status_history"] as? [[String: Any]])?.last?["by"] as? String == "SYSTEM")
            // The earlier deadline won; the later one was cancelled and does nothing.
            try await hub.advance(.seconds(20 * 60))
            #expect(try await hub.order(cash)["status"] as? String == "CONFIRMED")

            // The PIX order was never paid: cancelled once its 30-minute window closed.
            #expect(try await hub.order(pix)["status"] as? String == "PENDING")
            try await hub.advance(.seconds(5 * 60))
            #expect(try await hub.order(pix)["status"] as? String == "CANCELLED")
            #expect(try await hub.order(pix)["payment_status"] as? String == "PENDING")
            #expect(try await hub.streamEvents(store).allSatisfy { ($0.data["order"] as? [String: Any])?["id"] as? String != pix })
        }
    }

    @Test(arguments: HubDatabase.available)
    func duplicatedAndLatePaymentWebhooksHaveTheirEffectOnce(backend: HubDatabase) async throws {
        try await withHubHarness(backend) { hub in
            let (client, store) = try await hub.makeStore()
            let id = try #require(try await hub.createOrder(client: client, store: store, method: "PIX")["id"] as? String)
            try await hub.run()
            let paymentID = try #require(try await hub.order(id)["payment_id"] as? String)
            var duplicating = FaultSettings()
            duplicating.webhookDuplicateRate = 1.0
            hub.sandbox.environment.faults.set(duplicating, for: .asaas)
            try await hub.payAsaas(paymentID)
            try await hub.run()
            let order = try await hub.order(id)
            #expect(order["status"] as? String == "CONFIRMED")
            let events = try await hub.streamEvents(store)
            #expect(events.map(\.type) == ["REMOTE_ORDER_RECEIVED", "ORDER_STATUS_CHANGED"])
            #expect((order["notifications"] as? [[String: Any]])?.filter { $0["event"] as? String == "payment:PAID" }.count == 1)
        }
    }

    @Test(arguments: HubDatabase.available)
    func iFoodOrdersAreStoredOnceAndTheStoresActionsGoBackToIFood(backend: HubDatabase) async throws {
        try await withHubHarness(backend) { hub in
            let (_, store) = try await hub.makeStore(extra: #", "ifood_merchant_id": "merchant-centro""#)
            let ifoodID = try await hub.placeIFoodOrder(merchant: "merchant-centro")
            try await hub.run()
            try await hub.pollIFood()  // the same PLACED again, by polling

            let listed = try #require(try await hub.object(.get, "/api/v1/orders?store_id=\(store)")["data"] as? [[String: Any]])
            #expect(listed.count == 1, "stored once")
            let order = try #require(listed.first)
            let id = try #require(order["id"] as? String)
            #expect(order["source"] as? String == "IFOOD")
            #expect(order["external_id"] as? String == ifoodID)
            // iFood's reais, exactly: 2 × 12.34 + 5.90.
            #expect(order["subtotal"] as? Int == 2468)
            #expect(order["delivery_fee"] as? Int == 590)
            #expect(order["total"] as? Int == 3058)
            #expect(order["payment_status"] as? String == "NOT_APPLICABLE")
            // The store needs no confirmation: confirmed at once, and iFood told.
            #expect(order["status"] as? String == "CONFIRMED")

            for status in ["PREPARING", "READY", "DELIVERING"] {
                try await hub.object(.post, "/api/v1/orders/\(id)/status", json: #"{"status": "\#(status)"}"#)
                try await hub.run()
            }
            let received = try await hub.storedWebhooks(provider: "ifood")
            for code in ["PLACED", "CONFIRMED", "PREPARATION_STARTED", "DISPATCHED"] {
                #expect(received.contains(code), "iFood sent \(code) back: \(received)")
            }
            let events = try await hub.streamEvents(store)
            #expect(events.filter { $0.type == "REMOTE_ORDER_RECEIVED" }.count == 1)
        }
    }

    @Test(arguments: HubDatabase.available)
    func anIFoodOrderTheStoreLeavesUnconfirmedIsCancelledByIFood(backend: HubDatabase) async throws {
        try await withHubHarness(backend) { hub in
            let (_, store) = try await hub.makeStore(
                config: #"{"requires_confirmation": true, "refund_unconfirmed_orders": false}"#, extra: #", "ifood_merchant_id": "merchant-noite""#)
            _ = try await hub.placeIFoodOrder(merchant: "merchant-noite", orderType: "TAKEOUT")
            try await hub.run()
            let id = try #require((try await hub.object(.get, "/api/v1/orders?store_id=\(store)")["data"] as? [[String: Any]])?.first?["id"] as? String)
            #expect(try await hub.order(id)["awaiting_confirmation"] as? Bool == true)
            hub.clock.advance(by: .seconds(9 * 60))
            try await hub.pollIFood()
            let order = try await hub.order(id)
            #expect(order["status"] as? String == "CANCELLED")
            #expect((order["status_history"] as? [[String: Any]])?.last?["by"] as? String == "IFOOD")
            #expect(try await hub.streamEvents(store).map(\.type) == ["REMOTE_ORDER_RECEIVED", "ORDER_STATUS_CHANGED"])
        }
    }

    @Test(arguments: HubDatabase.available)
    func aPaidCardOrderCancelledByTheStoreIsRefundedAndAFailedRefundStaysVisible(backend: HubDatabase) async throws {
        try await withHubHarness(backend) { hub in
            let (client, store) = try await hub.makeStore(
                config: #"{"notification_templates": {"CONFIRMED": "Pedido {order_id} confirmado: {total}, chega {delivery_time}."}}"#)
            let id = try #require(
                try await hub.createOrder(client: client, store: store, method: "CREDIT", changes: ["delivery_time": "em 40 minutos"])["id"] as? String)
            try await hub.run()
            var order = try await hub.order(id)
            #expect((order["payment_details"] as? [String: Any])?["payment_link"] is String, "a card order carries its payment page")
            try await hub.payAsaas(try #require(order["payment_id"] as? String))
            try await hub.run()
            order = try await hub.order(id)
            #expect(order["payment_status"] as? String == "PAID")
            #expect(order["status"] as? String == "CONFIRMED")
            let confirmed = (order["notifications"] as? [[String: Any]])?.first { $0["event"] as? String == "status:CONFIRMED" }
            #expect(confirmed?["body"] as? String == "Pedido \(id) confirmado: R$ 84,80, chega em 40 minutos.")

            // Asaas refuses the refund for now: the payment stays PAID and the order says why.
            var failing = FaultSettings()
            failing.errorRate = 1.0
            hub.sandbox.environment.faults.set(failing, for: .asaas)
            try await hub.object(.post, "/api/v1/orders/\(id)/status", json: #"{"status": "CANCELLED", "notes": "sem entregador"}"#)
            try await hub.run()
            order = try await hub.order(id)
            #expect(order["status"] as? String == "CANCELLED")
            #expect(order["payment_status"] as? String == "PAID")
            #expect(((order["payment_details"] as? [String: Any])?["refund_error"] as? String)?.isEmpty == false, "\(order)")

            // Asaas recovers: the retried refund goes through, once.
            hub.sandbox.environment.faults.set(FaultSettings(), for: .asaas)
            try await hub.advance(.seconds(3600))
            order = try await hub.order(id)
            #expect(order["status"] as? String == "REFUNDED")
            #expect(order["payment_status"] as? String == "REFUNDED")
            #expect((order["payment_details"] as? [String: Any])?["refund_error"] == nil)
            let refunds = hub.sandbox.environment.ledger.all().filter { $0.provider == .asaas && $0.kind == .refund }
            #expect(refunds.count == 1)

            // A late PAYMENT_CONFIRMED, after the refund, changes nothing.
            let late = #"{"id": "evt_late_1", "event": "PAYMENT_CONFIRMED", "payment": {"id": "\#(order["payment_id"] as! String)", "externalReference": "\#(id)", "status": "CONFIRMED"}}"#
            let ack = try await hub.call(
                .post, "/webhooks/asaas", json: late, token: nil,
                headers: [HTTPField.Name("asaas-access-token")!: SandboxCredentials.defaults.asaasWebhookToken])
            #expect(ack.status == .ok)
            try await hub.run()
            #expect(try await hub.order(id)["payment_status"] as? String == "REFUNDED")
            #expect(try await hub.order(id)["status"] as? String == "REFUNDED")
        }
    }
}
