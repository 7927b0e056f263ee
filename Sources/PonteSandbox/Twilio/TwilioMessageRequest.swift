import Foundation
import PonteProviders

/// A validated `POST .../Messages.json` form.
///
/// Checks run in a fixed order and the first failure is answered, with Twilio's code:
/// missing `To` (21604), sender (21603), content (21602); malformed SIDs and content
/// variables (21705, 21654–21656); malformed addresses (21211, 21212); channels that differ
/// (21910); Twilio's magic test numbers; then limits (21617, 21623, 21620) and the
/// `StatusCallback` URL (21609).
struct TwilioMessageRequest: Equatable, Sendable {
    var to: TwilioAddress
    var from: TwilioAddress?
    var messagingServiceSID: String?
    var body: String
    var mediaURLs: [String]
    var statusCallback: String?
    var contentSID: String?

    static let maxBodyCharacters = 1_600
    static let maxMedia = 10

    init(form: [(name: String, value: String)]) throws(TwilioAPIError) {
        func value(_ name: String) -> String? {
            FormURLEncoded.first(name, in: form).flatMap { $0.isEmpty ? nil : $0 }
        }
        let mediaURLs = form.filter { $0.name == "MediaUrl" && !$0.value.isEmpty }.map(\.value)
        let contentSID = value("ContentSid")
        let contentVariables = value("ContentVariables")

        guard let toText = value("To") else { throw .toRequired }
        let fromText = value("From")
        let service = value("MessagingServiceSid")
        guard fromText != nil || service != nil else { throw .fromRequired }
        if let service, !Self.isSID(service, prefix: "MG") { throw .invalidMessagingService }
        let body = value("Body") ?? ""
        guard !body.isEmpty || !mediaURLs.isEmpty || contentSID != nil else { throw .bodyRequired }
        if contentVariables != nil, contentSID == nil { throw .contentSidRequired }
        if let contentSID, !Self.isSID(contentSID, prefix: "HX") { throw .invalidContentSid }
        if let contentVariables, !Self.areValidContentVariables(contentVariables) { throw .invalidContentVariables }

        guard let to = TwilioAddress(toText), to.isValidRecipient else { throw .invalidTo(toText) }
        var from: TwilioAddress?
        if let fromText {
            guard let parsed = TwilioAddress(fromText), parsed.isValidSender else { throw .invalidFrom(fromText) }
            guard parsed.channel == to.channel else { throw .channelMismatch }
            if let refusal = TwilioTestNumbers.refusal(from: parsed.number) { throw refusal }
            from = parsed
        }
        if let refusal = TwilioTestNumbers.refusal(to: to.number) { throw refusal }

        guard body.count <= Self.maxBodyCharacters else { throw .bodyTooLong }
        guard mediaURLs.count <= Self.maxMedia else { throw .tooManyMedia }
        if let bad = mediaURLs.first(where: { !Self.isAbsoluteHTTPURL($0) }) { throw .invalidMediaURL(bad) }
        let statusCallback = value("StatusCallback")
        if let statusCallback, !Self.isAbsoluteHTTPURL(statusCallback) { throw .invalidStatusCallback }

        self.to = to
        self.from = from
        self.messagingServiceSID = service
        self.body = body
        self.mediaURLs = mediaURLs
        self.statusCallback = statusCallback
        self.contentSID = contentSID
    }

    // MARK: Checks

    /// `prefix` followed by 32 hex digits (`MG…`, `HX…`).
    static func isSID(_ sid: String, prefix: String) -> Bool {
        guard sid.hasPrefix(prefix) else { return false }
        let rest = sid.utf8.dropFirst(prefix.utf8.count)
        return rest.count == 32 && rest.allSatisfy(isHexDigit)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"):
            true
        default:
            false
        }
    }

    /// A JSON object whose values are non-empty strings (or numbers), as Twilio's template variables are.
    static func areValidContentVariables(_ text: String) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            return false
        }
        return object.values.allSatisfy { value in
            if let string = value as? String { return !string.isEmpty }
            return value is NSNumber
        }
    }

    /// An `http`/`https` URL with a host that has no underscore (Twilio refuses those).
    static func isAbsoluteHTTPURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty, !host.contains("_")
        else { return false }
        return true
    }
}

