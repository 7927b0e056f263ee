import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import PonteSandbox

/// The Stripe simulator through the real router: form decoding, auth, the PaymentIntent
/// state machine, refunds, idempotency, events, the ledger and injected faults.
@Suite struct StripeSimulatorTests {
    // MARK: Form decoding

    /// The encoding Stripe's Python SDK produces for nested objects and lists (PROVIDERS.md 1.2).
    static let sdkWorkedExample =
        "amount=2000&currency=brl&capture_method=manual&metadata%5Border_id%5D=A-17&metadata%5Bstore%5D=sp01&payment_method_types%5B0%5D=card&payment_method_types%5B1%5D=pix&confirm=true&shipping%5Bname%5D=Ana&shipping%5Baddress%5D%5Bcity%5D=S%C3%A3o+Paulo"

    @Test func theSDKsWorkedEncodingDecodesToNestedParameters() throws {
        let params = try StripeParams.decode(Array(Self.sdkWorkedExample.utf8))
        #expect(try params.int("amount") == 2000)
        #expect(try params.string("currency") == "brl")
        #expect(try params.bool("confirm") == true)
        #expect(try params.strings("payment_method_types") == ["card", "pix"])
        let metadata = try #require(try params.metadata())
        #expect(metadata.clearAll == false)
        #expect(metadata.changes == ["order_id": "A-17", "store": "sp01"])
        #expect(params.json("shipping") == ["name": "Ana", "address": ["city": "São Paulo"]])

        // `payment_method_types` is the name before API version 2026-10-28, still accepted.
        let create = try StripeRequest.PaymentIntentCreate(params)
        #expect(create.amount == 2000 && create.captureMethod == "manual" && create.confirm)
        #expect(create.paymentMethodTypes == ["card", "pix"])
        #expect(create.metadata == ["order_id": "A-17", "store": "sp01"])
    }

    @Test func literalAndPercentEncodedBracketsAreTheSame() throws {
        let literal = Self.sdkWorkedExample.replacingOccurrences(of: "%5B", with: "[").replacingOccurrences(of: "%5D", with: "]")
        #expect(literal.contains("metadata[order_id]=A-17"))
        let a = try StripeParams.decode(Array(Self.sdkWorkedExample.utf8))
        let b = try StripeParams.decode(Array(literal.utf8))
        #expect(a == b)
    }

    @Test func appendedListsAndConflictingShapes() throws {
        let params = try StripeParams.decode(Array("expand[]=latest_charge&expand%5B%5D=customer&metadata=".utf8))
        #expect(try params.strings("expand") == ["latest_charge", "customer"])
        #expect(try params.metadata()?.clearAll == true)
        #expect(throws: StripeError.self) { try StripeParams.decode(Array("metadata=x&metadata[a]=b".utf8)) }
        #expect(throws: StripeError.self) { try StripeParams.decode(Array("amount=12.50".utf8)).int("amount") }
        #expect(StripeParams.path(of: "a[b][c]") == ["a", "b", "c"])
        #expect(StripeParams.path(of: "a[b") == ["a[b"])
    }

    // MARK: Auth

    @Test func requestsWithoutTheSecretKeyAreRefused() async throws {
        try await withStripe { client, _ in
            let none = try await client.stripe(.get, "/v1/customers/cus_x", key: nil)
            #expect(none.status == .unauthorized)
            #expect(none.error("type") == "invalid_request_error")
            #expect(none.error("message")?.hasPrefix("You did not provide an API key.") == true)

            let wrong = try await client.stripe(.get, "/v1/customers/cus_x", key: "sk_test_wrongwrongwrong1234")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.error("message") == "Invalid API Key provided: sk_test_" + String(repeating: "*", count: 15) + "1234")

            let basic = "Basic " + Data((StripeClient.key + ":").utf8).base64EncodedString()
            let viaBasic = try await client.stripe(.get, "/v1/customers/cus_x", authorization: basic)
            #expect(viaBasic.status == .notFound)
            #expect(viaBasic.error("code") == "resource_missing")
            #expect(viaBasic.error("param") == "id")
        }
    }

    // MARK: PaymentIntents

    @Test func automaticCaptureSucceedsAtConfirmationAndRecordsTheCharge() async throws {
        try await withStripe { client, sandbox in
            let customer = try await client.stripe(.post, "/v1/customers", form: "email=ana%40example.com&name=Ana")
            #expect(customer.status == .ok)
            let customerID = try #require(customer.string("id"))
            #expect(customerID.hasPrefix("cus_"))

            let created = try await client.stripe(
                .post, "/v1/payment_intents", form: "amount=2000&currency=brl&customer=\(customerID)&metadata[order]=17",
                idempotencyKey: "create-1"
            )
            #expect(created.status == .ok)
            #expect(created.string("status") == "requires_payment_method")
            #expect(created.string("object") == "payment_intent")
            #expect(created.json["livemode"] as? Bool == false)
            let id = try #require(created.string("id"))
            #expect(created.string("client_secret")?.hasPrefix(id + "_secret_") == true)

            let confirmed = try await client.stripe(
                .post, "/v1/payment_intents/\(id)/confirm", form: "payment_method=pm_card_visa", idempotencyKey: "confirm-1"
            )
            #expect(confirmed.status == .ok)
            #expect(confirmed.string("status") == "succeeded")
            #expect(confirmed.int("amount_received") == 2000)
            #expect(confirmed.string("latest_charge")?.hasPrefix("ch_") == true)
            #expect(confirmed.string("payment_method")?.hasPrefix("pm_") == true)
            #expect(confirmed.string("payment_method") != "pm_card_visa")

            let charges = sandbox.environment.ledger.all()
            #expect(charges.count == 1)
            #expect(charges.first?.kind == .charge && charges.first?.amount == 2000 && charges.first?.reference == "confirm-1")

            let again = try await client.stripe(.post, "/v1/payment_intents/\(id)/confirm", form: "payment_method=pm_card_visa")
            #expect(again.status == .badRequest)
            #expect(again.error("code") == "payment_intent_unexpected_state")

            let cancel = try await client.stripe(.post, "/v1/payment_intents/\(id)/cancel")
            #expect(cancel.status == .badRequest)
            #expect(cancel.error("code") == "payment_intent_unexpected_state")

            let types = sandbox.environment.webhooks.deliveries().map(\.eventType)
            #expect(types == ["customer.created", "payment_intent.created", "payment_intent.succeeded"])
        }
    }

    @Test func manualCaptureAuthorisesThenCapturesPartOfTheAmount() async throws {
        try await withStripe { client, sandbox in
            let created = try await client.stripe(
                .post, "/v1/payment_intents",
                form: "amount=5000&currency=usd&capture_method=manual&confirm=true&payment_method=pm_card_mastercard"
            )
            #expect(created.string("status") == "requires_capture")
            #expect(created.int("amount_capturable") == 5000)
            #expect(created.int("amount_received") == 0)
            #expect(sandbox.environment.ledger.all().isEmpty)
            let id = try #require(created.string("id"))

            let tooMuch = try await client.stripe(.post, "/v1/payment_intents/\(id)/capture", form: "amount_to_capture=6000")
            #expect(tooMuch.status == .badRequest)
            #expect(tooMuch.error("code") == "amount_too_large")

            let captured = try await client.stripe(
                .post, "/v1/payment_intents/\(id)/capture", form: "amount_to_capture=3000", idempotencyKey: "cap-1"
            )
            #expect(captured.status == .ok)
            #expect(captured.string("status") == "succeeded")
            #expect(captured.int("amount_received") == 3000)
            #expect(captured.int("amount_capturable") == 0)
            let entries = sandbox.environment.ledger.all()
            #expect(entries.map(\.kind) == [.capture] && entries.first?.amount == 3000 && entries.first?.reference == "cap-1")

            let twice = try await client.stripe(.post, "/v1/payment_intents/\(id)/capture")
            #expect(twice.status == .badRequest)
            #expect(twice.error("code") == "payment_intent_unexpected_state")
            #expect(twice.error("message")?.contains("status of succeeded") == true)

            let types = sandbox.environment.webhooks.deliveries().map(\.eventType)
            #expect(types == ["payment_intent.created", "payment_intent.amount_capturable_updated", "payment_intent.succeeded"])
        }
    }

    @Test(arguments: [
        ("pm_card_chargeDeclined", "card_declined", "generic_decline"),
        ("pm_card_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds"),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card"),
    ])
    func decliningTestCardsAnswer402AndWantAnotherPaymentMethod(token: String, code: String, declineCode: String) async throws {
        try await withStripe { client, sandbox in
            let created = try await client.stripe(
                .post, "/v1/payment_intents", form: "amount=1500&currency=brl&confirm=true&payment_method=\(token)"
            )
            #expect(created.status.code == 402)
            #expect(created.error("type") == "card_error")
            #expect(created.error("code") == code)
            #expect(created.error("decline_code") == declineCode)
            let intent = try #require((created.json["error"] as? [String: Any])?["payment_intent"] as? [String: Any])
            let id = try #require(intent["id"] as? String)

            let fetched = try await client.stripe(.get, "/v1/payment_intents/\(id)")
            #expect(fetched.string("status") == "requires_payment_method")
            #expect(fetched.json["payment_method"] is NSNull)
            let lastError = try #require(fetched.json["last_payment_error"] as? [String: Any])
            #expect(lastError["code"] as? String == code)
            #expect((lastError["charge"] as? String)?.hasPrefix("ch_") == true)
            #expect(sandbox.environment.ledger.all().isEmpty)
            #expect(sandbox.environment.webhooks.deliveries().map(\.eventType).last == "payment_intent.payment_failed")

            // Another card then succeeds.
            let retried = try await client.stripe(.post, "/v1/payment_intents/\(id)/confirm", form: "payment_method=pm_card_visa")
            #expect(retried.string("status") == "succeeded")
        }
    }

    @Test func cancelingKeepsTheReasonAndRefusesUnknownReasons() async throws {
        try await withStripe { client, _ in
            let created = try await client.stripe(.post, "/v1/payment_intents", form: "amount=900&currency=eur")
            let id = try #require(created.string("id"))
            let bad = try await client.stripe(.post, "/v1/payment_intents/\(id)/cancel", form: "cancellation_reason=bored")
            #expect(bad.status == .badRequest)
            #expect(bad.error("param") == "cancellation_reason")
            let canceled = try await client.stripe(
                .post, "/v1/payment_intents/\(id)/cancel", form: "cancellation_reason=requested_by_customer"
            )
            #expect(canceled.string("status") == "canceled")
            #expect(canceled.string("cancellation_reason") == "requested_by_customer")
            #expect(canceled.int("canceled_at") != nil)
        }
    }

    @Test func badRequestsGetStripesCodes() async throws {
        try await withStripe { client, _ in
            let missing = try await client.stripe(.post, "/v1/payment_intents", form: "currency=brl")
            #expect(missing.error("code") == "parameter_missing" && missing.error("param") == "amount")
            let decimal = try await client.stripe(.post, "/v1/payment_intents", form: "amount=19.90&currency=brl")
            #expect(decimal.error("code") == "parameter_invalid_integer" && decimal.error("param") == "amount")
            let unknown = try await client.stripe(.post, "/v1/payment_intents", form: "amount=2000&currency=brl&colour=red")
            #expect(unknown.error("code") == "parameter_unknown" && unknown.error("param") == "colour")
            let small = try await client.stripe(.post, "/v1/payment_intents", form: "amount=10&currency=brl")
            #expect(small.error("code") == "amount_too_small")
            let noIntent = try await client.stripe(.get, "/v1/payment_intents/pi_nope")
            #expect(noIntent.status == .notFound)
            #expect(noIntent.error("code") == "resource_missing" && noIntent.error("param") == "intent")
            #expect(noIntent.error("message") == "No such payment_intent: 'pi_nope'")
            let noCustomer = try await client.stripe(.post, "/v1/payment_intents", form: "amount=2000&currency=brl&customer=cus_nope")
            #expect(noCustomer.status == .badRequest && noCustomer.error("param") == "customer")
            let route = try await client.stripe(.get, "/v1/nothing_here")
            #expect(route.status == .notFound)
            #expect(route.error("message")?.hasPrefix("Unrecognized request URL (GET: /v1/nothing_here)") == true)
        }
    }

    @Test func listsAreNewestFirstAndPaged() async throws {
        try await withStripe { client, _ in
            var ids: [String] = []
            for amount in [1000, 2000, 3000] {
                let created = try await client.stripe(.post, "/v1/payment_intents", form: "amount=\(amount)&currency=usd")
                ids.append(try #require(created.string("id")))
            }
            let first = try await client.stripe(.get, "/v1/payment_intents?limit=2")
            let data = try #require(first.json["data"] as? [[String: Any]])
            #expect(data.compactMap { $0["id"] as? String } == [ids[2], ids[1]])
            #expect(first.json["has_more"] as? Bool == true)
            let next = try await client.stripe(.get, "/v1/payment_intents?limit=2&starting_after=\(ids[1])")
            #expect((next.json["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[0]])
            #expect(next.json["has_more"] as? Bool == false)
        }
    }

    // MARK: Refunds

    @Test func refundsNeverExceedWhatWasCaptured() async throws {
        try await withStripe { client, sandbox in
            let paid = try await client.stripe(
                .post, "/v1/payment_intents", form: "amount=10000&currency=brl&confirm=true&payment_method=pm_card_visa"
            )
            let id = try #require(paid.string("id"))
            let chargeID = try #require(paid.string("latest_charge"))

            let partial = try await client.stripe(
                .post, "/v1/refunds", form: "payment_intent=\(id)&amount=2500&reason=requested_by_customer",
                idempotencyKey: "refund-1"
            )
            #expect(partial.status == .ok)
            #expect(partial.string("object") == "refund" && partial.string("status") == "succeeded")
            #expect(partial.int("amount") == 2500 && partial.string("charge") == chargeID)
            #expect(partial.string("reason") == "requested_by_customer")

            let tooMuch = try await client.stripe(.post, "/v1/refunds", form: "charge=\(chargeID)&amount=7501")
            #expect(tooMuch.status == .badRequest)
            #expect(tooMuch.error("code") == "amount_too_large" && tooMuch.error("param") == "amount")

            let rest = try await client.stripe(.post, "/v1/refunds", form: "charge=\(chargeID)", idempotencyKey: "refund-2")
            #expect(rest.int("amount") == 7500)
            #expect(rest.string("payment_intent") == id)

            let more = try await client.stripe(.post, "/v1/refunds", form: "payment_intent=\(id)&amount=1")
            #expect(more.status == .badRequest)
            #expect(more.error("code") == "charge_already_refunded")

            let charge = try await client.stripe(.get, "/v1/charges/\(chargeID)")
            #expect(charge.int("amount_refunded") == 10000 && charge.json["refunded"] as? Bool == true)
            let fetched = try await client.stripe(.get, "/v1/refunds/\(try #require(partial.string("id")))")
            #expect(fetched.int("amount") == 2500)

            let refunds = sandbox.environment.ledger.all().filter { $0.kind == .refund }
            #expect(refunds.map(\.amount) == [2500, 7500])
            #expect(refunds.map(\.reference) == ["refund-1", "refund-2"])
            #expect(refunds.allSatisfy { $0.paymentID == id })

            let unpaid = try await client.stripe(.post, "/v1/payment_intents", form: "amount=1000&currency=brl")
            let nothing = try await client.stripe(.post, "/v1/refunds", form: "payment_intent=\(try #require(unpaid.string("id")))")
            #expect(nothing.status == .badRequest)
            let neither = try await client.stripe(.post, "/v1/refunds", form: "amount=5")
            #expect(neither.error("code") == "parameter_missing")
        }
    }

    // MARK: Idempotency

    @Test func aRepeatedKeyReplaysTheAnswerAndADifferentRequestIsRefused() async throws {
        try await withStripe { client, sandbox in
            let form = "amount=2000&currency=brl&confirm=true&payment_method=pm_card_visa"
            let first = try await client.stripe(.post, "/v1/payment_intents", form: form, idempotencyKey: "order-17")
            let second = try await client.stripe(.post, "/v1/payment_intents", form: form, idempotencyKey: "order-17")
            #expect(first.body == second.body)
            #expect(first.headers[StripeHeader.idempotentReplayed] == nil)
            #expect(second.headers[StripeHeader.idempotentReplayed] == "true")
            #expect(sandbox.environment.ledger.all().count == 1)
            #expect(sandbox.environment.ledger.duplicatedReferences().isEmpty)

            let different = try await client.stripe(
                .post, "/v1/payment_intents", form: "amount=2001&currency=brl", idempotencyKey: "order-17"
            )
            #expect(different.status == .badRequest)
            #expect(different.error("type") == "idempotency_error")

            // A request refused by validation does not take its key.
            let invalid = try await client.stripe(.post, "/v1/payment_intents", form: "amount=x&currency=brl", idempotencyKey: "k2")
            #expect(invalid.error("code") == "parameter_invalid_integer")
            let valid = try await client.stripe(.post, "/v1/payment_intents", form: "amount=700&currency=brl", idempotencyKey: "k2")
            #expect(valid.status == .ok)
        }
    }

    // MARK: Events

    @Test func eventsAreKeptWithTheRequestThatCausedThem() async throws {
        try await withStripe { client, sandbox in
            let created = try await client.stripe(
                .post, "/v1/payment_intents", form: "amount=2000&currency=brl", idempotencyKey: "evt-key"
            )
            let delivery = try #require(sandbox.environment.webhooks.deliveries().first)
            #expect(delivery.eventType == "payment_intent.created" && delivery.provider == .stripe)
            let event = try await client.stripe(.get, "/v1/events/\(delivery.eventID)")
            #expect(event.status == .ok)
            #expect(event.string("object") == "event")
            #expect(event.string("api_version") == "2026-10-28.endive")
            #expect(event.json["pending_webhooks"] as? Int == 1)
            let request = try #require(event.json["request"] as? [String: Any])
            #expect(request["idempotency_key"] as? String == "evt-key")
            #expect(request["id"] as? String == created.headers[StripeHeader.requestID])
            let object = try #require((event.json["data"] as? [String: Any])?["object"] as? [String: Any])
            #expect(object["id"] as? String == created.string("id"))
            #expect(object["status"] as? String == "requires_payment_method")

            let missing = try await client.stripe(.get, "/v1/events/evt_nope")
            #expect(missing.status == .notFound && missing.error("code") == "resource_missing")
        }
    }

    // MARK: Faults

    @Test func injectedFaultsUseStripesErrorShapes() async throws {
        try await withStripe { client, sandbox in
            var settings = FaultSettings()
            settings.rateLimitRate = 1
            settings.retryAfterSeconds = 7
            sandbox.environment.faults.set(settings, for: .stripe)
            let limited = try await client.stripe(.post, "/v1/customers", form: "name=Ana")
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] == "7")
            #expect(limited.error("code") == "rate_limit" && limited.error("type") == "invalid_request_error")

            settings = FaultSettings()
            settings.errorRate = 1
            sandbox.environment.faults.set(settings, for: .stripe)
            let broken = try await client.stripe(.get, "/v1/customers/cus_x")
            #expect(broken.status == .internalServerError)
            #expect(broken.error("type") == "api_error")
        }
    }
}

// MARK: - Support

/// Calls the simulator the way Stripe's SDKs do: Bearer key, form bodies.
enum StripeClient {
    static let key = "sk_test_simulator_tests_key"
}

struct StripeAnswer {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: [UInt8]
    var json: [String: Any]

    func string(_ key: String) -> String? { json[key] as? String }
    func int(_ key: String) -> Int? { json[key] as? Int }
    func error(_ key: String) -> String? { (json["error"] as? [String: Any])?[key] as? String }
}

extension TestClientProtocol {
    func stripe(
        _ method: HTTPRequest.Method, _ path: String, form: String = "", key: String? = StripeClient.key,
        authorization: String? = nil, idempotencyKey: String? = nil
    ) async throws -> StripeAnswer {
        var headers = HTTPFields()
        if let authorization {
            headers[.authorization] = authorization
        } else if let key {
            headers[.authorization] = "Bearer \(key)"
        }
        if let idempotencyKey { headers[StripeHeader.idempotencyKey] = idempotencyKey }
        headers[.contentType] = "application/x-www-form-urlencoded"
        let response = try await execute(
            uri: "/stripe" + path, method: method, headers: headers,
            body: method == .post ? ByteBuffer(string: form) : nil
        )
        let bytes = Array(response.body.readableBytesView)
        let json = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
        return StripeAnswer(status: response.status, headers: response.headers, body: bytes, json: json)
    }
}

/// A sandbox with the Stripe simulator on the real router; webhooks stay in the delivery log.
func withStripe(_ body: @Sendable (any TestClientProtocol, Sandbox) async throws -> Void) async throws {
    var credentials = SandboxCredentials.defaults
    credentials.stripeSecretKey = StripeClient.key
    let sandbox = Sandbox(credentials: credentials, hubBaseURL: nil, seed: 1, logger: Logger(label: "stripe-tests"))
    let router = Router(context: SandboxContext.self)
    sandbox.addRoutes(to: router)
    let app = Application(router: router)
    try await app.test(.router) { client in try await body(client, sandbox) }
}
