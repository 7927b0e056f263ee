import Foundation
import Hummingbird
import Logging
import PonteProviders

// MARK: The Messages resource

extension TwilioSimulator {
    /// The sender a Messaging Service picks for a channel (Twilio's own test numbers).
    static func serviceSender(channel: String?) -> String {
        channel == "whatsapp" ? "whatsapp:+14155238886" : "+15005550006"
    }

    @Sendable func createMessage(_ request: Request, context: SandboxContext) async throws -> Response {
        let form = FormURLEncoded.parse(try await SandboxJSON.body(of: request))
        let send = try TwilioMessageRequest(form: form)
        let now = environment.clock.now()
        let usesService = send.messagingServiceSID != nil
        let message = TwilioMessage(
            sid: SandboxIDs.hex(send.mediaURLs.isEmpty ? "SM" : "MM"),
            accountSID: environment.credentials.twilioAccountSID,
            messagingServiceSID: send.messagingServiceSID,
            from: send.from?.text,
            to: send.to.text,
            body: send.body,
            status: usesService ? "accepted" : "queued",
            direction: "outbound-api",
            numMedia: send.mediaURLs.count,
            numSegments: TwilioSegments.count(body: send.body, channel: send.to.channel),
            dateCreated: now,
            dateUpdated: now,
            statusCallback: send.statusCallback
        )
        let steps = deliverySteps(for: send, createdAt: now)
        book.add(message, steps: steps)
        followInRealTime(steps: steps.count)
        context.logger.info(
            "sandbox twilio message created", metadata: ["sid": "\(message.sid)", "to": "\(message.to)"]
        )
        return .sandboxJSON(message, status: .created)
    }

    /// The status changes of a new message: a Messaging Service first picks a sender
    /// (`accepted → queued`), then `sent` and `delivered`, or how `TwilioTestNumbers` says it fails.
    func deliverySteps(for send: TwilioMessageRequest, createdAt: Date) -> [TwilioMessageBook.Step] {
        let interval = Double(stepInterval.components.seconds) + Double(stepInterval.components.attoseconds) / 1e18
        var steps: [TwilioMessageBook.Step] = []
        func step(_ status: String, errorCode: Int? = nil, errorMessage: String? = nil, assignFrom: String? = nil) {
            let due = createdAt.addingTimeInterval(interval * Double(steps.count + 1))
            steps.append(
                .init(due: due, status: status, errorCode: errorCode, errorMessage: errorMessage, assignFrom: assignFrom))
        }
        if send.messagingServiceSID != nil {
            step("queued", assignFrom: send.from == nil ? Self.serviceSender(channel: send.to.channel) : nil)
        }
        switch TwilioTestNumbers.outcome(to: send.to.number) {
        case .delivered:
            step("sent")
            step("delivered")
        case .undelivered(let code, let text):
            step("sent")
            step("undelivered", errorCode: code, errorMessage: text)
        case .failed(let code, let text):
            step("failed", errorCode: code, errorMessage: text)
        }
        return steps
    }

    @Sendable func fetchMessage(_ request: Request, context: SandboxContext) async throws -> Response {
        settle()
        guard let sid = context.parameters.get("MessageSid"), let message = book.message(sid: sid) else {
            throw TwilioAPIError.notFound(path: Self.apiPath(of: request))
        }
        return .sandboxJSON(message)
    }

    /// One page of messages, newest first, in Twilio's page envelope; `PageSize` (1–1000,
    /// default 50) and `Page` (from 0) choose it.
    @Sendable func listMessages(_ request: Request, context: SandboxContext) async throws -> Response {
        settle()
        // Decoded as a form (`+` is a space), as Twilio decodes query strings.
        let query = FormURLEncoded.queryParameters(ofURL: request.uri.description)
        func value(_ name: String) -> String? { FormURLEncoded.first(name, in: query).flatMap { $0.isEmpty ? nil : $0 } }
        let filter = TwilioMessageBook.Filter(to: value("To"), from: value("From"))
        let pageSize = min(max(value("PageSize").flatMap { Int($0) } ?? 50, 1), 1_000)
        let page = max(value("Page").flatMap { Int($0) } ?? 0, 0)
        let all = book.list(filter)
        let start = page * pageSize
        let messages = start < all.count ? Array(all[start..<min(start + pageSize, all.count)]) : []

        let base = "/\(TwilioMessage.apiVersion)/Accounts/\(environment.credentials.twilioAccountSID)/Messages.json"
        func pageURI(_ number: Int) -> String {
            var pairs: [(name: String, value: String)] = []
            if let to = filter.to { pairs.append(("To", to)) }
            if let from = filter.from { pairs.append(("From", from)) }
            pairs += [("PageSize", String(pageSize)), ("Page", String(number))]
            return base + "?" + FormURLEncoded.encode(pairs)
        }
        let envelope = TwilioMessagePage(
            messages: messages,
            page: page,
            pageSize: pageSize,
            start: start,
            end: start + max(messages.count - 1, 0),
            uri: pageURI(page),
            firstPageURI: pageURI(0),
            nextPageURI: start + pageSize < all.count ? pageURI(page + 1) : nil,
            previousPageURI: page > 0 ? pageURI(page - 1) : nil
        )
        return .sandboxJSON(envelope)
    }
}

/// Twilio's list envelope for messages.
struct TwilioMessagePage: Encodable {
    var messages: [TwilioMessage]
    var page: Int
    var pageSize: Int
    var start: Int
    var end: Int
    var uri: String
    var firstPageURI: String
    var nextPageURI: String?
    var previousPageURI: String?

    enum CodingKeys: String, CodingKey {
        case messages, page, start, end, uri
        case pageSize = "page_size"
        case firstPageURI = "first_page_uri"
        case nextPageURI = "next_page_uri"
        case previousPageURI = "previous_page_uri"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(messages, forKey: .messages)
        try container.encode(page, forKey: .page)
        try container.encode(pageSize, forKey: .pageSize)
        try container.encode(start, forKey: .start)
        try container.encode(end, forKey: .end)
        try container.encode(uri, forKey: .uri)
        try container.encode(firstPageURI, forKey: .firstPageURI)
        try container.encode(nextPageURI, forKey: .nextPageURI)
        try container.encode(previousPageURI, forKey: .previousPageURI)
    }
}
