import Crypto
import Foundation

/// Verifies Square webhooks (`x-square-hmacsha256-signature`) and reads `event_id` and `type`.
public struct SquareWebhookVerifier: WebhookVerifier {
    /// Always "square".
    public let provider = "square"
    private let key: SymmetricKey
    private let notificationURL: String?

    /// Creates a verifier for a subscription's signature key.
    ///
    /// - Parameter notificationURL: the URL exactly as configured at Square; when nil
    ///   (or empty) the request's public URL is used.
    public init(signatureKey: String, notificationURL: String? = nil) {
        self.key = SymmetricKey(data: Array(signatureKey.utf8))
        self.notificationURL = notificationURL.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Checks the signature over URL + raw body, then reads the event.
    public func verify(_ request: WebhookRequest, now: Date) throws(WebhookRejection) -> [VerifiedEvent] {
        guard let provided = request.header(SquareSignature.headerName), !provided.isEmpty else {
            throw .signatureInvalid("missing x-square-hmacsha256-signature header")
        }
        // Square's SDK refuses to verify an empty body.
        guard !request.body.isEmpty else {
            throw .signatureInvalid("empty body cannot be verified")
        }
        let url = notificationURL ?? request.url
        let expected = SquareSignature.expected(key: key, url: url, body: request.body)
        guard ConstantTime.equal(expected.utf8, provided.utf8) else {
            throw .signatureInvalid("signature does not match notification URL + body")
        }

        let fields = try JSONFields.strings(["event_id", "type"], in: request.body)
        let id = try JSONFields.required(fields[0], "event_id")
        return [VerifiedEvent(eventID: id, eventType: fields[1] ?? "unknown")]
    }
}
