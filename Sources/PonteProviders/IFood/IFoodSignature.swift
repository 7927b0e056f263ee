import Crypto

/// iFood's `X-IFood-Signature` scheme: lowercase hex HMAC-SHA256 of the raw body, keyed with the client secret.
public enum IFoodSignature {
    /// The header that carries the signature.
    public static let headerName = "X-IFood-Signature"

    /// The lowercase hex signature of `body` under the application's client secret.
    public static func signature(secret: String, body: [UInt8]) -> String {
        String(decoding: expected(key: SymmetricKey(data: Array(secret.utf8)), body: body), as: UTF8.self)
    }

    /// The expected header value as lowercase hex ASCII bytes; shared by signing and verifying.
    static func expected(key: SymmetricKey, body: [UInt8]) -> [UInt8] {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: body, using: key))
    }
}
