import Foundation

/// Stripe's v1 API: customers, PaymentIntents and refunds.
///
/// Every `POST` carries the caller's `Idempotency-Key` (stable across retries and job
/// re-runs; there is no random default), so every call is safe to repeat in-call and
/// from the job queue. Errors are `ProviderCallError`: a `card_error` (402) or
/// `idempotency_error` is `.rejected` (permanent), 429 is `.rateLimited`, 5xx `.unavailable`.
public struct StripeClient: Sendable {
    /// The API version the SDK this client was checked against pins.
    public static let defaultAPIVersion = "2026-10-28.endive"

    private let http: ProviderHTTPClient
    private let headers: [(name: String, value: String)]

    /// - Parameters:
    ///   - secretKey: `sk_...`, sent as `Authorization: Bearer`.
    ///   - apiVersion: sent as `Stripe-Version`; nil uses the account's default.
    ///   - stripeAccount: a connected account to act for (`Stripe-Account`).
    public init(
        secretKey: String, apiVersion: String? = StripeClient.defaultAPIVersion, stripeAccount: String? = nil,
        http: ProviderHTTPClient
    ) {
        self.http = http.redacting([secretKey])
        var headers = [(name: "Authorization", value: "Bearer \(secretKey)")]
        if let apiVersion { headers.append((name: "Stripe-Version", value: apiVersion)) }
        if let stripeAccount { headers.append((name: "Stripe-Account", value: stripeAccount)) }
        self.headers = headers
    }

    // MARK: - Customers

    public func createCustomer(_ parameters: StripeCustomerCreate, idempotencyKey: String) async throws -> StripeCustomer {
        try await post("/v1/customers", parameters.form, operation: "customers.create", idempotencyKey: idempotencyKey)
    }

    public func retrieveCustomer(id: String) async throws -> StripeCustomer {
        try await get("/v1/customers/\(OutboundRequest.pathSegment(id))", operation: "customers.retrieve")
    }

    // MARK: - Account

    /// The account the secret key belongs to: a cheap call that tells whether a key works.
    public func retrieveAccount() async throws -> StripeAccount {
        try await get("/v1/account", operation: "account.retrieve")
    }

    // MARK: - PaymentIntents

    public func createPaymentIntent(
        _ parameters: StripePaymentIntentCreate, idempotencyKey: String
    ) async throws -> StripePaymentIntent {
        try await post(
            "/v1/payment_intents", parameters.form, operation: "payment_intents.create", idempotencyKey: idempotencyKey)
    }

    public func retrievePaymentIntent(id: String) async throws -> StripePaymentIntent {
        try await get("/v1/payment_intents/\(OutboundRequest.pathSegment(id))", operation: "payment_intents.retrieve")
    }

    public func confirmPaymentIntent(
        id: String, paymentMethod: String? = nil, returnURL: String? = nil, idempotencyKey: String
    ) async throws -> StripePaymentIntent {
        try await post(
            "/v1/payment_intents/\(OutboundRequest.pathSegment(id))/confirm",
            [("payment_method", .optional(paymentMethod)), ("return_url", .optional(returnURL))],
            operation: "payment_intents.confirm", idempotencyKey: idempotencyKey)
    }

    /// Captures an authorised PaymentIntent; `amountToCapture` (minor unit) nil captures all of it.
    public func capturePaymentIntent(
        id: String, amountToCapture: Int? = nil, idempotencyKey: String
    ) async throws -> StripePaymentIntent {
        try await post(
            "/v1/payment_intents/\(OutboundRequest.pathSegment(id))/capture",
            [("amount_to_capture", .optional(amountToCapture))],
            operation: "payment_intents.capture", idempotencyKey: idempotencyKey)
    }

    /// - Parameter cancellationReason: `duplicate`, `fraudulent`, `requested_by_customer` or `abandoned`.
    public func cancelPaymentIntent(
        id: String, cancellationReason: String? = nil, idempotencyKey: String
    ) async throws -> StripePaymentIntent {
        try await post(
            "/v1/payment_intents/\(OutboundRequest.pathSegment(id))/cancel",
            [("cancellation_reason", .optional(cancellationReason))],
            operation: "payment_intents.cancel", idempotencyKey: idempotencyKey)
    }

    // MARK: - Refunds

    public func createRefund(_ parameters: StripeRefundCreate, idempotencyKey: String) async throws -> StripeRefund {
        try await post("/v1/refunds", parameters.form, operation: "refunds.create", idempotencyKey: idempotencyKey)
    }

    public func retrieveRefund(id: String) async throws -> StripeRefund {
        try await get("/v1/refunds/\(OutboundRequest.pathSegment(id))", operation: "refunds.retrieve")
    }

    // MARK: - Transport

    private func get<T: Decodable>(_ path: String, operation: String) async throws -> T {
        let request = OutboundRequest(method: "GET", path: path, headers: headers, operation: operation)
        return try await http.send(request, errorReader: Self.readError).decode(T.self)
    }

    private func post<T: Decodable>(
        _ path: String, _ parameters: [(String, StripeForm.Value)], operation: String, idempotencyKey: String
    ) async throws -> T {
        let request = OutboundRequest(
            method: "POST", path: path, headers: headers, body: .form(StripeForm.pairs(parameters)),
            operation: operation, idempotency: (header: "Idempotency-Key", key: idempotencyKey))
        return try await http.send(request, errorReader: Self.readError).decode(T.self)
    }

    /// Stripe's `{"error": {type, code, decline_code, message, param}}`.
    static func readError(_ response: OutboundResponse) -> ProviderErrorBody {
        struct Envelope: Decodable { var error: StripeErrorObject }
        guard let error = try? JSONDecoder().decode(Envelope.self, from: Data(response.body)).error else {
            return ProviderErrorBody(message: "HTTP \(response.status) without a Stripe error body")
        }
        return ProviderErrorBody(
            code: error.code, message: error.message ?? "HTTP \(response.status)", type: error.type,
            declineCode: error.declineCode, param: error.param)
    }
}
