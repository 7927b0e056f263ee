import Foundation

/// Twilio's Messages API (SMS and WhatsApp).
///
/// Creating a message is **not idempotent**: Twilio takes no idempotency key, and a
/// repeated request sends a second message. So `sendMessage` is repeated in-call only
/// when the request certainly did not reach Twilio (the connection could not be opened)
/// or Twilio refused it unprocessed (429). After a timeout or a 5xx the outcome is
/// unknown (`ProviderCallError.outcomeUnknown`); the caller decides, e.g. by looking the
/// message up through its status callback, whether to send again.
public struct TwilioClient: Sendable {
    private let http: ProviderHTTPClient
    private let accountSID: String
    private let headers: [(name: String, value: String)]

    /// - Parameters:
    ///   - accountSID: the `AC...` account, Basic-auth user and part of every path.
    ///   - authToken: the Basic-auth password.
    public init(accountSID: String, authToken: String, http: ProviderHTTPClient) {
        let credentials = Data("\(accountSID):\(authToken)".utf8).base64EncodedString()
        self.http = http.redacting([authToken, credentials])
        self.accountSID = accountSID
        self.headers = [(name: "Authorization", value: "Basic \(credentials)")]
    }

    /// Sends (queues) a message.
    public func sendMessage(_ message: TwilioMessageCreate) async throws -> TwilioMessage {
        let request = OutboundRequest(
            method: "POST", path: messagesPath + ".json", headers: headers, body: .form(message.form),
            operation: "messages.create", isSafeToRetry: false)
        return try await http.send(request, errorReader: Self.readError).decode(TwilioMessage.self)
    }

    public func message(sid: String) async throws -> TwilioMessage {
        let request = OutboundRequest(
            method: "GET", path: messagesPath + "/\(OutboundRequest.pathSegment(sid)).json", headers: headers,
            operation: "messages.retrieve")
        return try await http.send(request, errorReader: Self.readError).decode(TwilioMessage.self)
    }

    /// The most recent messages from `from` to `to` (addresses as sent, `whatsapp:+55…`),
    /// newest first: one page of up to `pageSize`.
    public func messages(to: String, from: String, pageSize: Int = 50) async throws -> [TwilioMessage] {
        struct Page: Decodable { var messages: [TwilioMessage] }
        let request = OutboundRequest(
            method: "GET", path: messagesPath + ".json",
            query: [(name: "To", value: to), (name: "From", value: from), (name: "PageSize", value: String(pageSize))],
            headers: headers, operation: "messages.list")
        return try await http.send(request, errorReader: Self.readError).decode(Page.self).messages
    }

    private var messagesPath: String { "/2010-04-01/Accounts/\(OutboundRequest.pathSegment(accountSID))/Messages" }

    /// Twilio's `{"code", "message", "more_info", "status"}`.
    static func readError(_ response: OutboundResponse) -> ProviderErrorBody {
        struct Body: Decodable {
            var code: Int?
            var message: String?
        }
        guard let body = try? JSONDecoder().decode(Body.self, from: Data(response.body)), body.message != nil || body.code != nil
        else {
            return ProviderErrorBody(message: "HTTP \(response.status) without a Twilio error body")
        }
        return ProviderErrorBody(code: body.code.map(String.init), message: body.message ?? "HTTP \(response.status)")
    }
}
