import Foundation
import HTTPTypes
import Hummingbird
import PonteProviders

/// Stripe's API under `/stripe`: customers, PaymentIntents (confirm, capture, cancel),
/// refunds, charges, payment methods and events, with Stripe's auth, form encoding,
/// idempotency keys, error shapes and signed webhooks.
///
/// Point an SDK at it with `stripe.api_base = "<sandbox>/stripe"`.
public struct StripeSimulator: ProviderSimulator {
    public let provider = SandboxProvider.stripe
    let environment: SandboxEnvironment
    let account = StripeAccount()

    public init(environment: SandboxEnvironment) {
        self.environment = environment
    }

    // MARK: Routes

    public func addRoutes(to group: RouterGroup<SandboxContext>) {
        typealias Request = StripeRequest
        post("v1/customers", group, Request.CustomerFields.init) { call, state, effects throws(StripeError) in
            let customer = state.createCustomer(call.input, &effects)
            return effects.outcome(customer)
        }
        get("v1/customers/:id", group) { call, state throws(StripeError) in try state.customer(call.id) }
        post("v1/customers/:id", group, Request.CustomerFields.init) { call, state, effects throws(StripeError) in
            let customer = try state.updateCustomer(call.id, call.input, &effects)
            return effects.outcome(customer)
        }

        post("v1/payment_intents", group, Request.PaymentIntentCreate.init) { call, state, effects throws(StripeError) in
            try state.createPaymentIntent(call.input, expand: call.expand, &effects)
        }
        get("v1/payment_intents", group, allowed: Request.Page.listParameters.union(["customer", "customer_account"])) {
            call, state throws(StripeError) in
            try state.listPaymentIntents(
                customer: call.params.string("customer"), Request.Page(call.params),
                expand: Request.expansions(call.params)
            )
        }
        get("v1/payment_intents/:id", group, allowed: ["client_secret", "expand"]) { call, state throws(StripeError) in
            try state.expanding(state.intent(call.id).json, Request.expansions(call.params))
        }
        post("v1/payment_intents/:id", group, Request.PaymentIntentUpdate.init) { call, state, effects throws(StripeError) in
            try state.updatePaymentIntent(call.id, call.input, expand: call.expand, &effects)
        }
        post("v1/payment_intents/:id/confirm", group, Request.PaymentIntentConfirm.init) {
            call, state, effects throws(StripeError) in
            try state.confirm(call.id, call.input, expand: call.expand, &effects)
        }
        post("v1/payment_intents/:id/capture", group, Request.PaymentIntentCapture.init) {
            call, state, effects throws(StripeError) in
            try state.capture(call.id, call.input, expand: call.expand, &effects)
        }
        post("v1/payment_intents/:id/cancel", group, Request.PaymentIntentCancel.init) {
            call, state, effects throws(StripeError) in
            try state.cancel(call.id, call.input, expand: call.expand, &effects)
        }

        post("v1/refunds", group, Request.RefundCreate.init) { call, state, effects throws(StripeError) in
            try state.createRefund(call.input, expand: call.expand, &effects)
        }
        get("v1/refunds/:id", group) { call, state throws(StripeError) in
            try state.expanding(state.refund(call.id), Request.expansions(call.params))
        }
        get("v1/charges/:id", group) { call, state throws(StripeError) in
            try state.expanding(state.charge(call.id), Request.expansions(call.params))
        }
        get("v1/payment_methods/:id", group) { call, state throws(StripeError) in
            try state.paymentMethodObject(call.id)
        }
        // The account the key belongs to (https://docs.stripe.com/api/accounts/retrieve): what a
        // connection test asks.
        get("v1/account", group) { _, _ throws(StripeError) in Self.accountObject }
        get("v1/events/:id", group) { call, state throws(StripeError) in try state.event(call.id) }
        let eventFilters: Set<String> = ["delivery_success", "type", "types"]
        get("v1/events", group, allowed: Request.Page.listParameters.union(eventFilters)) {
            call, state throws(StripeError) in
            try state.listEvents(type: call.params.string("type"), Request.Page(call.params))
        }

        for method in [HTTPRequest.Method.get, .post, .delete, .put, .patch] {
            group.on("**", method: method) { request, _ in
                let path = String(request.uri.path.dropFirst("/\(provider.rawValue)".count))
                let error = StripeError(
                    status: .notFound, code: nil,
                    message: "Unrecognized request URL (\(request.method.rawValue): \(path)). Please see https://stripe.com/docs or we can help at https://support.stripe.com/."
                )
                return Self.response(error, requestID: SandboxIDs.random("req_", length: 14))
            }
        }
    }

    public func addControlRoutes(to group: RouterGroup<SandboxContext>) {}

    /// The sandbox's one Stripe account, as `GET /v1/account` shows it.
    static let accountObject: StripeJSON = .object([
        "id": .string("acct_1PonteSandbox00"), "object": .string("account"), "type": .string("standard"),
        "business_profile": .object(["name": .string("Ponte Sandbox"), "url": .null]),
        "charges_enabled": .bool(true), "payouts_enabled": .bool(true), "details_submitted": .bool(true),
        "country": .string("BR"), "default_currency": .string("brl"), "email": .string("sandbox@ponte.example"),
        "created": .int(1_700_000_000), "metadata": .object([:]),
    ])

    public func faultResponse(_ fault: APIFault) -> Response {
        let requestID = SandboxIDs.random("req_", length: 14)
        switch fault {
        case .rateLimited(let seconds):
            var headers = HTTPFields()
            headers[.retryAfter] = String(seconds)
            let error = StripeError(
                status: .tooManyRequests, code: "rate_limit",
                message: "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits."
            )
            return Self.response(error, requestID: requestID, headers: headers)
        default:
            let error = StripeError(
                status: .internalServerError, type: "api_error", code: nil, message: "An unknown error occurred"
            )
            return Self.response(error, requestID: requestID)
        }
    }

    // MARK: Serving a call

    /// A read: its path id and query parameters.
    struct Read: Sendable {
        var id: String
        var params: StripeParams
    }

    /// A write: its path id, validated parameters and `expand[]`.
    struct Write<Input: Sendable>: Sendable {
        var id: String
        var input: Input
        var expand: [String]
    }

    /// Adds a read: authenticated, parameters from the query string, no side effects.
    private func get(
        _ path: RouterPath, _ group: RouterGroup<SandboxContext>, allowed: Set<String> = ["expand"],
        _ read: @escaping @Sendable (Read, StripeAccount.State) throws(StripeError) -> StripeJSON
    ) {
        group.get(path) { request, context in
            let requestID = SandboxIDs.random("req_", length: 14)
            do throws(StripeError) {
                try authenticate(request)
                let params = try StripeParams.decode(Array((request.uri.query ?? "").utf8))
                try params.requireOnly(allowed)
                let call = Read(id: context.parameters.get("id") ?? "", params: params)
                let body = try account.perform { state throws(StripeError) in try read(call, state) }
                return Self.response(body, status: .ok, requestID: requestID)
            } catch {
                return Self.response(error, requestID: requestID)
            }
        }
    }

    /// Adds a write: authenticated, parameters from the form body and validated before
    /// anything happens; then, under its `Idempotency-Key` if it sent one, performed on the
    /// account, and its events and money movements carried out.
    private func post<Input: Sendable>(
        _ path: RouterPath, _ group: RouterGroup<SandboxContext>,
        _ validate: @escaping @Sendable (StripeParams) throws(StripeError) -> Input,
        perform: @escaping @Sendable (Write<Input>, inout StripeAccount.State, inout StripeEffects) throws(StripeError)
            -> StripeOutcome
    ) {
        group.post(path) { request, context in
            let requestID = SandboxIDs.random("req_", length: 14)
            let body = try await SandboxJSON.body(of: request)
            let apiKey: String
            let params: StripeParams
            let call: Write<Input>
            do throws(StripeError) {
                apiKey = try authenticate(request)
                params = try StripeParams.decode(body)
                call = Write(
                    id: context.parameters.get("id") ?? "", input: try validate(params),
                    expand: try StripeRequest.expansions(params)
                )
            } catch {
                return Self.response(error, requestID: requestID)
            }

            let key = request.headers[StripeHeader.idempotencyKey]
            let fingerprint = "POST \(request.uri.path)?\(params.canonicalForm)"
            if let key, let refusal = idempotencyRefusal(key: key, apiKey: apiKey, fingerprint: fingerprint, requestID: requestID) {
                return refusal
            }

            let requestContext = StripeRequestContext(
                requestID: requestID, idempotencyKey: key, now: environment.clock.unixSeconds()
            )
            let outcome: StripeOutcome
            do throws(StripeError) {
                outcome = try account.perform { state throws(StripeError) in
                    var effects = StripeEffects(requestContext)
                    return try perform(call, &state, &effects)
                }
            } catch {
                outcome = StripeOutcome(status: error.status, body: error.body(requestID: requestID))
            }
            let bytes = outcome.body.encoded()
            if let key {
                environment.idempotency.finish(
                    key: key, scope: apiKey, fingerprint: fingerprint,
                    answer: .init(status: Int(outcome.status.code), body: bytes)
                )
            }
            for entry in outcome.ledger { environment.ledger.record(entry) }
            for event in outcome.events {
                environment.webhooks.send(
                    SandboxWebhook(
                        provider: .stripe, eventID: event.id, eventType: event.type, body: .json(event.json.encoded())
                    )
                )
            }
            var headers = HTTPFields()
            if let key { headers[StripeHeader.idempotencyKey] = key }
            return Self.response(bytes: bytes, status: outcome.status, requestID: requestID, headers: headers)
        }
    }

    /// The answer to a request whose key was seen before: the first answer replayed, or
    /// Stripe's idempotency error. Nil when the request should run.
    private func idempotencyRefusal(key: String, apiKey: String, fingerprint: String, requestID: String) -> Response? {
        guard !key.isEmpty, key.count <= 255 else {
            let error = StripeError(
                code: nil, message: "Keys for idempotent requests can only be up to 255 characters long and cannot be empty.",
                param: "Idempotency-Key"
            )
            return Self.response(error, requestID: requestID)
        }
        switch environment.idempotency.begin(key: key, scope: apiKey, fingerprint: fingerprint) {
        case .proceed:
            return nil
        case .replay(let answer):
            var headers = HTTPFields()
            headers[StripeHeader.idempotencyKey] = key
            headers[StripeHeader.idempotentReplayed] = "true"
            return Self.response(
                bytes: answer.body, status: HTTPResponse.Status(code: answer.status), requestID: requestID, headers: headers
            )
        case .mismatch:
            let error = StripeError(
                type: "idempotency_error", code: nil,
                message: "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '\(key)' if you meant to execute a different request."
            )
            return Self.response(error, requestID: requestID)
        case .inFlight:
            let error = StripeError(
                status: .conflict, type: "idempotency_error", code: "idempotency_key_in_use",
                message: "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): \(key). Please try again later."
            )
            return Self.response(error, requestID: requestID)
        }
    }

    // MARK: Authentication

    /// The API key of `request` (`Authorization: Bearer <key>`, or Basic with the key as the
    /// user), which must be the sandbox's secret key.
    @discardableResult
    func authenticate(_ request: Request) throws(StripeError) -> String {
        guard let header = request.headers[.authorization], let key = Self.apiKey(fromAuthorization: header), !key.isEmpty else {
            throw StripeError(
                status: .unauthorized, code: nil,
                message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/."
            )
        }
        guard ConstantTime.secretsEqual(key, environment.credentials.stripeSecretKey) else {
            throw StripeError(status: .unauthorized, code: nil, message: "Invalid API Key provided: \(Self.masked(key))")
        }
        return key
    }

    static func apiKey(fromAuthorization header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        let credential = parts[1].trimmingCharacters(in: .whitespaces)
        switch parts[0].lowercased() {
        case "bearer":
            return credential
        case "basic":
            guard let data = Data(base64Encoded: credential), let text = String(data: data, encoding: .utf8) else {
                return nil
            }
            return String(text.prefix { $0 != ":" })
        default:
            return nil
        }
    }

    /// A key as Stripe shows it in errors: its `sk_test_`-style prefix and last four
    /// characters, the rest as asterisks.
    static func masked(_ key: String) -> String {
        let prefixes = ["sk_test_", "sk_live_", "rk_test_", "rk_live_", "pk_test_", "pk_live_"]
        let prefix = prefixes.first { key.hasPrefix($0) } ?? ""
        let rest = key.dropFirst(prefix.count)
        guard rest.count > 4 else { return prefix + String(repeating: "*", count: rest.count) }
        return prefix + String(repeating: "*", count: rest.count - 4) + rest.suffix(4)
    }

    // MARK: Responses

    static func response(_ error: StripeError, requestID: String, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        if error.status == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"Stripe\"" }
        return response(error.body(requestID: requestID), status: error.status, requestID: requestID, headers: headers)
    }

    static func response(
        _ body: StripeJSON, status: HTTPResponse.Status, requestID: String, headers: HTTPFields = [:]
    ) -> Response {
        response(bytes: body.encoded(), status: status, requestID: requestID, headers: headers)
    }

    static func response(
        bytes: [UInt8], status: HTTPResponse.Status, requestID: String, headers: HTTPFields = [:]
    ) -> Response {
        var fields = headers
        fields[StripeHeader.requestID] = requestID
        fields[StripeHeader.stripeVersion] = StripeEvent.apiVersion
        return .sandboxJSON(bytes: bytes, status: status, headers: fields)
    }
}

/// The headers Stripe adds to its answers, and the idempotency key it reads.
enum StripeHeader {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
    static let requestID = HTTPField.Name("Request-Id")!
    static let stripeVersion = HTTPField.Name("Stripe-Version")!
}
