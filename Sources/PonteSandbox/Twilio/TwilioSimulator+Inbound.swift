import Foundation
import Hummingbird
import Logging

// MARK: Control: a customer writes in

extension TwilioSimulator {
    /// `POST /_sandbox/twilio/inbound`: what a customer sends to one of the account's numbers.
    struct InboundMessage: Decodable {
        struct Media: Decodable {
            var url: String
            var contentType: String

            enum CodingKeys: String, CodingKey {
                case url
                case contentType = "content_type"
            }
        }
        var from: String
        var to: String
        var body: String?
        /// The sender's WhatsApp display name (`ProfileName`).
        var profileName: String?
        var media: [Media]?

        enum CodingKeys: String, CodingKey {
            case from, to, body, media
            case profileName = "profile_name"
        }
    }

    struct InboundAnswer: Encodable {
        var messageSid: String
        var fields: [String: String]

        enum CodingKeys: String, CodingKey {
            case fields
            case messageSid = "message_sid"
        }
    }

    /// Sends the incoming-message webhook to the hub (`/webhooks/twilio`) with the fields
    /// Twilio sends, records the message as `received`, and answers its sid and the fields.
    @Sendable func receiveInbound(_ request: Request, context: SandboxContext) async throws -> Response {
        let bytes = try await SandboxJSON.body(of: request)
        let inbound: InboundMessage
        do {
            inbound = try JSONDecoder().decode(InboundMessage.self, from: Data(bytes))
        } catch {
            return controlError(
                .badRequest, "INVALID_JSON",
                #"expected {"from": "whatsapp:+5511999998888", "to": "whatsapp:+14155238886", "body": "Oi"}: \#(error)"#)
        }
        guard let from = TwilioAddress(inbound.from), from.isE164, let to = TwilioAddress(inbound.to), to.isE164 else {
            return controlError(
                .badRequest, "INVALID_ADDRESS", "from and to must be E.164 numbers, optionally prefixed with whatsapp:")
        }
        guard from.channel == to.channel else {
            return controlError(
                .badRequest, "CHANNEL_MISMATCH", "from and to must be on the same channel (both whatsapp: or neither)")
        }
        let media = inbound.media ?? []
        if let bad = media.first(where: { !TwilioMessageRequest.isAbsoluteHTTPURL($0.url) }) {
            return controlError(.badRequest, "INVALID_MEDIA", "media url \(bad.url) is not an absolute http(s) URL")
        }
        let body = inbound.body ?? ""
        guard !body.isEmpty || !media.isEmpty else {
            return controlError(.badRequest, "EMPTY_MESSAGE", "an inbound message needs a body or media")
        }

        let sid = SandboxIDs.hex(media.isEmpty ? "SM" : "MM")
        let accountSID = environment.credentials.twilioAccountSID
        let segments = TwilioSegments.count(body: body, channel: to.channel)
        var fields: [(name: String, value: String)] = [
            ("SmsMessageSid", sid),
            ("NumMedia", String(media.count)),
        ]
        if from.isWhatsApp {
            if let name = inbound.profileName { fields.append(("ProfileName", name)) }
            fields.append(("MessageType", Self.messageType(media: media)))
        }
        fields.append(("SmsSid", sid))
        if let waID = from.whatsAppID { fields.append(("WaId", waID)) }
        fields += [("SmsStatus", "received"), ("Body", body), ("To", to.text), ("NumSegments", String(segments))]
        if from.isWhatsApp { fields.append(("ReferralNumMedia", "0")) }
        for (index, item) in media.enumerated() {
            fields += [("MediaContentType\(index)", item.contentType), ("MediaUrl\(index)", item.url)]
        }
        fields += [
            ("MessageSid", sid), ("AccountSid", accountSID), ("From", from.text), ("ApiVersion", TwilioMessage.apiVersion),
        ]

        let now = environment.clock.now()
        book.add(
            TwilioMessage(
                sid: sid, accountSID: accountSID, from: from.text, to: to.text, body: body, status: "received",
                direction: "inbound", numMedia: media.count, numSegments: segments, dateCreated: now, dateSent: now,
                dateUpdated: now
            ),
            steps: []
        )
        environment.webhooks.send(
            SandboxWebhook(provider: .twilio, eventID: sid, eventType: "message.received", body: .form(fields))
        )
        context.logger.info("sandbox twilio inbound message", metadata: ["sid": "\(sid)", "from": "\(from.text)"])
        return .sandboxJSON(
            InboundAnswer(messageSid: sid, fields: Dictionary(fields.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }))
        )
    }

    /// WhatsApp's `MessageType`: `text`, or the kind of the first media item.
    static func messageType(media: [InboundMessage.Media]) -> String {
        guard let first = media.first else { return "text" }
        for kind in ["image", "video", "audio"] where first.contentType.lowercased().hasPrefix(kind + "/") {
            return kind
        }
        return "document"
    }
}
