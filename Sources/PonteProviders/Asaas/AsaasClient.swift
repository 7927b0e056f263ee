import Foundation

/// Asaas's v3 API: customers, payments (PIX, boleto, card), PIX QR codes and refunds.
///
/// Asaas honours no idempotency key, so the mutating calls are made safe to repeat the
/// documented way: the caller's key is the `externalReference` of a customer or payment,
/// looked up before creating; for a refund, the key is in the refund's `description`, and
/// the payment's `refunds` are read first. The mutating calls are never repeated in-call
/// (only the job queue repeats them, and the lookup runs again).
public struct AsaasClient: Sendable {
    private let http: ProviderHTTPClient
    private let headers: [(name: String, value: String)]

    /// - Parameter apiKey: sent in Asaas's `access_token` header.
    public init(apiKey: String, http: ProviderHTTPClient) {
        self.http = http.redacting([apiKey])
        self.headers = [(name: "access_token", value: apiKey)]
    }

    // MARK: - Customers

    /// The customer whose `externalReference` is `idempotencyKey`, created if there is none.
    public func createCustomer(_ fields: AsaasCustomerCreate, idempotencyKey: String) async throws -> AsaasCustomer {
        if let existing = try await findCustomer(externalReference: idempotencyKey) { return existing }
        var fields = fields
        fields.externalReference = idempotencyKey
        return try await send(
            "POST", "/v3/customers", body: try .json(encoding: fields), operation: "customers.create", safe: false)
    }

    /// The first customer with `externalReference`, if any.
    public func findCustomer(externalReference: String) async throws -> AsaasCustomer? {
        let list: AsaasList<AsaasCustomer> = try await send(
            "GET", "/v3/customers", query: [("externalReference", externalReference)], operation: "customers.list")
        return list.data.first { $0.externalReference == externalReference }
    }

    // MARK: - Payments

    /// The payment whose `externalReference` is `idempotencyKey`, created if there is none.
    ///
    /// A payment found under the key with another customer or value is a reused key:
    /// `ProviderCallError.rejected` with code `idempotency_key_reused`.
    public func createPayment(_ fields: AsaasPaymentCreate, idempotencyKey: String) async throws -> AsaasPayment {
        if let existing = try await listPayments(externalReference: idempotencyKey).data
            .first(where: { $0.externalReference == idempotencyKey })
        {
            guard existing.value == fields.value, existing.customer == nil || existing.customer == fields.customer else {
                throw ProviderCallError.rejected(
                    status: 409,
                    error: ProviderErrorBody(
                        code: "idempotency_key_reused",
                        message: "payment \(existing.id) was created under this key with other parameters"))
            }
            return existing
        }
        var fields = fields
        fields.externalReference = idempotencyKey
        return try await send(
            "POST", "/v3/payments", body: try .json(encoding: fields), operation: "payments.create", safe: false)
    }

    public func retrievePayment(id: String) async throws -> AsaasPayment {
        try await send("GET", "/v3/payments/\(OutboundRequest.pathSegment(id))", operation: "payments.retrieve")
    }

    public func listPayments(externalReference: String, offset: Int = 0, limit: Int = 10) async throws -> AsaasList<AsaasPayment> {
        try await send(
            "GET", "/v3/payments",
            query: [("externalReference", externalReference), ("offset", String(offset)), ("limit", String(limit))],
            operation: "payments.list")
    }

    public func pixQrCode(paymentID: String) async throws -> AsaasPixQrCode {
        try await send(
            "GET", "/v3/payments/\(OutboundRequest.pathSegment(paymentID))/pixQrCode", operation: "payments.pix_qr_code")
    }

    /// Deletes (cancels) a pending payment. Repeating it is harmless, so it is retried in-call.
    public func deletePayment(id: String) async throws -> AsaasDeletion {
        try await send("DELETE", "/v3/payments/\(OutboundRequest.pathSegment(id))", operation: "payments.delete", safe: true)
    }

    /// Confirms a payment as if the payer had paid: Asaas's sandbox only
    /// (`POST /v3/sandbox/payment/{id}/confirm`), for self-tests. Production Asaas has no such route.
    public func sandboxConfirmPayment(id: String) async throws -> AsaasPayment {
        try await send(
            "POST", "/v3/sandbox/payment/\(OutboundRequest.pathSegment(id))/confirm", operation: "sandbox.payment.confirm", safe: false)
    }

    // MARK: - Refunds

    /// Refunds `valueMinorUnits` centavos of a payment (nil refunds all of it), once per key.
    ///
    /// The refund's description is `description` followed by the key; when the payment
    /// already has a refund with that description, nothing is sent and the payment is
    /// returned as it is.
    public func refundPayment(
        id: String, valueMinorUnits: Int? = nil, description: String, idempotencyKey: String
    ) async throws -> AsaasPayment {
        let tagged = Self.refundDescription(description, idempotencyKey: idempotencyKey)
        let payment = try await retrievePayment(id: id)
        if payment.refunds?.contains(where: { $0.description == tagged }) == true { return payment }
        struct Body: Encodable {
            var value: DecimalAmount?
            var description: String
        }
        let body = Body(value: valueMinorUnits.map { DecimalAmount(minorUnits: $0) }, description: tagged)
        return try await send(
            "POST", "/v3/payments/\(OutboundRequest.pathSegment(id))/refund", body: try .json(encoding: body),
            operation: "payments.refund", safe: false)
    }

    /// The description a refund made under `idempotencyKey` carries.
    public static func refundDescription(_ description: String, idempotencyKey: String) -> String {
        description.isEmpty ? "[\(idempotencyKey)]" : "\(description) [\(idempotencyKey)]"
    }

    // MARK: - Transport

    private func send<T: Decodable>(
        _ method: String, _ path: String, query: [(String, String)] = [], body: OutboundBody = .none,
        operation: String, safe: Bool? = nil
    ) async throws -> T {
        let request = OutboundRequest(
            method: method, path: path, query: query.map { (name: $0.0, value: $0.1) }, headers: headers, body: body,
            operation: operation, isSafeToRetry: safe)
        return try await http.send(request, errorReader: Self.readError).decode(T.self)
    }

    /// Asaas's `{"errors":[{"code","description"}]}`.
    static func readError(_ response: OutboundResponse) -> ProviderErrorBody {
        struct Envelope: Decodable {
            struct Item: Decodable {
                var code: String?
                var description: String?
            }
            var errors: [Item]
        }
        guard let errors = try? JSONDecoder().decode(Envelope.self, from: Data(response.body)).errors, !errors.isEmpty
        else {
            return ProviderErrorBody(message: "HTTP \(response.status) without an Asaas error body")
        }
        return ProviderErrorBody(
            code: errors[0].code,
            message: errors.map { $0.description ?? $0.code ?? "error" }.joined(separator: "; "))
    }
}
