import Crypto
import Foundation
import Synchronization

/// Issues and checks the bearer tokens of the admin API: compact JWTs signed with HS256.
///
/// Only `HS256` is accepted (so `alg: none` and algorithm-confusion tokens fail), `exp` is
/// required, and the signature is compared in constant time. A token whose signature checked
/// is remembered (its claims, not the secret), so a client sending the same token on every
/// request pays for the HMAC and the JSON once; expiry is checked every time.
public struct AdminTokens: Sendable {
    /// The claims Ponte puts in a token.
    public struct Claims: Codable, Sendable, Equatable {
        public var sub: String
        public var role: String
        /// The venue a venue user (`venue_admin`, `user`) belongs to.
        public var venueID: String?
        public var iat: Int
        public var exp: Int

        enum CodingKeys: String, CodingKey {
            case sub, role, iat, exp
            case venueID = "venue_id"
        }
    }

    /// Why a token was refused.
    public enum Rejection: Error, Equatable, CustomStringConvertible {
        case malformed
        case unsupportedAlgorithm(String)
        case badSignature
        case expired
        public var description: String {
            switch self {
            case .malformed: return "the token is not a well-formed JWT"
            case .unsupportedAlgorithm(let alg): return "the token's algorithm '\(alg)' is not accepted; only HS256 is"
            case .badSignature: return "the token's signature does not match"
            case .expired: return "the token has expired"
            }
        }
    }

    private let key: SymmetricKey
    private let verified = VerifiedTokens()

    public init(secret: [UInt8]) {
        self.key = SymmetricKey(data: secret)
    }

    /// A signed token for `role` (and, for a venue user, `venueID`), valid from `now` for
    /// `lifetime` seconds.
    public func issue(role: String, subject: String = "ponte-cli", venueID: String? = nil, now: Date, lifetime: TimeInterval) -> String {
        let issued = Int(now.timeIntervalSince1970)
        let claims = Claims(sub: subject, role: role, venueID: venueID, iat: issued, exp: issued + Int(lifetime))
        let header = Base64URL.encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let payload = Base64URL.encode(Array((try? encoder.encode(claims)) ?? Data()))
        let signingInput = header + "." + payload
        let signature = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: key)
        return signingInput + "." + Base64URL.encode(Array(signature))
    }

    /// The token's claims if it is authentic and unexpired at `now`.
    public func verify(_ token: String, now: Date) throws(Rejection) -> Claims {
        let claims = try verified.claims(of: token) { () throws(Rejection) in try authenticClaims(token) }
        guard Double(claims.exp) > now.timeIntervalSince1970 else { throw .expired }
        return claims
    }

    /// The claims of a token whose header and signature check.
    private func authenticClaims(_ token: String) throws(Rejection) -> Claims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
            let headerBytes = Base64URL.decode(parts[0]),
            let header = try? JSONDecoder().decode(Header.self, from: Data(headerBytes))
        else { throw .malformed }
        guard header.alg == "HS256" else { throw .unsupportedAlgorithm(header.alg) }
        guard let signature = Base64URL.decode(parts[2]) else { throw .malformed }
        let signingInput = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signingInput, using: key) else {
            throw .badSignature
        }
        guard let payloadBytes = Base64URL.decode(parts[1]),
            let claims = try? JSONDecoder().decode(Claims.self, from: Data(payloadBytes))
        else { throw .malformed }
        return claims
    }

    private struct Header: Decodable {
        let alg: String
    }
}

/// Claims of tokens whose signature checked, by token. Bounded: when full it starts afresh.
private final class VerifiedTokens: Sendable {
    private static let capacity = 1024
    private let claims = Mutex<[String: AdminTokens.Claims]>([:])

    func claims(
        of token: String, verifying: () throws(AdminTokens.Rejection) -> AdminTokens.Claims
    ) throws(AdminTokens.Rejection) -> AdminTokens.Claims {
        if let known = claims.withLock({ $0[token] }) { return known }
        let checked = try verifying()
        claims.withLock { claims in
            if claims.count >= Self.capacity { claims.removeAll(keepingCapacity: true) }
            claims[token] = checked
        }
        return checked
    }
}

/// Base64 with the URL-safe alphabet and no padding (RFC 7515 §2).
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> [UInt8]? { decode(text[...]) }

    static func decode(_ text: Substring) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map(Array.init)
    }
}
