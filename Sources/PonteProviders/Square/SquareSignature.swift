import Crypto
import Foundation

/// Square's `x-square-hmacsha256-signature` scheme: base64 HMAC-SHA256 over notification URL + body.
public enum SquareSignature {
    /// The header that carries the signature.
    public static let headerName = "x-square-hmacsha256-signature"

    /// The base64 signature of `body` delivered to `url` (the subscription's notification URL, exactly as configured).
    public static func signature(key: String, url: String, body: [UInt8]) -> String {
        expected(key: SymmetricKey(data: Array(key.utf8)), url: url, body: body)
    }

    /// The expected header value; shared by signing and verifying.
    static func expected(key: SymmetricKey, url: String, body: [UInt8]) -> String {
        var mac = HMAC<SHA256>(key: key)
        mac.update(data: Array(url.utf8))
        mac.update(data: body)
        return Data(mac.finalize()).base64EncodedString()
    }
}
