import Foundation
import PonteProviders
import Synchronization
import Testing

@Suite struct OutboundAsaasTests {
    static let apiKey = "$aact_hmlg_000MzkwODA2MWY2OGM3MWRlMDU2NWM3MzJlNzZmNGZhZGY6OjQ"

    @Test(arguments: [
        (12990, "129.90"), (0, "0.00"), (5, "0.05"), (100, "1.00"), (-5, "-0.05"), (123_456_789, "1234567.89"),
    ])
    func minorUnitsFormatAsDecimalText(units: Int, text: String) {
        #expect(DecimalMoney.decimalText(minorUnits: units) == text)
        #expect(DecimalMoney.minorUnits(decimalText: text) == units)
    }

    @Test func decimalTextParsesExactlyOrNotAtAll() {
        #expect(DecimalMoney.minorUnits(decimalText: "129.9") == 12990)
        #expect(DecimalMoney.minorUnits(decimalText: "129") == 12900)
        #expect(DecimalMoney.minorUnits(decimalText: "0.29") == 29)
        #expect(DecimalMoney.minorUnits(decimalText: "1.10000") == 110)
        #expect(DecimalMoney.minorUnits(decimalText: ".5") == 50)
        #expect(DecimalMoney.minorUnits(decimalText: "1.005") == nil)
        #expect(DecimalMoney.minorUnits(decimalText: "1e2") == nil)
        #expect(DecimalMoney.minorUnits(decimalText: "") == nil)
        #expect(DecimalMoney.minorUnits(decimalText: "abc") == nil)
        #expect(DecimalMoney.minorUnits(decimalText: "99999999999999999999") == nil)
    }

    @Test func jsonAmountsRoundTripWithoutBinaryFloatingPoint() throws {
        struct Holder: Codable, Equatable { var value: DecimalAmount }
        // Values whose Double arithmetic (× 100) is off: 0.29 × 100 = 28.999999999999996, 1.15 × 100 = 114.99999999999999.
        let json = #"[{"value":0.29},{"value":1.15},{"value":129.90},{"value":1234567.89},{"value":10},{"value":"4.35"}]"#
        let decoded = try JSONDecoder().decode([Holder].self, from: Data(json.utf8))
        #expect(decoded.map(\.value.minorUnits) == [29, 115, 12990, 123_456_789, 1000, 435])
        let encoded = String(decoding: try JSONEncoder().encode(Holder(value: DecimalAmount(minorUnits: 12990))), as: UTF8.self)
        #expect(encoded == #"{"value":129.9}"#)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Holder.self, from: Data(#"{"value":1.005}"#.utf8)) }
    }

    /// A small stand-in for Asaas's payments: creation, lookup by externalReference, refunds.
    final class FakeAsaas: Sendable {
        struct State {
            var payments: [String: String] = [:]  // externalReference → payment JSON
            var refundDescriptions: [String] = []
        }
        let state = Mutex(State())

        func handle(_ request: RecordedRequest) -> ScriptedResponse {
            guard request.header("access_token") == OutboundAsaasTests.apiKey else {
                return .json(401, #"{"errors":[{"code":"invalid_access_token","description":"A chave de API fornecida é inválida"}]}"#)
            }
            switch (request.method, request.path) {
            case ("GET", "/v3/payments"):
                let reference = FormURLEncoded.first("externalReference", in: request.queryPairs) ?? ""
                let found = state.withLock { $0.payments[reference] }
                return .json(
                    200,
                    #"{"object":"list","hasMore":false,"totalCount":\#(found == nil ? 0 : 1),"limit":10,"offset":0,"data":[\#(found ?? "")]}"#)
            case ("POST", "/v3/payments"):
                guard let body = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
                    let reference = body["externalReference"] as? String
                else { return .json(400, #"{"errors":[{"code":"invalid_value","description":"O campo value deve ser informado"}]}"#) }
                let text = String(decoding: request.body, as: UTF8.self)
                let value = text.range(of: #""value":([0-9.]+)"#, options: .regularExpression).map {
                    String(text[$0].dropFirst(8))
                } ?? "0"
                let payment =
                    #"{"object":"payment","id":"pay_\#(reference)","customer":"cus_1","billingType":"PIX","value":\#(value),"status":"PENDING","dueDate":"2030-01-31","externalReference":"\#(reference)"}"#
                state.withLock { $0.payments[reference] = payment }
                return .json(200, payment)
            case ("GET", "/v3/payments/pay_r1"):
                let refunds = state.withLock { $0.refundDescriptions }.map {
                    #"{"value":10.0,"status":"DONE","description":"\#($0)","dateCreated":"2030-01-02 10:00:00"}"#
                }.joined(separator: ",")
                return .json(
                    200,
                    #"{"id":"pay_r1","customer":"cus_1","value":129.90,"status":"RECEIVED","refunds":[\#(refunds)]}"#)
            case ("POST", "/v3/payments/pay_r1/refund"):
                let body = (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]) ?? [:]
                state.withLock { $0.refundDescriptions.append(body["description"] as? String ?? "") }
                return .json(200, #"{"id":"pay_r1","value":129.90,"status":"RECEIVED"}"#)
            default:
                return .json(404, #"{"errors":[{"code":"not_found","description":"Cobrança não encontrada"}]}"#)
            }
        }
    }

    @Test func createIsSafeToRepeatByExternalReference() async throws {
        let transport = TestTransport()
        let fake = FakeAsaas()
        try await withLoopbackServer({ request, _ in fake.handle(request) }) { server, base in
            let asaas = AsaasClient(apiKey: Self.apiKey, http: transport.client(base, provider: "asaas"))
            let fields = AsaasPaymentCreate(
                customer: "cus_1", billingType: .pix, valueMinorUnits: 12990, dueDate: "2030-01-31", description: "Pedido 17")
            let first = try await asaas.createPayment(fields, idempotencyKey: "order-17")
            let second = try await asaas.createPayment(fields, idempotencyKey: "order-17")
            #expect(first.id == "pay_order-17")
            #expect(second == first)
            #expect(first.value.minorUnits == 12990)
            #expect(server.requests.filter { $0.method == "POST" }.count == 1)
            let post = try #require(server.requests.first { $0.method == "POST" })
            #expect(post.header("Content-Type") == "application/json")
            let body = try #require(try JSONSerialization.jsonObject(with: Data(post.body)) as? [String: Any])
            #expect(body["externalReference"] as? String == "order-17")
            #expect(body["billingType"] as? String == "PIX")
            #expect(body["dueDate"] as? String == "2030-01-31")
            #expect(post.bodyText.contains(#""value":129.9"#))

            // The same key with another amount is a reused key, not a second payment.
            var other = fields
            other.value = DecimalAmount(minorUnits: 100)
            let reused = await callError { _ = try await asaas.createPayment(other, idempotencyKey: "order-17") }
            guard case .rejected(_, let error) = reused else {
                Issue.record("expected a rejection, got \(String(describing: reused))")
                return
            }
            #expect(error.code == "idempotency_key_reused")
        }
    }

    @Test func refundIsSentOncePerKey() async throws {
        let transport = TestTransport()
        let fake = FakeAsaas()
        try await withLoopbackServer({ request, _ in fake.handle(request) }) { server, base in
            let asaas = AsaasClient(apiKey: Self.apiKey, http: transport.client(base, provider: "asaas"))
            _ = try await asaas.refundPayment(id: "pay_r1", valueMinorUnits: 1000, description: "Pedido cancelado", idempotencyKey: "refund-17")
            let again = try await asaas.refundPayment(
                id: "pay_r1", valueMinorUnits: 1000, description: "Pedido cancelado", idempotencyKey: "refund-17")
            #expect(server.requests.filter { $0.method == "POST" }.count == 1)
            #expect(again.refunds?.first?.description == "Pedido cancelado [refund-17]")
            #expect(again.refunds?.first?.value?.minorUnits == 1000)
            let post = try #require(server.requests.first { $0.method == "POST" })
            #expect(post.bodyText.contains(#""value":10"#))

            // Another key is another refund.
            _ = try await asaas.refundPayment(id: "pay_r1", valueMinorUnits: 1000, description: "", idempotencyKey: "refund-18")
            #expect(server.requests.filter { $0.method == "POST" }.count == 2)
            #expect(fake.state.withLock { $0.refundDescriptions } == ["Pedido cancelado [refund-17]", "[refund-18]"])
        }
    }

    @Test func errorsMapToTypedErrorsWithoutTheKey() async throws {
        let transport = TestTransport()
        let fake = FakeAsaas()
        try await withLoopbackServer({ request, _ in
            request.path == "/v3/payments/pay_invalid"
                ? .json(
                    400,
                    #"{"errors":[{"code":"invalid_value","description":"O campo value deve ser informado"},{"code":"invalid_dueDate","description":"A data de vencimento não pode ser inferior à hoje"}]}"#)
                : fake.handle(request)
        }) { server, base in
            let http = transport.client(base, provider: "asaas")
            let missing = await callError { _ = try await AsaasClient(apiKey: Self.apiKey, http: http).retrievePayment(id: "pay_x") }
            #expect(
                missing
                    == .rejected(status: 404, error: ProviderErrorBody(code: "not_found", message: "Cobrança não encontrada")))
            let invalid = await callError {
                _ = try await AsaasClient(apiKey: Self.apiKey, http: http).retrievePayment(id: "pay_invalid")
            }
            #expect(
                invalid
                    == .rejected(
                        status: 400,
                        error: ProviderErrorBody(
                            code: "invalid_value",
                            message: "O campo value deve ser informado; A data de vencimento não pode ser inferior à hoje")))
            let unauthorized = await callError {
                _ = try await AsaasClient(apiKey: "wrong-key", http: http).retrievePayment(id: "pay_1")
            }
            #expect(unauthorized == .unauthorized(status: 401, message: "A chave de API fornecida é inválida"))
            #expect(server.requests.first?.header("access_token") == Self.apiKey)
        }
        #expect(transport.logs.recorded.allSatisfy { !$0.contains(Self.apiKey) && !$0.contains("wrong-key") })
    }
}
