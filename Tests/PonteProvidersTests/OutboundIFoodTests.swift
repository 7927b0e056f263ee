import Foundation
import PonteProviders
import Synchronization
import Testing

@Suite struct OutboundIFoodTests {
    static let clientSecret = "ifood-client-secret-XYZ123"

    /// Issues `tok-1`, `tok-2`, ...; `revoked` tokens get 401.
    final class FakeIFood: Sendable {
        let tokensIssued = Mutex(0)
        let revoked = Mutex<Set<String>>([])

        func handle(_ request: RecordedRequest) -> ScriptedResponse {
            if request.path == "/authentication/v1.0/oauth/token" {
                let form = request.form
                guard FormURLEncoded.first("grantType", in: form) == "client_credentials",
                    FormURLEncoded.first("clientId", in: form) == "client-1",
                    FormURLEncoded.first("clientSecret", in: form) == OutboundIFoodTests.clientSecret
                else { return .json(401, #"{"error":{"code":"Unauthorized","message":"invalid client"}}"#) }
                let number = tokensIssued.withLock {
                    $0 += 1
                    return $0
                }
                return .json(200, #"{"accessToken":"tok-\#(number)","type":"bearer","expiresIn":21600}"#)
            }
            let token = request.header("Authorization")?.replacingOccurrences(of: "Bearer ", with: "") ?? ""
            guard token.hasPrefix("tok-"), !revoked.withLock({ $0.contains(token) }) else {
                return .json(401, #"{"error":{"code":"Unauthorized","message":"token expired"}}"#)
            }
            switch (request.method, request.path) {
            case ("GET", "/events/v1.0/events:polling"), ("GET", "/order/v1.0/events:polling"):
                if request.header("x-polling-merchants") == "empty" { return ScriptedResponse(status: 204) }
                return .json(
                    200,
                    #"[{"id":"e2","code":"CFM","fullCode":"CONFIRMED","orderId":"o1","merchantId":"m1","createdAt":"2030-01-01T10:00:02.5Z","metadata":{"CLIENT_ID":"c","n":1}},{"id":"e1","code":"PLC","fullCode":"PLACED","orderId":"o1","merchantId":"m1","createdAt":"2030-01-01T10:00:01.1Z"}]"#
                )
            case ("POST", "/events/v1.0/events/acknowledgment"):
                return ScriptedResponse(status: 202)
            case ("GET", "/order/v1.0/orders/o1"):
                return .json(
                    200,
                    #"{"id":"o1","displayId":"4521","orderType":"DELIVERY","orderTiming":"IMMEDIATE","merchant":{"id":"m1","name":"Loja"},"total":{"subTotal":45.9,"deliveryFee":5.00,"benefits":0,"orderAmount":50.90},"items":[{"id":"i1","name":"Pizza","quantity":1,"unitPrice":45.90,"totalPrice":45.90}]}"#
                )
            case ("GET", "/order/v1.0/orders/o1/cancellationReasons"):
                return .json(200, #"[{"cancelCodeId":"501","description":"Problemas de sistema"},{"cancelCodeId":502}]"#)
            case ("POST", let path) where path.hasPrefix("/order/v1.0/orders/o1/"):
                return .json(202, #"{"status":"ACCEPTED"}"#)
            default:
                return .json(404, #"{"error":{"code":"NotFound","message":"order not found"}}"#)
            }
        }
    }

    private func client(_ base: String, _ transport: TestTransport, polling: IFoodClient.PollingAPI = .events) -> IFoodClient {
        IFoodClient(
            clientID: "client-1", clientSecret: Self.clientSecret, http: transport.client(base, provider: "ifood"),
            pollingAPI: polling, now: transport.clock.function)
    }

    @Test func pollingGetsATokenOnceAndSortsEventsByCreation() async throws {
        let transport = TestTransport()
        let fake = FakeIFood()
        try await withLoopbackServer({ request, _ in fake.handle(request) }) { server, base in
            let ifood = client(base, transport)
            let events = try await ifood.poll(merchants: ["m1", "m2"], categories: ["ALL"])
            #expect(events.map(\.id) == ["e1", "e2"])
            #expect(events[1].metadata == ["CLIENT_ID": "c"])
            #expect(try await ifood.poll(merchants: ["empty"]).isEmpty)
            try await ifood.acknowledge(eventIDs: events.map(\.id))
            #expect(fake.tokensIssued.withLock { $0 } == 1)

            let poll = try #require(server.requests.first { $0.path == "/events/v1.0/events:polling" })
            #expect(poll.header("x-polling-merchants") == "m1,m2")
            #expect(poll.query == "categories=ALL")
            #expect(poll.header("Authorization") == "Bearer tok-1")
            let ack = try #require(server.requests.first { $0.path == "/events/v1.0/events/acknowledgment" })
            let body = try #require(try JSONSerialization.jsonObject(with: Data(ack.body)) as? [[String: String]])
            #expect(body == [["id": "e1"], ["id": "e2"]])
            let token = try #require(server.requests.first { $0.path.hasPrefix("/authentication") })
            #expect(token.header("Content-Type") == "application/x-www-form-urlencoded")
        }
        #expect(transport.logs.recorded.allSatisfy { !$0.contains(Self.clientSecret) && !$0.contains("tok-1") })
    }

    @Test func legacyPollingUsesTheOrderModule() async throws {
        let transport = TestTransport()
        let fake = FakeIFood()
        try await withLoopbackServer({ request, _ in fake.handle(request) }) { server, base in
            _ = try await client(base, transport, polling: .legacyOrder).poll()
            #expect(server.requests.contains { $0.path == "/order/v1.0/events:polling" })
        }
    }

    @Test func tokenIsRenewedNearExpiryAndOnceOn401() async throws {
        let transport = TestTransport()
        let fake = FakeIFood()
        try await withLoopbackServer({ request, _ in fake.handle(request) }) { _, base in
            let ifood = client(base, transport)
            _ = try await ifood.order(id: "o1")
            transport.clock.advance(by: 21600 - 59)
            _ = try await ifood.order(id: "o1")
            #expect(fake.tokensIssued.withLock { $0 } == 2)

            fake.revoked.withLock { _ = $0.insert("tok-2") }
            try await ifood.confirm(orderID: "o1")
            #expect(fake.tokensIssued.withLock { $0 } == 3)
        }
    }

    @Test func ordersActionsAndReasons() async throws {
        let transport = TestTransport()
        let fake = FakeIFood()
        try await withLoopbackServer({ request, _ in fake.handle(request) }) { server, base in
            let ifood = client(base, transport)
            let order = try await ifood.order(id: "o1")
            #expect(order.displayId == "4521")
            #expect(order.total?.orderAmount?.minorUnits == 5090)
            #expect(order.total?.subTotal?.minorUnits == 4590)
            #expect(order.items?.first?.unitPrice?.minorUnits == 4590)
            try await ifood.confirm(orderID: "o1")
            try await ifood.startPreparation(orderID: "o1")
            try await ifood.readyToPickup(orderID: "o1")
            try await ifood.dispatch(orderID: "o1")
            let reasons = try await ifood.cancellationReasons(orderID: "o1")
            #expect(reasons.map(\.cancelCodeId) == ["501", "502"])
            try await ifood.requestCancellation(orderID: "o1", reason: "Sem entregador", cancellationCode: "501")
            let posts = server.requests.filter { $0.method == "POST" && $0.path.hasPrefix("/order") }
            #expect(
                posts.map(\.path) == [
                    "/order/v1.0/orders/o1/confirm", "/order/v1.0/orders/o1/startPreparation",
                    "/order/v1.0/orders/o1/readyToPickup", "/order/v1.0/orders/o1/dispatch",
                    "/order/v1.0/orders/o1/requestCancellation",
                ])
            let cancel = try #require(try JSONSerialization.jsonObject(with: Data(posts[4].body)) as? [String: String])
            #expect(cancel == ["reason": "Sem entregador", "cancellationCode": "501"])
            let missing = await callError { _ = try await ifood.order(id: "nope") }
            #expect(missing == .rejected(status: 404, error: ProviderErrorBody(code: "NotFound", message: "order not found")))
        }
    }

    @Test func actionsAreRetriedInCallOn5xx() async throws {
        let transport = TestTransport()
        let fake = FakeIFood()
        try await withLoopbackServer({ request, index in
            request.path.hasSuffix("/confirm") && index == 1 ? .json(503, "{}") : fake.handle(request)
        }) { server, base in
            try await client(base, transport).confirm(orderID: "o1")
            #expect(server.requests.filter { $0.path.hasSuffix("/confirm") }.count == 2)
        }
    }

    @Test func wrongClientSecretIsUnauthorized() async throws {
        let transport = TestTransport()
        let fake = FakeIFood()
        try await withLoopbackServer({ request, _ in fake.handle(request) }) { _, base in
            let ifood = IFoodClient(
                clientID: "client-1", clientSecret: "wrong-secret-value", http: transport.client(base, provider: "ifood"))
            let error = await callError { _ = try await ifood.poll() }
            #expect(error == .unauthorized(status: 401, message: "invalid client"))
        }
    }
}
