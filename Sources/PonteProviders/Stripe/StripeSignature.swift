import Crypto
import Foundation

/// Stripe's `Stripe-Signature` scheme: lowercase hex HMAC-SHA256 over "\(t).\(body)".
///
/// The key is the endpoint secret's UTF-8 bytes as-is, `whsec_` prefix included
/// (Stripe does not base64-decode it, unlike Standard Webhooks).
public enum StripeSignature {
    /// The header that carries the timestamp and signatures.
    public static let headerName = "Stripe-Signature"

    /// The lowercase hex `v1` signature of `body` signed at `timestamp` (Unix seconds).
    public static func signature(secret: String, timestamp: Int, body: [UInt8]) -> String {
        let digits = Array(String(timestamp).utf8)
        return String(decoding: expectedV1(mac: mac(secret), timestamp: digits[...], body: body), as: UTF8.self)
    }

    /// A complete header value, `t=<timestamp>,v1=<hex>`, as Stripe's own test helper builds it.
    public static func header(secret: String, timestamp: Int, body: [UInt8]) -> String {
        "t=\(timestamp),v1=\(signature(secret: secret, timestamp: timestamp, body: body))"
    }

    // MARK: Shared by signing and verifying

    private static let separator: [UInt8] = [UInt8(ascii: ".")]

    /// An HMAC keyed with `secret`, before any data: a verifier keeps one and copies it per
    /// request, so the key's padding and hashing are done once.
    static func mac(_ secret: String) -> HMAC<SHA256> {
        HMAC<SHA256>(key: SymmetricKey(data: Array(secret.utf8)))
    }

    /// The expected `v1` value as lowercase hex ASCII bytes; the body is streamed, not copied.
    static func expectedV1(mac keyed: HMAC<SHA256>, timestamp: ArraySlice<UInt8>, body: [UInt8]) -> [UInt8] {
        var mac = keyed
        mac.update(data: timestamp)
        mac.update(data: separator)
        mac.update(data: body)
        return Hex.encode(mac.finalize())
    }
}
