import Foundation

/// A Message resource as Twilio's 2010-04-01 API shows it (snake_case JSON, RFC 2822 dates,
/// counts as strings, absent values as `null`).
struct TwilioMessage: Sendable, Equatable {
    var sid: String
    var accountSID: String
    var messagingServiceSID: String?
    /// Nil while a Messaging Service has not picked a sender yet.
    var from: String?
    var to: String
    var body: String
    var status: String
    /// `outbound-api` or `inbound`.
    var direction: String
    var numMedia: Int
    var numSegments: Int
    var errorCode: Int?
    var errorMessage: String?
    var dateCreated: Date
    var dateSent: Date?
    var dateUpdated: Date
    /// Where status callbacks go; not part of the resource's JSON.
    var statusCallback: String?

    static let apiVersion = "2010-04-01"

    /// `/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`, relative to the API's host.
    var uri: String { "/\(Self.apiVersion)/Accounts/\(accountSID)/Messages/\(sid).json" }

    /// True once the status can no longer change.
    var isFinal: Bool { ["delivered", "undelivered", "failed", "received", "read", "canceled"].contains(status) }
}

extension TwilioMessage: Encodable {
    enum CodingKeys: String, CodingKey {
        case sid, from, to, body, status, direction, price, uri
        case accountSID = "account_sid"
        case messagingServiceSID = "messaging_service_sid"
        case numMedia = "num_media"
        case numSegments = "num_segments"
        case errorCode = "error_code"
        case errorMessage = "error_message"
        case priceUnit = "price_unit"
        case dateCreated = "date_created"
        case dateSent = "date_sent"
        case dateUpdated = "date_updated"
        case apiVersion = "api_version"
        case subresourceURIs = "subresource_uris"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sid, forKey: .sid)
        try container.encode(accountSID, forKey: .accountSID)
        try container.encode(messagingServiceSID, forKey: .messagingServiceSID)
        try container.encode(from, forKey: .from)
        try container.encode(to, forKey: .to)
        try container.encode(body, forKey: .body)
        try container.encode(status, forKey: .status)
        try container.encode(direction, forKey: .direction)
        try container.encode(String(numMedia), forKey: .numMedia)
        try container.encode(String(numSegments), forKey: .numSegments)
        try container.encode(errorCode, forKey: .errorCode)
        try container.encode(errorMessage, forKey: .errorMessage)
        // No money moves in the sandbox, so no price is ever set.
        try container.encode(String?.none, forKey: .price)
        try container.encode("USD", forKey: .priceUnit)
        try container.encode(RFC2822.string(dateCreated), forKey: .dateCreated)
        try container.encode(dateSent.map(RFC2822.string), forKey: .dateSent)
        try container.encode(RFC2822.string(dateUpdated), forKey: .dateUpdated)
        try container.encode(Self.apiVersion, forKey: .apiVersion)
        try container.encode(uri, forKey: .uri)
        try container.encode(
            ["media": "/\(Self.apiVersion)/Accounts/\(accountSID)/Messages/\(sid)/Media.json"], forKey: .subresourceURIs)
    }
}

/// RFC 2822 dates in GMT, as Twilio writes them: `Thu, 24 Aug 2023 05:01:45 +0000`.
enum RFC2822 {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func string(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.weekday, .day, .month, .year, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String {
            let value = value ?? 0
            return value < 10 ? "0\(value)" : "\(value)"
        }
        let weekday = days[((parts.weekday ?? 1) - 1) % 7]
        let month = months[((parts.month ?? 1) - 1) % 12]
        let time = "\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second))"
        return "\(weekday), \(two(parts.day)) \(month) \(parts.year ?? 1970) \(time) +0000"
    }
}
