import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import PonteSandbox

/// Drives the iFood simulator through the sandbox's real router on a fixed sandbox clock.
private struct IFoodHarness {
    let sandbox: Sandbox
    let client: any TestClientProtocol

    struct Answer {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var text: String
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) }
        var object: [String: Any] { json as? [String: Any] ?? [:] }
        var events: [[String: Any]] { json as? [[String: Any]] ?? [] }
        var errorCode: String? { (object["error"] as? [String: Any])?["code"] as? String }
    }

    static func run(_ test: @Sendable (IFoodHarness) async throws -> Void) async throws {
        try await withSandboxRouter(label: "ifood-test") { sandbox, client in
            try await test(IFoodHarness(sandbox: sandbox, client: client))
        }
    }

    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ path: String, _ body: String? = nil, token: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> Answer {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        let response = try await client.execute(
            uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }
        )
        return Answer(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }

    func token(
        id: String = SandboxCredentials.defaults.ifoodClientID,
        secret: String = SandboxCredentials.defaults.ifoodClientSecret
    ) async throws -> Answer {
        var headers = HTTPFields()
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await call(
            .post, "/ifood/authentication/v1.0/oauth/token",
            "grantType=client_credentials&clientId=\(id)&clientSecret=\(secret)", headers: headers
        )
    }

    func bearer() async throws -> String {
        try #require(try await token().object["accessToken"] as? String)
    }

    func placeOrder(_ body: String = "{}") async throws -> String {
        let answer = try await call(.post, "/_sandbox/ifood/orders", body)
        #expect(answer.status == .created, "\(answer.text)")
        return try #require(answer.object["id"] as? String)
    }

    func poll(_ token: String, path: String = "/ifood/events/v1.0/events:polling", merchants: String? = nil)
        async throws -> Answer
    {
        var headers = HTTPFields()
        if let merchants { headers[HTTPField.Name("x-polling-merchants")!] = merchants }
        return try await call(.get, path, token: token, headers: headers)
    }

    func acknowledgeAll(_ token: String) async throws {
        let ids = try await poll(token).events.compactMap { $0["id"] as? String }
        let body = "[" + ids.map { #"{"id":"\#($0)"}"# }.joined(separator: ",") + "]"
        #expect(
            try await call(.post, "/ifood/events/v1.0/events/acknowledgment", body, token: token).status == .accepted)
    }

    var webhookTypes: [String] {
        sandbox.environment.webhooks.deliveries().filter { $0.provider == .ifood }.map(\.eventType)
    }
}

@Suite struct IFoodSimulatorTests {
    @Test func tokensNeedTheRightClientAndExpireOnTheSandboxClock() async throws {
        try await IFoodHarness.run { ifood in
            let wrong = try await ifood.token(secret: "nope")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.errorCode == "Unauthorized")
            let answer = try await ifood.token()
            #expect(answer.object["type"] as? String == "bearer")
            #expect(answer.object["expiresIn"] as? Int == 21_600)
            let token = try #require(answer.object["accessToken"] as? String)

            #expect(try await ifood.poll(token).status == .noContent)
            #expect(try await ifood.poll("not-a-token").status == .unauthorized)
            #expect(try await ifood.call(.get, "/ifood/events/v1.0/events:polling").status == .unauthorized)
            ifood.sandbox.environment.clock.advance(by: 21_599)
            #expect(try await ifood.poll(token).status == .noContent)
            ifood.sandbox.environment.clock.advance(by: 1)
            #expect(try await ifood.poll(token).status == .unauthorized)
        }
    }

    @Test func placedOrderIsPolledOnBothPathsUntilAcknowledged() async throws {
        try await IFoodHarness.run { ifood in
            let token = try await ifood.bearer()
            let orderID = try await ifood.placeOrder(
                #"{"merchantId":"m-1","items":[{"name":"Pizza","quantity":2,"unitPrice":39.9}]}"#)
            for path in ["/ifood/events/v1.0/events:polling", "/ifood/order/v1.0/events:polling"] {
                let polled = try await ifood.poll(token, path: path)
                #expect(polled.status == .ok)
                #expect(polled.events.count == 1)
                let event = try #require(polled.events.first)
                #expect(event["code"] as? String == "PLC")
                #expect(event["fullCode"] as? String == "PLACED")
                #expect(event["orderId"] as? String == orderID)
                #expect(event["merchantId"] as? String == "m-1")
                #expect((event["createdAt"] as? String)?.hasSuffix(".000Z") == true)
            }
            #expect(try await ifood.poll(token, merchants: "m-2,m-3").status == .noContent)
            #expect(try await ifood.poll(token, merchants: "m-2, m-1").events.count == 1)

            let order = try await ifood.call(.get, "/ifood/order/v1.0/orders/\(orderID)", token: token)
            #expect(order.object["orderType"] as? String == "DELIVERY")
            #expect(order.text.contains(#""subTotal":79.8"#))
            #expect(((order.object["merchant"] as? [String: Any])?["id"]) as? String == "m-1")

            #expect(
                try await ifood.call(.post, "/ifood/order/v1.0/events/acknowledgment", "not json", token: token).status
                    == .badRequest)
            try await ifood.acknowledgeAll(token)
            #expect(try await ifood.poll(token).status == .noContent)
            #expect(ifood.webhookTypes == ["PLACED"])
        }
    }

    @Test func orderActionsProduceOneEventEachAndRepeatHarmlessly() async throws {
        try await IFoodHarness.run { ifood in
            let token = try await ifood.bearer()
            let orderID = try await ifood.placeOrder()
            try await ifood.acknowledgeAll(token)
            let base = "/ifood/order/v1.0/orders/\(orderID)"
            #expect(
                try await ifood.call(.post, "\(base)/dispatch", token: token).status == .badRequest, "not confirmed yet"
            )
            for action in [
                "confirm", "confirm", "startPreparation", "readyToPickup", "dispatch", "dispatch", "confirm",
            ] {
                #expect(try await ifood.call(.post, "\(base)/\(action)", token: token).status == .accepted)
            }
            let codes = try await ifood.poll(token).events.compactMap { $0["code"] as? String }
            #expect(codes == ["CFM", "PRS", "RTP", "DSP"])
            #expect(
                ifood.webhookTypes == ["PLACED", "CONFIRMED", "PREPARATION_STARTED", "READY_TO_PICKUP", "DISPATCHED"])

            let late = try await ifood.call(
                .post, "\(base)/requestCancellation", #"{"reason":"late","cancellationCode":"501"}"#, token: token)
            #expect(late.status == .accepted)
            #expect(ifood.webhookTypes.last == "CANCELLATION_REQUEST_FAILED")
            #expect(
                try await ifood.call(.post, "/ifood/order/v1.0/orders/nope/confirm", token: token).status == .notFound)
        }
    }

    @Test func cancellationNeedsAKnownReasonAndBlocksLaterSteps() async throws {
        try await IFoodHarness.run { ifood in
            let token = try await ifood.bearer()
            let orderID = try await ifood.placeOrder(#"{"orderType":"TAKEOUT"}"#)
            let base = "/ifood/order/v1.0/orders/\(orderID)"
            let reasons = try await ifood.call(.get, "\(base)/cancellationReasons", token: token)
            #expect(reasons.events.contains { $0["cancelCodeId"] as? String == "503" })
            let unknown = try await ifood.call(
                .post, "\(base)/requestCancellation", #"{"reason":"x","cancellationCode":"999"}"#, token: token)
            #expect(unknown.status == .badRequest)
            #expect(unknown.errorCode == "BadRequest")
            #expect(
                try await ifood.call(
                    .post, "\(base)/requestCancellation", #"{"reason":"sem item","cancellationCode":"503"}"#,
                    token: token
                ).status == .accepted)
            #expect(
                try await ifood.call(
                    .post, "\(base)/requestCancellation", #"{"reason":"again","cancellationCode":"503"}"#, token: token
                ).status == .accepted)
            #expect(try await ifood.call(.post, "\(base)/dispatch", token: token).status == .badRequest)
            #expect(ifood.webhookTypes == ["PLACED", "CANCELLED"])
        }
    }

    @Test func unconfirmedOrderIsCancelledAfterEightMinutes() async throws {
        try await IFoodHarness.run { ifood in
            let token = try await ifood.bearer()
            let late = try await ifood.placeOrder()
            let confirmed = try await ifood.placeOrder()
            #expect(
                try await ifood.call(.post, "/ifood/order/v1.0/orders/\(confirmed)/confirm", token: token).status
                    == .accepted)
            try await ifood.acknowledgeAll(token)
            ifood.sandbox.environment.clock.advance(by: 7 * 60 + 59)
            #expect(try await ifood.poll(token).status == .noContent)
            ifood.sandbox.environment.clock.advance(by: 1)
            let events = try await ifood.poll(token).events
            #expect(events.count == 1)
            #expect(events.first?["code"] as? String == "CAN")
            #expect(events.first?["orderId"] as? String == late)
            #expect(
                try await ifood.call(.post, "/ifood/order/v1.0/orders/\(late)/confirm", token: token).status
                    == .badRequest)
        }
    }

    @Test func faultsAnswerInIFoodShape() async throws {
        try await IFoodHarness.run { ifood in
            var settings = FaultSettings()
            settings.rateLimitRate = 1
            settings.retryAfterSeconds = 3
            ifood.sandbox.environment.faults.set(settings, for: .ifood)
            let answer = try await ifood.token()
            #expect(answer.status == .tooManyRequests)
            #expect(answer.headers[.retryAfter] == "3")
            #expect(answer.errorCode == "TooManyRequests")
            #expect(
                try await ifood.call(.post, "/_sandbox/ifood/orders", #"{"orderType":"BOAT"}"#).status == .badRequest)
        }
    }
}
