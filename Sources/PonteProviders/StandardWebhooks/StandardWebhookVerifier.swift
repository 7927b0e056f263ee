import Crypto
import Foundation

/// Verifies Standard Webhooks v1 requests (`webhook-id`/`-timestamp`/`-signature`, ±300 s).
public struct StandardWebhookVerifier: WebhookVerifier {
    /// Always "standard".
    public let provider = "standard"
    /// nil when the configured secret is not valid base64; every request is then refused.
    private let key: SymmetricKey?
    private let window: TimestampWindow

    /// Creates a verifier for a `whsec_<base64>` secret.
    ///
    /// An unusable secret still yields a verifier, one that refuses every
    /// request saying so, so the misconfiguration shows up on the first
    /// delivery instead of as a silent "provider not configured".
    public init(secret: String, tolerance: Int = 300) {
        self.key = StandardWebhookSignature.key(fromSecret: secret)
        self.window = TimestampWindow(tolerance: tolerance)
    }

    /// Checks the headers and timestamp, then any `v1` signature; the event type is the body's `type`, if any.
    public func verify(_ request: WebhookRequest, now: Date) throws(WebhookRejection) -> [VerifiedEvent] {
        guard let key else {
            throw .signatureInvalid("configured secret is not valid base64")
        }
        guard let id = request.header(StandardWebhookSignature.idHeaderName), !id.isEmpty else {
            throw .signatureInvalid("missing webhook-id header")
        }
        guard let timestamp = request.header(StandardWebhookSignature.timestampHeaderName), !timestamp.isEmpty
        else {
            throw .signatureInvalid("missing webhook-timestamp header")
        }
        guard let signatures = request.header(StandardWebhookSignature.signatureHeaderName), !signatures.isEmpty
        else {
            throw .signatureInvalid("missing webhook-signature header")
        }
        guard let seconds = ASCII.parseUnsignedInt(timestamp.utf8) else {
            throw .signatureInvalid("webhook-timestamp is not an integer")
        }
        // The reference implementation checks the window before the signature.
        if let rejection = window.rejection(for: seconds, now: now) {
            throw rejection
        }

        let expected = StandardWebhookSignature.expected(key: key, id: id, timestamp: timestamp, body: request.body)
        var sawV1 = false
        var matched = false
        for item in signatures.split(separator: " ") {
            guard let comma = item.firstIndex(of: ","), item[..<comma] == "v1" else { continue }
            sawV1 = true
            if ConstantTime.equal(expected.utf8, item[item.index(after: comma)...].utf8) { matched = true }
        }
        guard sawV1 else {
            throw .signatureInvalid("webhook-signature has no v1 signature")
        }
        guard matched else {
            throw .signatureInvalid("no v1 signature matched")
        }

        // The payload's shape is the sender's own: a type is read when there is one.
        let type = (try? JSONTopLevel.strings(["type"], in: request.body))?.first ?? nil
        return [VerifiedEvent(eventID: id, eventType: type ?? "unknown")]
    }
}
