import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PonteProviders
import PonteServer
import Testing

// MARK: The hub under test

/// Fixed values every hub under test uses.
enum Fixture {
    /// The injected clock: 2025-06-15T15:06:40Z.
    static let now = Date(timeIntervalSince1970: 1_750_000_000)
    static var nowSeconds: Int { Int(now.timeIntervalSince1970) }
    static let jwtSecret = "ponte-tests-jwt-secret-0123456789abcdef"
    static let publicURL = "https://hub.example.com"
    static let maxBodyBytes = 4096

    static let stripeSecret = "whsec_test_secret"
    static let squareKey = "square-signature-key"
    static let quickbooksToken = "quickbooks-verifier-token"
    static let twilioToken = "twilio-auth-token"
    static let ifoodSecret = "ifood-client-secret"
    static let asaasToken = "asaas-webhook-token"
    static let mailchimpSecret = "mailchimp-url-secret"
    /// The Standard Webhooks specification's example secret.
    static let standardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    static let secrets = WebhookSecrets(
        stripe: stripeSecret, squareSignatureKey: squareKey, quickbooks: quickbooksToken, twilio: twilioToken,
        ifood: ifoodSecret, asaas: asaasToken, mailchimp: mailchimpSecret, standard: standardSecret
    )

    static let tokens = AdminTokens(secret: Array(jwtSecret.utf8))
    static var adminToken: String { tokens.issue(role: "admin", now: now, lifetime: 3600) }
}

let quietLogger: Logger = {
    var logger = Logger(label: "ponte.server.tests")
    logger.logLevel = .critical
    return logger
}()

/// Builds the real application over a fresh SQLite file, with every provider configured, the
/// clock fixed at `now` and no job workers, and runs `test` against it.
func withHub(
    _ setup: TestingSetup = .router,
    now: Date = Fixture.now,
    configure: (inout HubConfiguration) -> Void = { _ in },
    _ test: @Sendable (any TestClientProtocol) async throws -> Void
) async throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    var configuration = HubConfiguration()
    configuration.database = directory.path + "/ponte.sqlite"
    configuration.port = 0
    configuration.jwtSecret = Fixture.jwtSecret
    configuration.publicURL = Fixture.publicURL
    configuration.maxBodyBytes = Fixture.maxBodyBytes
    configuration.secrets = Fixture.secrets
    // No job runner: it would process stored webhooks (pending → ignored) while a test reads
    // them. Tests that run jobs do so themselves, on a clock they control (JobAdminAPITests).
    configuration.workers = false
    configure(&configuration)
    let app = try await buildApplication(configuration: configuration, logger: quietLogger, now: { now })
    try await app.test(setup, test)
}

/// A directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("ponte-server-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

// MARK: Signed webhooks

/// A webhook request as a provider would send it.
struct Webhook: Sendable {
    var uri: String
    var method: HTTPRequest.Method = .post
    var headers: HTTPFields
    var body: [UInt8]
}

/// Builds correctly (or deliberately wrongly) signed requests with PonteProviders' own signers.
enum Webhooks {
    static let providers = ["stripe", "square", "quickbooks", "twilio", "ifood", "asaas", "mailchimp", "standard"]

    /// A valid request for `provider` carrying one event that `tag` makes unique; with
    /// `wrongSecret`, everything is the same but the signature, token or secret is wrong.
    static func valid(_ provider: String, tag: String = "1", wrongSecret: Bool = false) throws -> Webhook {
        let wrong = "not-the-configured-secret"
        switch provider {
        case "stripe":
            return stripe(id: "evt_\(tag)", secret: wrongSecret ? "whsec_wrong" : Fixture.stripeSecret)
        case "square":
            let body = json(#"{"merchant_id":"ML8M1AQ1GQG2K","type":"payment.updated","event_id":"sq-evt-\#(tag)","data":{"type":"payment","id":"pay_1"}}"#)
            let signature = SquareSignature.signature(
                key: wrongSecret ? wrong : Fixture.squareKey, url: Fixture.publicURL + "/webhooks/square", body: body)
            return Webhook(
                uri: "/webhooks/square",
                headers: [.contentType: "application/json", HTTPField.Name(SquareSignature.headerName)!: signature],
                body: body)
        case "quickbooks":
            return quickbooks(entities: [("Customer", tag)], token: wrongSecret ? wrong : Fixture.quickbooksToken)
        case "twilio":
            let params = ["MessageSid": "SM\(tag)", "MessageStatus": "delivered", "AccountSid": "AC123", "To": "+15550001111"]
            let body = Array(formEncode(params).utf8)
            let signature = TwilioSignature.signature(
                authToken: wrongSecret ? wrong : Fixture.twilioToken, url: Fixture.publicURL + "/webhooks/twilio",
                params: params)
            return Webhook(
                uri: "/webhooks/twilio",
                headers: [.contentType: "application/x-www-form-urlencoded", HTTPField.Name(TwilioSignature.headerName)!: signature],
                body: body)
        case "ifood":
            let body = json(#"{"id":"if-evt-\#(tag)","code":"PLC","fullCode":"PLACED","orderId":"order-1","merchantId":"m-1"}"#)
            let signature = IFoodSignature.signature(secret: wrongSecret ? wrong : Fixture.ifoodSecret, body: body)
            return Webhook(
                uri: "/webhooks/ifood",
                headers: [.contentType: "application/json", HTTPField.Name(IFoodSignature.headerName)!: signature],
                body: body)
        case "asaas":
            return asaas(id: "evt_asaas_\(tag)", token: wrongSecret ? wrong : Fixture.asaasToken)
        case "mailchimp":
            let body = Array("type=subscribe&fired_at=2025-06-15+15%3A06%3A40&data%5Bid%5D=\(tag)&data%5Bemail%5D=a%40example.com".utf8)
            return Webhook(
                uri: "/webhooks/mailchimp?secret=\(wrongSecret ? wrong : Fixture.mailchimpSecret)",
                headers: [.contentType: "application/x-www-form-urlencoded"],
                body: body)
        case "standard":
            let body = json(#"{"type":"invoice.paid","data":{"id":"inv_\#(tag)"}}"#)
            let id = "msg_\(tag)"
            let signature = try StandardWebhookSignature.signature(
                secret: wrongSecret ? "whsec_" + Data("some other key".utf8).base64EncodedString() : Fixture.standardSecret,
                id: id, timestamp: Fixture.nowSeconds, body: body)
            return Webhook(
                uri: "/webhooks/standard",
                headers: [
                    .contentType: "application/json",
                    HTTPField.Name(StandardWebhookSignature.idHeaderName)!: id,
                    HTTPField.Name(StandardWebhookSignature.timestampHeaderName)!: String(Fixture.nowSeconds),
                    HTTPField.Name(StandardWebhookSignature.signatureHeaderName)!: signature,
                ],
                body: body)
        default:
            Issue.record("no sample webhook for \(provider)")
            return Webhook(uri: "/webhooks/\(provider)", headers: [:], body: [])
        }
    }

    /// A Stripe event (or, with `id: nil`, a payload without an id) signed at `timestamp`.
    static func stripe(
        id: String?, type: String = "payment_intent.succeeded", timestamp: Int = Fixture.nowSeconds,
        secret: String = Fixture.stripeSecret, padding: Int = 0
    ) -> Webhook {
        var text = #"{"object":"event","type":"\#(type)""#
        if let id { text += #","id":"\#(id)""# }
        if padding > 0 { text += #","padding":"\#(String(repeating: "x", count: padding))""# }
        text += "}"
        let body = json(text)
        return Webhook(
            uri: "/webhooks/stripe",
            headers: [
                .contentType: "application/json",
                HTTPField.Name(StripeSignature.headerName)!: StripeSignature.header(secret: secret, timestamp: timestamp, body: body),
            ],
            body: body)
    }

    /// A legacy QuickBooks notification with one entity change per `(name, id)`.
    static func quickbooks(entities: [(name: String, id: String)], token: String = Fixture.quickbooksToken) -> Webhook {
        let items = entities.map {
            #"{"name":"\#($0.name)","id":"\#($0.id)","operation":"Update","lastUpdated":"2025-06-15T15:06:40.000Z"}"#
        }
        let body = json(#"{"eventNotifications":[{"realmId":"9130350000000000","dataChangeEvent":{"entities":[\#(items.joined(separator: ","))]}}]}"#)
        return Webhook(
            uri: "/webhooks/quickbooks",
            headers: [
                .contentType: "application/json",
                HTTPField.Name(QuickBooksSignature.headerName)!: QuickBooksSignature.signature(token: token, body: body),
            ],
            body: body)
    }

    /// An Asaas event authenticated with `token`, plus any `extraHeaders`.
    static func asaas(id: String, token: String = Fixture.asaasToken, extraHeaders: HTTPFields = [:]) -> Webhook {
        let body = json(#"{"id":"\#(id)","event":"PAYMENT_RECEIVED","payment":{"id":"pay_080225913252","value":100.5}}"#)
        var headers: HTTPFields = [.contentType: "application/json", HTTPField.Name(AsaasWebhookVerifier.headerName)!: token]
        headers.append(contentsOf: extraHeaders)
        return Webhook(uri: "/webhooks/asaas", headers: headers, body: body)
    }

    static func json(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func formEncode(_ params: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return params.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.value)" }
            .joined(separator: "&")
    }
}

// MARK: Client helpers

extension TestClientProtocol {
    /// Sends `webhook` as is.
    func send(_ webhook: Webhook) async throws -> TestResponse {
        try await execute(uri: webhook.uri, method: webhook.method, headers: webhook.headers, body: ByteBuffer(bytes: webhook.body))
    }

    /// `GET path` on the admin API with `Authorization: Bearer <token>` (none when nil).
    func admin(_ path: String, token: String? = Fixture.adminToken) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: path, method: .get, headers: headers)
    }

    /// Every stored webhook, newest first, read through the admin API.
    func storedWebhooks(provider: String? = nil) async throws -> [WebhookSummary] {
        let query = provider.map { "?provider=\($0)&limit=500" } ?? "?limit=500"
        let response = try await admin("/api/v1/webhooks" + query)
        #expect(response.status == .ok)
        return try decode(WebhookPage.self, response).data
    }
}

// MARK: Response shapes

struct Acknowledgement: Decodable, Equatable {
    struct Event: Decodable, Equatable {
        let id: String
        let event_id: String
        let duplicate: Bool
    }

    let received: Bool
    let id: String
    let duplicate: Bool
    let events: [Event]?
}

struct ErrorBody: Decodable {
    struct Detail: Decodable {
        let code: String
        let message: String
    }

    let error: Detail
}

struct WebhookSummary: Decodable, Equatable {
    let id: String
    let provider: String
    let event_id: String
    let event_type: String
    let status: String
    let received_at: String
}

struct WebhookPage: Decodable {
    let data: [WebhookSummary]
    let next_cursor: String?
}

struct WebhookDetail: Decodable {
    let id: String
    let provider: String
    let event_id: String
    let event_type: String
    let status: String
    let received_at: String
    let headers: [String: String]
    let body: String?
    let body_base64: String?
}

func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(response.body.readableBytesView))
}

/// Checks `response` is `status` with Ponte's error shape, `{"error":{"code","message"}}`, and `code`.
func expectError(
    _ response: some APIAnswer, _ status: HTTPResponse.Status, _ code: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(response.status == status, sourceLocation: sourceLocation)
    #expect(response.contentType?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
    let object = try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
    let error = object?["error"] as? [String: Any]
    #expect(object.map { Array($0.keys) } == ["error"], "body: \(String(buffer: response.body))", sourceLocation: sourceLocation)
    #expect(error?["code"] as? String == code, "body: \(String(buffer: response.body))", sourceLocation: sourceLocation)
    #expect((error?["message"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
}

/// An HTTP answer, from the in-process test client or over the network.
protocol APIAnswer {
    var status: HTTPResponse.Status { get }
    var contentType: String? { get }
    var body: ByteBuffer { get }
}

extension TestResponse: APIAnswer {
    var contentType: String? { headers[.contentType] }
}
