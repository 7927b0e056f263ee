import Crypto
import Foundation

/// Verifies iFood webhooks (`X-IFood-Signature`) and reads the event's `id` and `fullCode`.
public struct IFoodWebhookVerifier: WebhookVerifier {
    /// Always "ifood".
    public let provider = "ifood"
    private let key: SymmetricKey

    /// Creates a verifier for the application's client secret.
    public init(clientSecret: String) {
        self.key = SymmetricKey(data: Array(clientSecret.utf8))
    }

    /// Checks the signature over the raw body (hex compared case-insensitively), then reads the event.
    public func verify(_ request: WebhookRequest, now: Date) throws(WebhookRejection) -> [VerifiedEvent] {
        guard let provided = request.header(IFoodSignature.headerName), !provided.isEmpty else {
            throw .signatureInvalid("missing X-IFood-Signature header")
        }
        let expected = IFoodSignature.expected(key: key, body: request.body)
        guard ConstantTime.equal(expected, provided.utf8.lazy.map(ASCII.lowercased)) else {
            throw .signatureInvalid("X-IFood-Signature does not match the body")
        }

        let fields = try JSONFields.strings(["id", "fullCode", "code"], in: request.body)
        let id = try JSONFields.required(fields[0], "id")
        return [VerifiedEvent(eventID: id, eventType: fields[1] ?? fields[2] ?? "unknown")]
    }
}
