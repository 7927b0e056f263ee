import Foundation
import PonteProviders
import Testing

@Suite struct OutboundTwilioTests {
    static let accountSID = "AC0123456789abcdef0123456789abcdef"
    static let authToken = "twilio-auth-token-0123456789"

    private func client(_ base: String, _ transport: TestTransport) -> TwilioClient {
        TwilioClient(accountSID: Self.accountSID, authToken: Self.authToken, http: transport.client(base, provider: "twilio"))
    }

    static let message =
        #"{"sid":"SM1","account_sid":"AC0123456789abcdef0123456789abcdef","from":"whatsapp:+14155238886","to":"whatsapp:+5511999990000","body":"Pedido confirmado","status":"queued","direction":"outbound-api","num_media":"1","num_segments":"1","error_code":null,"error_message":null,"date_created":"Thu, 01 Jan 2030 10:00:00 +0000"}"#

    @Test func sendMessagePostsTheFormWithBasicAuth() async throws {
        let transport = TestTransport()
        try await withLoopbackServer({ _, _ in .json(201, Self.message) }) { server, base in
            let message = try await client(base, transport).sendMessage(
                TwilioMessageCreate(
                    to: "whatsapp:+5511999990000", from: "whatsapp:+14155238886", body: "Pedido confirmado",
                    mediaURLs: ["https://x.test/a.png", "https://x.test/b.png"], statusCallback: "https://hub.test/webhooks/twilio"))
            #expect(message.sid == "SM1")
            #expect(message.status == "queued")
            #expect(message.numMedia == "1")
            let request = try #require(server.requests.first)
            #expect(request.path == "/2010-04-01/Accounts/\(Self.accountSID)/Messages.json")
            let expected = "Basic " + Data("\(Self.accountSID):\(Self.authToken)".utf8).base64EncodedString()
            #expect(request.header("Authorization") == expected)
            #expect(request.form.map(\.name) == ["To", "From", "Body", "MediaUrl", "MediaUrl", "StatusCallback"])
            #expect(FormURLEncoded.first("Body", in: request.form) == "Pedido confirmado")
            #expect(request.header("Idempotency-Key") == nil)
        }
    }

    @Test func sendIsNotRepeatedAfter5xxButIsAfter429() async throws {
        let transport = TestTransport()
        try await withLoopbackServer({ _, _ in
            .json(500, #"{"code":20500,"message":"Internal Server Error","more_info":"https://www.twilio.com/docs/errors/20500","status":500}"#)
        }) { server, base in
            let error = await callError {
                _ = try await client(base, transport).sendMessage(TwilioMessageCreate(to: "+5511", from: "+1415", body: "x"))
            }
            #expect(error == .unavailable(status: 500, detail: "Internal Server Error"))
            #expect(server.requests.count == 1)
        }
        try await withLoopbackServer({ _, index in
            index == 0
                ? .json(
                    429, #"{"code":20429,"message":"Too Many Requests","more_info":"","status":429}"#,
                    headers: [(name: "Retry-After", value: "1")])
                : .json(201, Self.message)
        }) { server, base in
            _ = try await client(base, transport).sendMessage(TwilioMessageCreate(to: "+5511", from: "+1415", body: "x"))
            #expect(server.requests.count == 2)
        }
    }

    @Test func errorsMapToTypedErrors() async throws {
        let transport = TestTransport()
        try await withLoopbackServer({ request, _ in
            request.method == "GET"
                ? .json(
                    401,
                    #"{"code":20003,"message":"Authentication Error - invalid token twilio-auth-token-0123456789","more_info":"https://www.twilio.com/docs/errors/20003","status":401}"#)
                : .json(
                    400,
                    #"{"code":21211,"message":"The 'To' number +5511 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}"#)
        }) { _, base in
            let twilio = client(base, transport)
            let invalid = await callError { _ = try await twilio.sendMessage(TwilioMessageCreate(to: "+5511", from: "+1", body: "x")) }
            #expect(
                invalid
                    == .rejected(
                        status: 400, error: ProviderErrorBody(code: "21211", message: "The 'To' number +5511 is not a valid phone number.")))
            let unauthorized = await callError { _ = try await twilio.message(sid: "SM1") }
            #expect(unauthorized == .unauthorized(status: 401, message: "Authentication Error - invalid token [REDACTED]"))
            #expect(!"\(String(describing: unauthorized))".contains(Self.authToken))
        }
        #expect(transport.logs.recorded.allSatisfy { !$0.contains(Self.authToken) })
    }
}
