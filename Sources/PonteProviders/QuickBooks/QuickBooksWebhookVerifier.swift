import Crypto
import Foundation

/// Verifies QuickBooks Online webhooks (`intuit-signature`) and lists one event per entity change.
public struct QuickBooksWebhookVerifier: WebhookVerifier {
    /// Always "quickbooks".
    public let provider = "quickbooks"
    private let key: SymmetricKey

    /// Creates a verifier for the app's webhook verifier token.
    public init(verifierToken: String) {
        self.key = SymmetricKey(data: Array(verifierToken.utf8))
    }

    /// Checks the signature over the raw body, then reads the legacy or CloudEvents payload.
    public func verify(_ request: WebhookRequest, now: Date) throws(WebhookRejection) -> [VerifiedEvent] {
        guard let provided = request.header(QuickBooksSignature.headerName), !provided.isEmpty else {
            throw .signatureInvalid("missing intuit-signature header")
        }
        let expected = QuickBooksSignature.expected(key: key, body: request.body)
        guard ConstantTime.equal(expected.utf8, provided.utf8) else {
            throw .signatureInvalid("intuit-signature does not match the body")
        }
        return try QuickBooksPayload.events(in: request.body)
    }
}
