import Foundation
import PonteProviders
import Testing

@Suite struct OutboundStripeTests {
    static let secretKey = "sk_test_51SECRETSECRETSECRET"

    @Test func formEncodingMatchesTheSDKsWorkedExample() {
        let encoded = StripeForm.encode([
            ("amount", 2000), ("currency", "brl"), ("capture_method", "manual"),
            ("metadata", .object([("order_id", "A-17"), ("store", "sp01")])),
            ("payment_method_types", .list(["card", "pix"])), ("confirm", true),
            ("shipping", .object([("name", "Ana"), ("address", .object([("city", "São Paulo")]))])),
            ("description", nil),
        ])
        #expect(
            encoded
                == "amount=2000&currency=brl&capture_method=manual&metadata%5Border_id%5D=A-17&metadata%5Bstore%5D=sp01&payment_method_types%5B0%5D=card&payment_method_types%5B1%5D=pix&confirm=true&shipping%5Bname%5D=Ana&shipping%5Baddress%5D%5Bcity%5D=S%C3%A3o+Paulo"
        )
    }

    @Test func formEncodesListsOfObjectsWithIndexes() {
        let pairs = StripeForm.pairs([("items", .list([.object([("price", "p1"), ("quantity", 2)])]))])
        #expect(pairs.map(\.name) == ["items[0][price]", "items[0][quantity]"])
        #expect(pairs.map(\.value) == ["p1", "2"])
    }

    private func client(_ base: String, _ transport: TestTransport) -> StripeClient {
        StripeClient(
            secretKey: Self.secretKey,
            http: transport.client(base, provider: "stripe", retryHintHeader: "Stripe-Should-Retry"))
    }

    @Test func createPaymentIntentSendsAuthVersionKeyAndForm() async throws {
        let transport = TestTransport()
        try await withLoopbackServer({ _, _ in
            .json(
                200,
                #"{"id":"pi_1","object":"payment_intent","amount":12990,"currency":"brl","status":"requires_capture","capture_method":"manual","customer":{"id":"cus_1","object":"customer"},"metadata":{"order_id":"A-17"},"latest_charge":"ch_1"}"#
            )
        }) { server, base in
            let intent = try await client(base, transport).createPaymentIntent(
                StripePaymentIntentCreate(
                    amount: 12990, currency: "BRL", captureMethod: "manual", confirm: true, customer: "cus_1",
                    paymentMethod: "pm_card_visa", metadata: ["order_id": "A-17", "store": "sp01"]),
                idempotencyKey: "order-A-17-intent")
            #expect(intent.id == "pi_1")
            #expect(intent.amount == 12990)
            #expect(intent.customer == "cus_1")
            #expect(intent.status == "requires_capture")
            let request = try #require(server.requests.first)
            #expect(request.method == "POST")
            #expect(request.path == "/v1/payment_intents")
            #expect(request.header("Authorization") == "Bearer \(Self.secretKey)")
            #expect(request.header("Stripe-Version") == StripeClient.defaultAPIVersion)
            #expect(request.header("Idempotency-Key") == "order-A-17-intent")
            #expect(request.header("Content-Type") == "application/x-www-form-urlencoded")
            #expect(
                request.bodyText
                    == "amount=12990&currency=brl&capture_method=manual&confirm=true&customer=cus_1&payment_method=pm_card_visa&metadata%5Border_id%5D=A-17&metadata%5Bstore%5D=sp01"
            )
        }
    }

    @Test func everyCallUsesItsPathAndMethod() async throws {
        let transport = TestTransport()
        try await withLoopbackServer({ request, _ in
            if request.path.hasPrefix("/v1/customers") {
                return .json(200, #"{"id":"cus_1","email":"a@b.c","metadata":{}}"#)
            }
            if request.path.hasPrefix("/v1/refunds") {
                return .json(200, #"{"id":"re_1","amount":500,"currency":"brl","status":"succeeded","payment_intent":"pi_1"}"#)
            }
            return .json(200, #"{"id":"pi_1","amount":1000,"currency":"brl","status":"succeeded"}"#)
        }) { server, base in
            let stripe = client(base, transport)
            _ = try await stripe.createCustomer(StripeCustomerCreate(email: "a@b.c"), idempotencyKey: "c1")
            _ = try await stripe.retrieveCustomer(id: "cus_1")
            _ = try await stripe.retrievePaymentIntent(id: "pi_1")
            _ = try await stripe.confirmPaymentIntent(id: "pi_1", paymentMethod: "pm_1", idempotencyKey: "k2")
            _ = try await stripe.capturePaymentIntent(id: "pi_1", amountToCapture: 800, idempotencyKey: "k3")
            _ = try await stripe.cancelPaymentIntent(id: "pi_1", cancellationReason: "abandoned", idempotencyKey: "k4")
            let refund = try await stripe.createRefund(
                StripeRefundCreate(paymentIntent: "pi_1", amount: 500, reason: "requested_by_customer"),
                idempotencyKey: "k5")
            #expect(refund.amount == 500)
            _ = try await stripe.retrieveRefund(id: "re_1")
            let calls = server.requests.map { "\($0.method) \($0.path) \($0.bodyText)" }
            #expect(
                calls == [
                    "POST /v1/customers email=a%40b.c", "GET /v1/customers/cus_1 ", "GET /v1/payment_intents/pi_1 ",
                    "POST /v1/payment_intents/pi_1/confirm payment_method=pm_1",
                    "POST /v1/payment_intents/pi_1/capture amount_to_capture=800",
                    "POST /v1/payment_intents/pi_1/cancel cancellation_reason=abandoned",
                    "POST /v1/refunds payment_intent=pi_1&amount=500&reason=requested_by_customer",
                    "GET /v1/refunds/re_1 ",
                ])
            #expect(server.requests.filter { $0.method == "GET" }.allSatisfy { $0.header("Idempotency-Key") == nil })
            #expect(transport.metrics.recorded.map(\.operation).contains("payment_intents.capture"))
        }
    }

    @Test func idsCannotEscapeTheirPathSegment() async throws {
        let transport = TestTransport()
        try await withLoopbackServer({ _, _ in .json(200, #"{"id":"x","amount":1,"currency":"brl","status":"succeeded"}"#) }) {
            server, base in
            _ = try await client(base, transport).retrievePaymentIntent(id: "../v1/customers?x=1")
            #expect(server.requests.first?.path.hasPrefix("/v1/payment_intents/") == true)
            #expect(server.requests.first?.query == "")
        }
    }

    @Test func pathSegmentsEscapeEverythingButUnreservedASCII() {
        #expect(OutboundRequest.pathSegment("pi_123") == "pi_123")
        #expect(OutboundRequest.pathSegment("a/b?c#d") == "a%2Fb%3Fc%23d")
        #expect(OutboundRequest.pathSegment("pé") == "p%C3%A9")
        #expect(OutboundRequest.pathSegment("..") == "%2E%2E")
    }

    @Test func errorsMapToTypedErrors() async throws {
        let transport = TestTransport()
        try await withLoopbackServer({ request, _ in
            switch request.path.replacingOccurrences(of: "/capture", with: "") {
            case "/v1/payment_intents/card":
                .json(
                    402,
                    #"{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds."}}"#)
            case "/v1/payment_intents/idem":
                .json(
                    400,
                    #"{"error":{"type":"idempotency_error","message":"Keys for idempotent requests can only be used with the same parameters they were first used with."}}"#)
            case "/v1/payment_intents/limit":
                .json(429, #"{"error":{"type":"invalid_request_error","code":"rate_limit","message":"Too many requests"}}"#)
            case "/v1/payment_intents/legacy-limit":
                .json(400, #"{"error":{"type":"invalid_request_error","code":"rate_limit","message":"Too many"}}"#)
            case "/v1/payment_intents/auth":
                .json(401, #"{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_51SECRETSECRETSECRET"}}"#)
            default:
                .json(500, #"{"error":{"type":"api_error","message":"Something went wrong"}}"#)
            }
        }) { _, base in
            let stripe = client(base, transport)
            func failure(_ id: String) async -> ProviderCallError? {
                await callError { _ = try await stripe.capturePaymentIntent(id: id, idempotencyKey: "key-\(id)") }
            }
            let card = await failure("card")
            #expect(
                card
                    == .rejected(
                        status: 402,
                        error: ProviderErrorBody(
                            code: "card_declined", message: "Your card has insufficient funds.", type: "card_error",
                            declineCode: "insufficient_funds")))
            #expect(card?.isRetryable == false)
            let idempotency = await failure("idem")
            guard case .rejected(400, let body) = idempotency else {
                Issue.record("expected a rejection, got \(String(describing: idempotency))")
                return
            }
            #expect(body.type == "idempotency_error")
            #expect(idempotency?.isRetryable == false)
            #expect(await failure("limit") == .rateLimited(retryAfter: nil))
            #expect(await failure("legacy-limit") == .rateLimited(retryAfter: nil))
            let auth = await failure("auth")
            #expect(auth == .unauthorized(status: 401, message: "Invalid API Key provided: [REDACTED]"))
            let outage = await failure("boom")
            #expect(outage == .unavailable(status: 500, detail: "Something went wrong"))
            #expect(outage?.isRetryable == true)
        }
        // Nothing the client logged or reported holds the key.
        #expect(!transport.logs.recorded.isEmpty)
        #expect(transport.logs.recorded.allSatisfy { !$0.contains(Self.secretKey) })
        #expect(transport.metrics.recorded.allSatisfy { !"\($0)".contains(Self.secretKey) })
    }
}
