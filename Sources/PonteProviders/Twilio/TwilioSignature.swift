import Crypto
import Foundation

/// Twilio's `X-Twilio-Signature` scheme: base64 HMAC-SHA1, keyed with the Auth Token, over the
/// URL followed by every POST parameter as name+value, sorted by name then value.
public enum TwilioSignature {
    /// The header that carries the signature.
    public static let headerName = "X-Twilio-Signature"
    /// The header that names the signing algorithm in shared-key mode.
    public static let settingsHeaderName = "X-Twilio-Webhooks-Signature-Settings"
    /// The query parameter that carries the body's hex SHA-256 on JSON webhooks.
    public static let bodyHashParameter = "bodySHA256"

    /// The base64 signature of a request to `url` with the POST parameters `params` (empty for GET and JSON bodies).
    public static func signature(authToken: String, url: String, params: [(name: String, value: String)]) -> String {
        expected(key: SymmetricKey(data: Array(authToken.utf8)), url: url, params: params)
    }

    /// The base64 signature of a request to `url` with the single-valued POST parameters `params`.
    public static func signature(authToken: String, url: String, params: [String: String]) -> String {
        signature(authToken: authToken, url: url, params: params.map { (name: $0.key, value: $0.value) })
    }

    /// The lowercase hex SHA-256 of a JSON body, the value of the `bodySHA256` query parameter.
    public static func bodySHA256(_ body: [UInt8]) -> String {
        Hex.string(SHA256.hash(data: body))
    }

    // MARK: Shared by signing and verifying

    /// The expected header value.
    ///
    /// Names and values are sorted by code point (UTF-8 byte order is code
    /// point order) and identical name/value pairs count once, which is what
    /// Twilio's SDK does with `sorted(set(names))` and `sorted(set(values))`.
    static func expected(key: SymmetricKey, url: String, params: [(name: String, value: String)]) -> String {
        let pairs =
            params
            .map { (name: Array($0.name.utf8), value: Array($0.value.utf8)) }
            .sorted { lhs, rhs in
                lhs.name == rhs.name
                    ? lhs.value.lexicographicallyPrecedes(rhs.value)
                    : lhs.name.lexicographicallyPrecedes(rhs.name)
            }
        var message = Array(url.utf8)
        var previous: (name: [UInt8], value: [UInt8])?
        for pair in pairs {
            if let previous, previous.name == pair.name, previous.value == pair.value { continue }
            message += pair.name
            message += pair.value
            previous = pair
        }
        return Data(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: key)).base64EncodedString()
    }

    /// `url` with its port toggled: an explicit port removed, or the scheme's default port added.
    ///
    /// Twilio's signing side is inconsistent about default ports, so its SDK
    /// accepts a signature over either form; nil when the URL has no authority.
    static func alternatePortURL(_ url: String) -> String? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        let authorityStart = schemeEnd.upperBound
        let authorityEnd =
            url[authorityStart...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? url.endIndex
        let authority = url[authorityStart..<authorityEnd]
        let hostStart = authority.lastIndex(of: "@").map { authority.index(after: $0) } ?? authority.startIndex
        let hostAndPort = authority[hostStart...]
        // A colon inside [...] belongs to an IPv6 address, not to a port.
        if let colon = hostAndPort.lastIndex(of: ":"), !hostAndPort[colon...].contains("]") {
            let port = hostAndPort[hostAndPort.index(after: colon)...]
            guard !port.isEmpty, port.allSatisfy(\.isASCIIDigit) else { return nil }
            return String(url[..<colon]) + String(url[authorityEnd...])
        }
        let defaultPort = scheme == "https" ? "443" : "80"
        return String(url[..<authorityEnd]) + ":" + defaultPort + String(url[authorityEnd...])
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
