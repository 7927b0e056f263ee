import Crypto
import Foundation

/// The Standard Webhooks v1 scheme: base64 HMAC-SHA256 over "\(id).\(timestamp).\(body)",
/// keyed with the base64-decoded secret (an optional `whsec_` prefix stripped first).
public enum StandardWebhookSignature {
    /// The header that carries the message id.
    public static let idHeaderName = "webhook-id"
    /// The header that carries the Unix timestamp in seconds.
    public static let timestampHeaderName = "webhook-timestamp"
    /// The header that carries space-separated `v1,<base64>` signatures.
    public static let signatureHeaderName = "webhook-signature"

    /// The secret is not base64 (after any `whsec_` prefix) or decodes to no bytes.
    public struct InvalidSecret: Error, Equatable, Sendable {}

    /// A `webhook-signature` item, `v1,<base64>`, for the message `id` sent at `timestamp` (Unix seconds).
    public static func signature(secret: String, id: String, timestamp: Int, body: [UInt8]) throws(InvalidSecret)
        -> String
    {
        guard let key = key(fromSecret: secret) else { throw InvalidSecret() }
        return "v1," + expected(key: key, id: id, timestamp: String(timestamp), body: body)
    }

    /// The HMAC key of a `whsec_...` secret, or nil when the secret is not usable.
    ///
    /// Missing `=` padding is tolerated, as in the reference implementation.
    public static func key(fromSecret secret: String) -> SymmetricKey? {
        var encoded = Substring(secret)
        if encoded.hasPrefix("whsec_") { encoded = encoded.dropFirst("whsec_".count) }
        var padded = String(encoded)
        while padded.utf8.count % 4 != 0 { padded += "=" }
        guard let bytes = Data(base64Encoded: padded), !bytes.isEmpty else { return nil }
        return SymmetricKey(data: bytes)
    }

    // MARK: Shared by signing and verifying

    private static let separator: [UInt8] = [UInt8(ascii: ".")]

    /// The expected signature, base64 without the `v1,` prefix.
    static func expected(key: SymmetricKey, id: String, timestamp: String, body: [UInt8]) -> String {
        var mac = HMAC<SHA256>(key: key)
        mac.update(data: Array(id.utf8))
        mac.update(data: separator)
        mac.update(data: Array(timestamp.utf8))
        mac.update(data: separator)
        mac.update(data: body)
        return Data(mac.finalize()).base64EncodedString()
    }
}
