import Crypto
import Foundation

/// QuickBooks' `intuit-signature` scheme: base64 HMAC-SHA256 of the raw body, keyed with the verifier token.
public enum QuickBooksSignature {
    /// The header that carries the signature.
    public static let headerName = "intuit-signature"

    /// The base64 signature of `body` under the app's verifier token.
    public static func signature(token: String, body: [UInt8]) -> String {
        expected(key: SymmetricKey(data: Array(token.utf8)), body: body)
    }

    /// The expected header value; shared by signing and verifying.
    static func expected(key: SymmetricKey, body: [UInt8]) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: body, using: key)).base64EncodedString()
    }
}
