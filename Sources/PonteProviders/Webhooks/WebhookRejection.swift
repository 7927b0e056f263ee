/// Why a webhook request was refused; the message names the check that failed and never a secret.
public enum WebhookRejection: Error, Equatable, Sendable {
    /// The request is not authentic (maps to 401 WEBHOOK_SIGNATURE_INVALID).
    case signatureInvalid(String)
    /// The request is authentic but carries no usable event (maps to 400 WEBHOOK_PAYLOAD_INVALID).
    case payloadInvalid(String)

    /// The human-readable reason.
    public var message: String {
        switch self {
        case .signatureInvalid(let message), .payloadInvalid(let message):
            return message
        }
    }
}
