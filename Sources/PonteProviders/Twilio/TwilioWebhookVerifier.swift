import Crypto
import Foundation

/// Verifies Twilio webhooks (`X-Twilio-Signature`, Auth Token mode) and derives a message or call event.
public struct TwilioWebhookVerifier: WebhookVerifier {
    /// Always "twilio".
    public let provider = "twilio"
    private let key: SymmetricKey

    /// Creates a verifier for the account's Auth Token.
    public init(authToken: String) {
        self.key = SymmetricKey(data: Array(authToken.utf8))
    }

    /// Checks the signature over URL + sorted POST parameters (or URL + body hash for JSON bodies).
    public func verify(_ request: WebhookRequest, now: Date) throws(WebhookRejection) -> [VerifiedEvent] {
        guard let provided = request.header(TwilioSignature.headerName), !provided.isEmpty else {
            throw .signatureInvalid("missing X-Twilio-Signature header")
        }
        try checkAlgorithm(request.header(TwilioSignature.settingsHeaderName))

        let queryParams = FormURLEncoded.queryParameters(ofURL: request.url)
        // Like Twilio's SDK (parse_qs), a blank bodySHA256 counts as absent.
        let bodyHash = FormURLEncoded.first(TwilioSignature.bodyHashParameter, in: queryParams)
            .flatMap { $0.isEmpty ? nil : $0 }
        let isGET = request.method.uppercased() == "GET"
        let postParams: [(name: String, value: String)] =
            (bodyHash != nil || isGET) ? [] : FormURLEncoded.parse(request.body)

        var matched = false
        for url in [request.url, TwilioSignature.alternatePortURL(request.url)].compactMap({ $0 }) {
            let expected = TwilioSignature.expected(key: key, url: url, params: postParams)
            if ConstantTime.equal(expected.utf8, provided.utf8) { matched = true }
        }
        guard matched else {
            throw .signatureInvalid("X-Twilio-Signature does not match the URL and parameters")
        }
        if let bodyHash {
            let actual = Hex.encode(SHA256.hash(data: request.body))
            guard ConstantTime.equal(actual, bodyHash.utf8) else {
                throw .signatureInvalid("body does not match the bodySHA256 query parameter")
            }
        }

        // A GET carries its data in the URL, so the URL is what identifies it.
        let signedContent = isGET ? Array(request.url.utf8) : request.body
        return [Self.event(params: isGET ? queryParams : postParams, signedContent: signedContent)]
    }

    // MARK: Helpers

    /// Accepts only the Auth Token algorithm (HMAC_SHA1, also when the header is absent).
    private func checkAlgorithm(_ settings: String?) throws(WebhookRejection) {
        guard let settings else { return }
        var algorithm: Substring?
        for part in settings.split(separator: ",") {
            guard let equals = part.firstIndex(of: "=") else { continue }
            let name = part[..<equals].trimmingCharacters(in: .whitespaces)
            let value = part[part.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if name == "algorithm", !value.isEmpty {
                algorithm = Substring(value)
                break
            }
        }
        switch algorithm?.uppercased() {
        case nil, "HMAC_SHA1":
            return
        case "HMAC_SHA256":
            throw .signatureInvalid(
                "request is signed in shared-key mode (HMAC_SHA256), which is not configured; "
                    + "only the Auth Token (HMAC_SHA1) is")
        default:
            throw .signatureInvalid("unsupported algorithm in X-Twilio-Webhooks-Signature-Settings")
        }
    }

    /// A message status event, a call status event, or (for anything else) an event keyed by the
    /// SHA-256 of `signedContent` (the body, or the URL of a GET).
    static func event(params: [(name: String, value: String)], signedContent: [UInt8]) -> VerifiedEvent {
        func value(_ name: String) -> String? {
            FormURLEncoded.first(name, in: params).flatMap { $0.isEmpty ? nil : $0 }
        }
        if let messageSID = value("MessageSid") {
            let status = value("MessageStatus") ?? value("SmsStatus") ?? "received"
            return VerifiedEvent(eventID: "\(messageSID):\(status)", eventType: "message.\(status)")
        }
        if let callSID = value("CallSid") {
            let status = value("CallStatus") ?? "unknown"
            return VerifiedEvent(eventID: "\(callSID):\(status)", eventType: "call.\(status)")
        }
        return VerifiedEvent(eventID: "sha256:" + Hex.string(SHA256.hash(data: signedContent)), eventType: "unknown")
    }
}
