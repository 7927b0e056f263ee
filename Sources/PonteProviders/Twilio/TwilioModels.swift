/// A Twilio message (`SM...`/`MM...`), the fields Ponte reads.
public struct TwilioMessage: Decodable, Sendable, Equatable {
    public var sid: String
    public var accountSid: String?
    public var messagingServiceSid: String?
    public var from: String?
    public var to: String?
    public var body: String?
    /// `queued`, `sending`, `sent`, `failed`, `delivered`, `undelivered`, `read`, ...
    public var status: String
    public var direction: String?
    public var numMedia: String?
    public var numSegments: String?
    public var errorCode: Int?
    public var errorMessage: String?
    /// RFC 2822.
    public var dateCreated: String?
    public var dateSent: String?
    public var dateUpdated: String?

    enum CodingKeys: String, CodingKey {
        case sid, from, to, body, status, direction
        case accountSid = "account_sid"
        case messagingServiceSid = "messaging_service_sid"
        case numMedia = "num_media"
        case numSegments = "num_segments"
        case errorCode = "error_code"
        case errorMessage = "error_message"
        case dateCreated = "date_created"
        case dateSent = "date_sent"
        case dateUpdated = "date_updated"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sid = try container.decode(String.self, forKey: .sid)
        accountSid = try container.decodeIfPresent(String.self, forKey: .accountSid)
        messagingServiceSid = try container.decodeIfPresent(String.self, forKey: .messagingServiceSid)
        from = try container.decodeIfPresent(String.self, forKey: .from)
        to = try container.decodeIfPresent(String.self, forKey: .to)
        body = try container.decodeIfPresent(String.self, forKey: .body)
        status = try container.decode(String.self, forKey: .status)
        direction = try container.decodeIfPresent(String.self, forKey: .direction)
        numMedia = try Self.text(container, .numMedia)
        numSegments = try Self.text(container, .numSegments)
        errorCode = try container.decodeIfPresent(Int.self, forKey: .errorCode)
        errorMessage = try container.decodeIfPresent(String.self, forKey: .errorMessage)
        dateCreated = try container.decodeIfPresent(String.self, forKey: .dateCreated)
        dateSent = try container.decodeIfPresent(String.self, forKey: .dateSent)
        dateUpdated = try container.decodeIfPresent(String.self, forKey: .dateUpdated)
    }

    /// Twilio sends counts as strings; accept numbers too.
    private static func text(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> String? {
        if let number = try? container.decodeIfPresent(Int.self, forKey: key) { return String(number) }
        return try container.decodeIfPresent(String.self, forKey: key)
    }
}

/// What to send with `POST /2010-04-01/Accounts/{sid}/Messages.json`.
public struct TwilioMessageCreate: Sendable, Equatable {
    /// E.164, or `whatsapp:+55...`.
    public var to: String
    /// A Twilio number (or `whatsapp:+...`); nil when `messagingServiceSid` is set.
    public var from: String?
    public var messagingServiceSid: String?
    public var body: String?
    public var mediaURLs: [String]
    public var statusCallback: String?

    public init(
        to: String, from: String? = nil, messagingServiceSid: String? = nil, body: String? = nil,
        mediaURLs: [String] = [], statusCallback: String? = nil
    ) {
        self.to = to
        self.from = from
        self.messagingServiceSid = messagingServiceSid
        self.body = body
        self.mediaURLs = mediaURLs
        self.statusCallback = statusCallback
    }

    var form: [(name: String, value: String)] {
        var pairs = [(name: "To", value: to)]
        if let from { pairs.append((name: "From", value: from)) }
        if let messagingServiceSid { pairs.append((name: "MessagingServiceSid", value: messagingServiceSid)) }
        if let body { pairs.append((name: "Body", value: body)) }
        for url in mediaURLs { pairs.append((name: "MediaUrl", value: url)) }
        if let statusCallback { pairs.append((name: "StatusCallback", value: statusCallback)) }
        return pairs
    }
}
