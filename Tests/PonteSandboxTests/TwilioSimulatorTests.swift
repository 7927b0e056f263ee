import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PonteProviders
import Testing

@testable import PonteSandbox

@Suite struct TwilioSimulatorTests {
    static let credentials = SandboxCredentials.defaults
    static var account: String { credentials.twilioAccountSID }
    static var messagesPath: String { "/twilio/2010-04-01/Accounts/\(account)/Messages.json" }

    // MARK: Auth

    @Test func missingOrWrongCredentialsAre20003() async throws {
        let harness = TwilioHarness()
        try await harness.app.test(.router) { client in
            let missing = try await client.execute(uri: Self.messagesPath, method: .get)
            #expect(missing.status == .unauthorized)
            #expect(missing.headers[.wwwAuthenticate] == #"Basic realm="Twilio API""#)
            let error = try TwilioErrorBody(missing.body)
            #expect(error == TwilioErrorBody(code: 20003, message: "Authenticate", moreInfo: "https://www.twilio.com/docs/errors/20003", status: 401))

            let wrong = try await client.execute(
                uri: Self.messagesPath, method: .get, headers: Self.auth(token: "not-the-token"))
            #expect(wrong.status == .unauthorized)
            #expect(try TwilioErrorBody(wrong.body).code == 20003)
        }
    }

    @Test func anotherAccountsPathIsNotFound() async throws {
        let harness = TwilioHarness()
        try await harness.app.test(.router) { client in
            let other = "AC" + String(repeating: "f", count: 32)
            let response = try await client.execute(
                uri: "/twilio/2010-04-01/Accounts/\(other)/Messages.json", method: .get, headers: Self.auth())
            #expect(response.status == .notFound)
            let error = try TwilioErrorBody(response.body)
            #expect(error.code == 20404)
            #expect(error.message == "The requested resource /2010-04-01/Accounts/\(other)/Messages.json was not found")
        }
    }

    @Test func theSandboxServesTheSimulatorUnderTwilio() async throws {
        let sandbox = Sandbox(credentials: Self.credentials, hubBaseURL: nil, logger: Logger(label: "test"))
        #expect(sandbox.simulators.contains { $0.provider == .twilio })
        let app = buildSandboxApplication(sandbox: sandbox, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await app.test(.router) { client in
            let response = try await client.execute(uri: Self.messagesPath, method: .get, headers: Self.auth())
            #expect(response.status == .ok)
        }
    }

    // MARK: Validation

    @Test(arguments: [
        ("From=%2B15005550006&Body=Oi", 21604),
        ("To=%2B5511999998888&Body=Oi", 21603),
        ("To=%2B5511999998888&From=%2B15005550006", 21602),
        ("To=abc&From=%2B15005550006&Body=Oi", 21211),
        ("To=%2B5511999998888&From=%2B1%2B2&Body=Oi", 21212),
        ("To=whatsapp%3A%2B5511999998888&From=%2B15005550006&Body=Oi", 21910),
        ("To=%2B5511999998888&From=whatsapp%3A%2B14155238886&Body=Oi", 21910),
        ("To=%2B15005550001&From=%2B15005550006&Body=Oi", 21211),
        ("To=%2B15005550009&From=%2B15005550006&Body=Oi", 21614),
        ("To=%2B5511999998888&From=%2B15005550007&Body=Oi", 21606),
        ("To=%2B5511999998888&From=%2B15005550006&Body=Oi&StatusCallback=not-a-url", 21609),
        ("To=%2B5511999998888&From=%2B15005550006&MediaUrl=ftp%3A%2F%2Fx", 21620),
        ("To=%2B5511999998888&MessagingServiceSid=MG123&Body=Oi", 21705),
        ("To=%2B5511999998888&From=%2B15005550006&ContentSid=HXnope", 21655),
        ("To=%2B5511999998888&From=%2B15005550006&Body=Oi&ContentVariables=%7B%7D", 21654),
        ("To=%2B5511999998888&From=%2B15005550006&ContentSid=HX\(String(repeating: "a", count: 32))&ContentVariables=nope", 21656),
    ])
    func invalidMessagesGetTwilioCodes(form: String, code: Int) async throws {
        let harness = TwilioHarness()
        try await harness.app.test(.router) { client in
            let response = try await Self.create(client, form)
            #expect(response.status == .badRequest)
            let error = try TwilioErrorBody(response.body)
            #expect(error.code == code, "\(form): \(error.message)")
            #expect(error.status == 400)
            #expect(error.moreInfo == "https://www.twilio.com/docs/errors/\(code)")
        }
        #expect(harness.simulator.book.list(.init()).isEmpty)
    }

    @Test func bodyLongerThan1600CharactersIs21617() async throws {
        let harness = TwilioHarness()
        try await harness.app.test(.router) { client in
            let body = String(repeating: "a", count: 1_601)
            let response = try await Self.create(client, "To=%2B5511999998888&From=%2B15005550006&Body=\(body)")
            #expect(try TwilioErrorBody(response.body).code == 21617)
        }
    }

    // MARK: Create, fetch, list

    @Test func createdMessageHasTwilioShapeAndCanBeFetchedAndListed() async throws {
        let harness = TwilioHarness()
        try await harness.app.test(.router) { client in
            let response = try await Self.create(
                client, "To=whatsapp%3A%2B5511999998888&From=whatsapp%3A%2B14155238886&Body=Ol%C3%A1+Ana")
            #expect(response.status == .created)
            let message = try Self.json(response.body)
            let sid = try #require(message["sid"] as? String)
            #expect(sid.count == 34 && sid.hasPrefix("SM"))
            #expect(sid.dropFirst(2).allSatisfy { "0123456789abcdef".contains($0) })
            #expect(message["account_sid"] as? String == Self.account)
            #expect(message["from"] as? String == "whatsapp:+14155238886")
            #expect(message["to"] as? String == "whatsapp:+5511999998888")
            #expect(message["body"] as? String == "Olá Ana")
            #expect(message["status"] as? String == "queued")
            #expect(message["direction"] as? String == "outbound-api")
            #expect(message["num_media"] as? String == "0")
            #expect(message["num_segments"] as? String == "1")
            #expect(message["error_code"] is NSNull && message["error_message"] is NSNull && message["price"] is NSNull)
            #expect(message["messaging_service_sid"] is NSNull && message["date_sent"] is NSNull)
            #expect(message["price_unit"] as? String == "USD")
            #expect(message["api_version"] as? String == "2010-04-01")
            #expect(message["uri"] as? String == "/2010-04-01/Accounts/\(Self.account)/Messages/\(sid).json")
            let media = (message["subresource_uris"] as? [String: String])?["media"]
            #expect(media == "/2010-04-01/Accounts/\(Self.account)/Messages/\(sid)/Media.json")
            let created = try #require(message["date_created"] as? String)
            #expect(created.wholeMatch(of: /[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000/) != nil)

            let fetched = try await client.execute(
                uri: "/twilio/2010-04-01/Accounts/\(Self.account)/Messages/\(sid).json", method: .get, headers: Self.auth())
            #expect(fetched.status == .ok)
            #expect(try Self.json(fetched.body)["sid"] as? String == sid)

            let unknown = try await client.execute(
                uri: "/twilio/2010-04-01/Accounts/\(Self.account)/Messages/SM\(String(repeating: "0", count: 32)).json",
                method: .get, headers: Self.auth())
            #expect(unknown.status == .notFound)
            #expect(try TwilioErrorBody(unknown.body).code == 20404)

            _ = try await Self.create(client, "To=%2B5511888887777&From=%2B15005550006&Body=Outro")
            let filtered = try await client.execute(
                uri: Self.messagesPath + "?To=whatsapp%3A%2B5511999998888", method: .get, headers: Self.auth())
            let page = try Self.json(filtered.body)
            let listed = try #require(page["messages"] as? [[String: Any]])
            #expect(listed.map { $0["sid"] as? String } == [sid])
            #expect(page["page"] as? Int == 0 && page["page_size"] as? Int == 50)
            #expect(page["start"] as? Int == 0 && page["end"] as? Int == 0)
            #expect(page["next_page_uri"] is NSNull && page["previous_page_uri"] is NSNull)
            #expect(
                page["first_page_uri"] as? String
                    == "/2010-04-01/Accounts/\(Self.account)/Messages.json?To=whatsapp%3A%2B5511999998888&PageSize=50&Page=0")
        }
    }

    @Test func listPagesNewestFirst() async throws {
        let harness = TwilioHarness()
        try await harness.app.test(.router) { client in
            var sids: [String] = []
            for body in ["one", "two", "three"] {
                let response = try await Self.create(client, "To=%2B5511999998888&From=%2B15005550006&Body=\(body)")
                sids.append(try #require(try Self.json(response.body)["sid"] as? String))
            }
            let first = try Self.json(
                try await client.execute(uri: Self.messagesPath + "?PageSize=2", method: .get, headers: Self.auth()).body)
            #expect((first["messages"] as? [[String: Any]])?.map { $0["sid"] as? String } == [sids[2], sids[1]])
            let next = try #require(first["next_page_uri"] as? String)
            #expect(next == "/2010-04-01/Accounts/\(Self.account)/Messages.json?PageSize=2&Page=1")
            let second = try Self.json(try await client.execute(uri: "/twilio" + next, method: .get, headers: Self.auth()).body)
            #expect((second["messages"] as? [[String: Any]])?.map { $0["sid"] as? String } == [sids[0]])
            #expect(second["start"] as? Int == 2 && second["end"] as? Int == 2)
            #expect(second["next_page_uri"] is NSNull)
            #expect(second["previous_page_uri"] as? String == "/2010-04-01/Accounts/\(Self.account)/Messages.json?PageSize=2&Page=0")
        }
    }

    // MARK: Delivery

    @Test func statusMovesFromQueuedToSentToDeliveredAsTheClockAdvances() async throws {
        let harness = TwilioHarness()
        try await harness.app.test(.router) { client in
            let sid = try await Self.createSID(client, "To=%2B5511999998888&From=%2B15005550006&Body=Oi")
            #expect(try await Self.fetch(client, sid)["status"] as? String == "queued")
            harness.clock.advance(by: 0.2)
            let sent = try await Self.fetch(client, sid)
            #expect(sent["status"] as? String == "sent")
            #expect(sent["date_sent"] is String)
            harness.clock.advance(by: 0.2)
            let delivered = try await Self.fetch(client, sid)
            #expect(delivered["status"] as? String == "delivered")
            #expect(delivered["error_code"] is NSNull)
            #expect(harness.simulator.book.pendingSteps == 0)
        }
    }

    @Test func unreachableHandsetEndsUndeliveredWith30003() async throws {
        let harness = TwilioHarness()
        try await harness.app.test(.router) { client in
            let sid = try await Self.createSID(client, "To=whatsapp%3A%2B15005550010&From=whatsapp%3A%2B14155238886&Body=Oi")
            harness.clock.advance(by: 0.2)
            #expect(try await Self.fetch(client, sid)["status"] as? String == "sent")
            harness.clock.advance(by: 60)
            let message = try await Self.fetch(client, sid)
            #expect(message["status"] as? String == "undelivered")
            #expect(message["error_code"] as? Int == 30003)
            #expect(message["error_message"] as? String == "Unreachable destination handset")
        }
    }

    @Test func queueOverflowFailsWith30001WithoutBeingSent() async throws {
        let harness = TwilioHarness()
        try await harness.app.test(.router) { client in
            let sid = try await Self.createSID(client, "To=%2B15005550011&From=%2B15005550006&Body=Oi")
            harness.clock.advance(by: 60)
            let message = try await Self.fetch(client, sid)
            #expect(message["status"] as? String == "failed")
            #expect(message["error_code"] as? Int == 30001)
            #expect(message["date_sent"] is NSNull)
        }
    }

    @Test func messagingServiceStartsAcceptedAndPicksASender() async throws {
        let harness = TwilioHarness()
        try await harness.app.test(.router) { client in
            let service = "MG" + String(repeating: "1", count: 32)
            let response = try await Self.create(client, "To=whatsapp%3A%2B5511999998888&MessagingServiceSid=\(service)&Body=Oi")
            let created = try Self.json(response.body)
            #expect(created["status"] as? String == "accepted")
            #expect(created["from"] is NSNull)
            #expect(created["messaging_service_sid"] as? String == service)
            harness.clock.advance(by: 0.2)
            let queued = try await Self.fetch(client, try #require(created["sid"] as? String))
            #expect(queued["status"] as? String == "queued")
            #expect(queued["from"] as? String == "whatsapp:+14155238886")
        }
    }

    // MARK: Faults

    @Test func injectedFaultsAnswerInTwilioShape() async throws {
        let harness = TwilioHarness()
        try await harness.app.test(.router) { client in
            var settings = FaultSettings()
            settings.rateLimitRate = 1
            settings.retryAfterSeconds = 7
            harness.faults.set(settings, for: .twilio)
            let limited = try await client.execute(uri: Self.messagesPath, method: .get, headers: Self.auth())
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] == "7")
            #expect(try TwilioErrorBody(limited.body).code == 20429)

            settings = FaultSettings()
            settings.errorRate = 1
            harness.faults.set(settings, for: .twilio)
            let failed = try await client.execute(uri: Self.messagesPath, method: .get, headers: Self.auth())
            #expect(failed.status == .internalServerError)
            #expect(try TwilioErrorBody(failed.body) == TwilioErrorBody(
                code: 20500, message: "Internal Server Error", moreInfo: "https://www.twilio.com/docs/errors/20500", status: 500))
        }
    }

    // MARK: Webhooks

    @Test func statusCallbacksCarryEachChangeAndAreSigned() async throws {
        try await WebhookRecorder.run { recorder in
            let harness = TwilioHarness(hubBaseURL: recorder.baseURL)
            try await harness.app.test(.router) { client in
                let callback = recorder.baseURL + "/status?store=7"
                let sid = try await Self.createSID(
                    client,
                    "To=%2B15005550010&From=%2B15005550006&Body=Oi&StatusCallback=\(Self.formValue(callback))"
                )
                harness.clock.advance(by: 1)
                let requests = try await recorder.next(2)
                let verifier = TwilioWebhookVerifier(authToken: Self.credentials.twilioAuthToken)
                var statuses: [String: [(name: String, value: String)]] = [:]
                for request in requests {
                    #expect(request.path == "/status?store=7")
                    let events = try verifier.verify(request.webhookRequest(base: recorder.baseURL), now: Date())
                    let fields = FormURLEncoded.parse(request.body)
                    let status = try #require(FormURLEncoded.first("MessageStatus", in: fields))
                    #expect(events.map(\.eventID) == ["\(sid):\(status)"])
                    statuses[status] = fields
                }
                #expect(Set(statuses.keys) == ["sent", "undelivered"])
                let undelivered = try #require(statuses["undelivered"])
                let expected: [String: String] = [
                    "MessageSid": sid, "SmsSid": sid, "MessageStatus": "undelivered", "SmsStatus": "undelivered",
                    "AccountSid": Self.account, "From": "+15005550006", "To": "+15005550010", "ApiVersion": "2010-04-01",
                    "ErrorCode": "30003",
                ]
                #expect(Dictionary(undelivered.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }) == expected)
                #expect(FormURLEncoded.first("ErrorCode", in: statuses["sent"] ?? []) == nil)

                var tampered = requests[0].webhookRequest(base: recorder.baseURL)
                tampered.body = Array(FormURLEncoded.encode([("MessageSid", sid), ("MessageStatus", "read")]).utf8)
                #expect(throws: WebhookRejection.self) { try verifier.verify(tampered, now: Date()) }
            }
        }
    }

    @Test func inboundWhatsAppMessageReachesTheHubSigned() async throws {
        try await WebhookRecorder.run { recorder in
            let harness = TwilioHarness(hubBaseURL: recorder.baseURL)
            try await harness.app.test(.router) { client in
                let response = try await client.execute(
                    uri: "/_sandbox/twilio/inbound", method: .post,
                    body: ByteBuffer(
                        string: #"{"from": "whatsapp:+5511999998888", "to": "whatsapp:+14155238886", "body": "Oi", "profile_name": "Ana"}"#
                    )
                )
                #expect(response.status == .ok)
                let answer = try Self.json(response.body)
                let sid = try #require(answer["message_sid"] as? String)

                let request = try #require(try await recorder.next(1).first)
                #expect(request.path == "/webhooks/twilio")
                let events = try TwilioWebhookVerifier(authToken: Self.credentials.twilioAuthToken)
                    .verify(request.webhookRequest(base: recorder.baseURL), now: Date())
                #expect(events.map(\.eventID) == ["\(sid):received"])
                let fields = Dictionary(FormURLEncoded.parse(request.body).map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
                #expect(fields["MessageSid"] == sid && fields["SmsSid"] == sid && fields["SmsMessageSid"] == sid)
                #expect(fields["AccountSid"] == Self.account)
                #expect(fields["From"] == "whatsapp:+5511999998888" && fields["To"] == "whatsapp:+14155238886")
                #expect(fields["Body"] == "Oi" && fields["NumMedia"] == "0" && fields["NumSegments"] == "1")
                #expect(fields["SmsStatus"] == "received" && fields["ApiVersion"] == "2010-04-01")
                #expect(fields["ProfileName"] == "Ana" && fields["WaId"] == "5511999998888" && fields["MessageType"] == "text")
                #expect(answer["fields"] as? [String: String] == fields)

                let stored = try await Self.fetch(client, sid)
                #expect(stored["direction"] as? String == "inbound" && stored["status"] as? String == "received")
            }
        }
    }

    @Test func inboundWithMixedChannelsIsRefused() async throws {
        let harness = TwilioHarness()
        try await harness.app.test(.router) { client in
            let response = try await client.execute(
                uri: "/_sandbox/twilio/inbound", method: .post,
                body: ByteBuffer(string: #"{"from": "whatsapp:+5511999998888", "to": "+14155238886", "body": "Oi"}"#)
            )
            #expect(response.status == .badRequest)
            #expect(String(buffer: response.body).contains("CHANNEL_MISMATCH"))
        }
    }

    // MARK: Segments

    @Test func segmentsFollowGSMAndUCS2Limits() {
        #expect(TwilioSegments.count(body: String(repeating: "a", count: 160), channel: nil) == 1)
        #expect(TwilioSegments.count(body: String(repeating: "a", count: 161), channel: nil) == 2)
        #expect(TwilioSegments.count(body: String(repeating: "€", count: 80), channel: nil) == 1)
        #expect(TwilioSegments.count(body: String(repeating: "€", count: 81), channel: nil) == 2)
        #expect(TwilioSegments.count(body: String(repeating: "ã", count: 70), channel: nil) == 1)
        #expect(TwilioSegments.count(body: String(repeating: "ã", count: 71), channel: nil) == 2)
        #expect(TwilioSegments.count(body: String(repeating: "ã", count: 500), channel: "whatsapp") == 1)
    }

    // MARK: Helpers

    static func auth(token: String = credentials.twilioAuthToken) -> HTTPFields {
        var fields = HTTPFields()
        fields[.authorization] = "Basic " + Data("\(account):\(token)".utf8).base64EncodedString()
        return fields
    }

    /// `value` encoded for a form body.
    static func formValue(_ value: String) -> String {
        String(FormURLEncoded.encode([("v", value)]).dropFirst(2))
    }

    static func create(_ client: some TestClientProtocol, _ form: String) async throws -> TestResponse {
        var headers = auth()
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await client.execute(uri: messagesPath, method: .post, headers: headers, body: ByteBuffer(string: form))
    }

    static func createSID(_ client: some TestClientProtocol, _ form: String) async throws -> String {
        let response = try await create(client, form)
        #expect(response.status == .created)
        return try #require(try json(response.body)["sid"] as? String)
    }

    static func fetch(_ client: some TestClientProtocol, _ sid: String) async throws -> [String: Any] {
        let response = try await client.execute(
            uri: "/twilio/2010-04-01/Accounts/\(account)/Messages/\(sid).json", method: .get, headers: auth())
        return try json(response.body)
    }

    static func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any])
    }
}

/// Twilio's error JSON, decoded.
struct TwilioErrorBody: Decodable, Equatable {
    var code: Int
    var message: String
    var moreInfo: String
    var status: Int

    enum CodingKeys: String, CodingKey {
        case code, message, status
        case moreInfo = "more_info"
    }

    init(code: Int, message: String, moreInfo: String, status: Int) {
        self.code = code
        self.message = message
        self.moreInfo = moreInfo
        self.status = status
    }

    init(_ buffer: ByteBuffer) throws {
        self = try JSONDecoder().decode(Self.self, from: Data(buffer.readableBytesView))
    }
}

/// The Twilio simulator on its own router, with a clock that only moves when told and the
/// webhook outbox running, so status changes happen exactly when a test advances the clock.
struct TwilioHarness {
    /// Stopped: only `advance(by:)` moves it, however slow the machine running the tests.
    let clock = SandboxClock(wallClock: { Date(timeIntervalSince1970: 1_795_000_000) })
    let faults = FaultBook(seed: 1)
    let environment: SandboxEnvironment
    let simulator: TwilioSimulator
    let app: Application<RouterResponder<SandboxContext>>

    init(hubBaseURL: String? = nil) {
        let logger = Logger(label: "twilio-test")
        let credentials = SandboxCredentials.defaults
        environment = SandboxEnvironment(
            credentials: credentials, clock: clock, faults: faults, ledger: Ledger(),
            webhooks: WebhookOutbox(
                hubBaseURL: hubBaseURL, credentials: credentials, faults: faults, logger: logger,
                retryBaseDelay: .milliseconds(20)
            ),
            idempotency: IdempotencyCache(), logger: logger
        )
        simulator = TwilioSimulator(environment: environment, followsRealTime: false)
        let router = Router(context: SandboxContext.self)
        simulator.addRoutes(to: router.group("twilio").add(middleware: FaultMiddleware(simulator: simulator, faults: faults)))
        simulator.addControlRoutes(to: router.group("_sandbox/twilio"))
        app = Application(router: router, services: [environment.webhooks], logger: logger)
    }
}

/// A live HTTP server that records every request, standing in for the hub and for a
/// status-callback endpoint.
final class WebhookRecorder: Sendable {
    struct Recorded: Sendable {
        var path: String
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        func webhookRequest(base: String) -> WebhookRequest {
            WebhookRequest(method: "POST", url: base + path, headers: headers, body: body)
        }
    }

    let baseURL: String
    private let stream: AsyncStream<Recorded>
    private let continuation: AsyncStream<Recorded>.Continuation

    private init(port: Int, stream: AsyncStream<Recorded>, continuation: AsyncStream<Recorded>.Continuation) {
        baseURL = "http://127.0.0.1:\(port)"
        self.stream = stream
        self.continuation = continuation
    }

    /// Runs `body` with a recorder listening on a free port.
    static func run(_ body: @Sendable (WebhookRecorder) async throws -> Void) async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: Recorded.self)
        let router = Router()
        router.post("**") { request, _ -> HTTPResponse.Status in
            var request = request
            let bytes = try await request.collectBody(upTo: 1 << 20)
            continuation.yield(
                Recorded(
                    path: request.uri.description,
                    headers: request.headers.map { ($0.name.rawName, $0.value) },
                    body: Array(bytes.readableBytesView)
                )
            )
            return .ok
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let recorder = WebhookRecorder(port: try #require(client.port), stream: stream, continuation: continuation)
            try await body(recorder)
        }
    }

    /// The next `count` requests, waiting at most `timeout` for them.
    func next(_ count: Int, timeout: Duration = .seconds(10)) async throws -> [Recorded] {
        let stream = self.stream
        return try await withThrowingTaskGroup(of: [Recorded]?.self) { group in
            group.addTask {
                var received: [Recorded] = []
                for await item in stream {
                    received.append(item)
                    if received.count == count { break }
                }
                return received
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return try #require(first, "expected \(count) webhook(s) within \(timeout)")
        }
    }
}
