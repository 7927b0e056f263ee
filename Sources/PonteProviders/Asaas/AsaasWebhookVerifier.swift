import Crypto
import Foundation

/// Verifies Asaas webhooks (the static `asaas-access-token` header) and reads the event's `id` and `event`.
///
/// Asaas does not sign: it sends the token configured on the webhook verbatim.
public struct AsaasWebhookVerifier: WebhookVerifier {
    /// Always "asaas".
    public let provider = "asaas"
    /// The header that carries the token.
    public static let headerName = "asaas-access-token"
    private let tokenDigest: SHA256.Digest

    /// Creates a verifier for the webhook's authentication token.
    public init(accessToken: String) {
        self.tokenDigest = SHA256.hash(data: Array(accessToken.utf8))
    }

    /// Compares the token (via SHA-256 digests, so neither length nor content leaks), then reads the event.
    public func verify(_ request: WebhookRequest, now: Date) throws(WebhookRejection) -> [VerifiedEvent] {
        guard let provided = request.header(Self.headerName), !provided.isEmpty else {
            throw .signatureInvalid("missing asaas-access-token header")
        }
        guard ConstantTime.equal(SHA256.hash(data: Array(provided.utf8)), tokenDigest) else {
            throw .signatureInvalid("asaas-access-token does not match the configured token")
        }

        let fields = try JSONFields.strings(["id", "event"], in: request.body)
        let id = try JSONFields.required(fields[0], "id")
        return [VerifiedEvent(eventID: id, eventType: fields[1] ?? "unknown")]
    }
}
