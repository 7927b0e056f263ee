import Crypto
import Foundation

/// Verifies Mailchimp audience webhooks (a `secret` query parameter) and reads the form field `type`.
///
/// Mailchimp does not sign; the endpoint URL carries a long secret. Only POSTs
/// come here: the server answers Mailchimp's GET validation call itself.
public struct MailchimpWebhookVerifier: WebhookVerifier {
    /// Always "mailchimp".
    public let provider = "mailchimp"
    /// The query parameter that carries the secret.
    public static let secretParameter = "secret"
    private let secretDigest: SHA256.Digest

    /// Creates a verifier for the secret configured in the webhook URL.
    public init(secret: String) {
        self.secretDigest = SHA256.hash(data: Array(secret.utf8))
    }

    /// Compares the URL's secret (via SHA-256 digests), then derives the event from the form body.
    ///
    /// Mailchimp sends no event id, and a retry repeats the body byte for
    /// byte, so the body's SHA-256 is the deduplication key.
    public func verify(_ request: WebhookRequest, now: Date) throws(WebhookRejection) -> [VerifiedEvent] {
        let query = FormURLEncoded.queryParameters(ofURL: request.url)
        guard let provided = FormURLEncoded.first(Self.secretParameter, in: query), !provided.isEmpty else {
            throw .signatureInvalid("missing secret query parameter")
        }
        guard ConstantTime.equal(SHA256.hash(data: Array(provided.utf8)), secretDigest) else {
            throw .signatureInvalid("secret query parameter does not match the configured secret")
        }

        let form = FormURLEncoded.parse(request.body)
        let type = FormURLEncoded.first("type", in: form).flatMap { $0.isEmpty ? nil : $0 } ?? "unknown"
        let id = "sha256:" + Hex.string(SHA256.hash(data: request.body))
        return [VerifiedEvent(eventID: id, eventType: type)]
    }
}
