import HTTPTypes
import Hummingbird

/// An error of Twilio's REST API, answered in Twilio's shape:
/// `{"code": 21211, "message": "...", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}`.
///
/// The codes and their meanings are Twilio's own (twilio.com/docs/api/errors/{code}).
struct TwilioAPIError: HTTPResponseError, Equatable {
    /// Twilio's error code (`21211`), also the last segment of `more_info`.
    var code: Int
    var message: String
    var status: HTTPResponse.Status
    /// Extra headers: `WWW-Authenticate` on 401s, `Retry-After` on 429s.
    var headers: HTTPFields = [:]

    func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    /// The JSON answer.
    func response() -> Response {
        .sandboxJSON(Body(code: code, message: message, status: Int(status.code)), status: status, headers: headers)
    }

    struct Body: Encodable {
        var code: Int
        var message: String
        var status: Int

        var moreInfo: String { "https://www.twilio.com/docs/errors/\(code)" }

        enum CodingKeys: String, CodingKey {
            case code, message, status
            case moreInfo = "more_info"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(code, forKey: .code)
            try container.encode(message, forKey: .message)
            try container.encode(moreInfo, forKey: .moreInfo)
            try container.encode(status, forKey: .status)
        }
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.status == rhs.status
    }
}

// MARK: The errors the simulator answers

extension TwilioAPIError {
    /// 20003: missing or wrong credentials.
    static let authenticate: TwilioAPIError = {
        var headers = HTTPFields()
        headers[.wwwAuthenticate] = #"Basic realm="Twilio API""#
        return TwilioAPIError(code: 20003, message: "Authenticate", status: .unauthorized, headers: headers)
    }()

    /// 20404: no such resource (also another account's path).
    static func notFound(path: String) -> TwilioAPIError {
        TwilioAPIError(code: 20404, message: "The requested resource \(path) was not found", status: .notFound)
    }

    /// 20500: an injected server fault.
    static let internalError = TwilioAPIError(code: 20500, message: "Internal Server Error", status: .internalServerError)

    /// 20429: an injected rate limit.
    static func tooManyRequests(retryAfterSeconds: Int) -> TwilioAPIError {
        var headers = HTTPFields()
        headers[.retryAfter] = String(retryAfterSeconds)
        return TwilioAPIError(code: 20429, message: "Too Many Requests", status: .tooManyRequests, headers: headers)
    }

    static func badRequest(_ code: Int, _ message: String) -> TwilioAPIError {
        TwilioAPIError(code: code, message: message, status: .badRequest)
    }

    /// 21211: `To` is not a phone number or channel address.
    static func invalidTo(_ to: String) -> TwilioAPIError { badRequest(21211, "Invalid 'To' Phone Number: \(to)") }
    /// 21212: `From` is not a phone number, short code, alphanumeric sender or channel address.
    static func invalidFrom(_ from: String) -> TwilioAPIError {
        badRequest(21212, "Invalid From Number (caller ID): \(from)")
    }
    /// 21602: neither `Body`, `MediaUrl` nor `ContentSid`.
    static let bodyRequired = badRequest(21602, "Message body is required.")
    /// 21603: neither `From` nor `MessagingServiceSid`.
    static let fromRequired = badRequest(21603, "A 'From' phone number is required.")
    /// 21604: no `To`.
    static let toRequired = badRequest(21604, "A 'To' phone number is required.")
    /// 21606: the `From` number cannot send messages.
    static func fromNotCapable(_ from: String) -> TwilioAPIError {
        badRequest(
            21606,
            "The From phone number \(from) is not a valid, SMS-capable inbound phone number or short code for your account."
        )
    }
    /// 21609: `StatusCallback` is not an absolute http(s) URL.
    static let invalidStatusCallback = badRequest(21609, "The StatusCallback URL is not a valid URL.")
    /// 21617: `Body` over 1,600 characters.
    static let bodyTooLong = badRequest(21617, "The concatenated message body exceeds the 1600 character limit.")
    /// 21620: a `MediaUrl` that is not an absolute http(s) URL.
    static func invalidMediaURL(_ url: String) -> TwilioAPIError { badRequest(21620, "Invalid media URL(s): \(url)") }
    /// 21623: more than 10 `MediaUrl`s.
    static let tooManyMedia = badRequest(21623, "Number of media files exceeds allowed limit of 10.")
    /// 21654: `ContentVariables` without `ContentSid`.
    static let contentSidRequired = badRequest(21654, "ContentSid Required")
    /// 21655: a `ContentSid` that is not `HX` + 32 hex digits.
    static let invalidContentSid = badRequest(21655, "The ContentSid is Invalid")
    /// 21656: `ContentVariables` that is not a JSON object of non-empty values.
    static let invalidContentVariables = badRequest(21656, "The ContentVariables Parameter is invalid")
    /// 21705: a `MessagingServiceSid` that is not `MG` + 32 hex digits.
    static let invalidMessagingService = badRequest(21705, "The Messaging Service is invalid.")
    /// 21910: `From` and `To` on different channels (`whatsapp:` with a plain number).
    static let channelMismatch = badRequest(
        21910, "Invalid From and To pair. From and To should be of the same channel")
}
