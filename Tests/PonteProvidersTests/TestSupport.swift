import Foundation
import PonteProviders

/// The UTF-8 bytes of `text`.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A date `seconds` after the Unix epoch.
func at(_ seconds: Int) -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }

/// The rejection `verifier` throws for `request`, or nil when it is accepted.
func rejection(
    _ verifier: some WebhookVerifier, _ request: WebhookRequest, now: Date = Date()
) -> WebhookRejection? {
    do {
        _ = try verifier.verify(request, now: now)
        return nil
    } catch {
        return error
    }
}

extension WebhookRejection {
    /// Whether this is a `.signatureInvalid`, whatever its message.
    var isSignatureInvalid: Bool {
        if case .signatureInvalid = self { return true }
        return false
    }

    /// Whether this is a `.payloadInvalid`, whatever its message.
    var isPayloadInvalid: Bool {
        if case .payloadInvalid = self { return true }
        return false
    }
}
