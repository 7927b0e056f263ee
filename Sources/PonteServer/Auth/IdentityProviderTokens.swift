import Crypto
import Foundation
import _CryptoExtras

/// Bearer tokens issued by the platform's identity provider: JWTs signed with RS256 or ES256,
/// checked with public keys from a PEM file (`PONTE_JWT_PUBLIC_KEY_FILE`) or a JWKS document
/// (`PONTE_JWKS_FILE`). The key pins the algorithm — an RSA key accepts RS256 only, a P-256 key
/// ES256 only — so `alg: none`, HS256 signed with a public key, and any other algorithm fail.
/// `exp` is required; `nbf`, and `iss` / `aud` when configured, are checked.
public struct IdentityProviderTokens: Sendable {
    enum PublicKey: Sendable {
        case rsa(_RSA.Signing.PublicKey)
        case p256(P256.Signing.PublicKey)

        var algorithm: String {
            switch self {
            case .rsa: return "RS256"
            case .p256: return "ES256"
            }
        }
    }

    struct Key: Sendable {
        let id: String?
        let key: PublicKey
    }

    let keys: [Key]
    let issuer: String?
    let audience: String?

    /// The claims the hub reads from an identity provider's token.
    public struct Claims: Decodable, Sendable {
        public var sub: String
        public var role: String
        public var venueID: String?
        var exp: Double
        var nbf: Double?
        var iss: String?
        var aud: Audience?

        enum CodingKeys: String, CodingKey {
            case sub, role, exp, nbf, iss, aud
            case venueID = "venue_id"
        }
    }

    /// `aud` is a string or an array of strings (RFC 7519 §4.1.3).
    enum Audience: Decodable {
        case one(String)
        case many([String])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let one = try? container.decode(String.self) {
                self = .one(one)
            } else {
                self = .many(try container.decode([String].self))
            }
        }

        func contains(_ value: String) -> Bool {
            switch self {
            case .one(let one): return one == value
            case .many(let many): return many.contains(value)
            }
        }
    }

    public struct Rejection: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    init(keys: [Key], issuer: String?, audience: String?) {
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
    }

    /// The keys of a PEM file (an RSA or P-256 public key) or of a JWKS document.
    public static func load(publicKeyFile: String?, jwksFile: String?, issuer: String?, audience: String?) throws -> IdentityProviderTokens? {
        var keys: [Key] = []
        if let publicKeyFile {
            guard let data = FileManager.default.contents(atPath: publicKeyFile) else {
                throw ConfigurationError(message: "PONTE_JWT_PUBLIC_KEY_FILE '\(publicKeyFile)' cannot be read")
            }
            keys.append(Key(id: nil, key: try pemKey(String(decoding: data, as: UTF8.self), file: publicKeyFile)))
        }
        if let jwksFile {
            guard let data = FileManager.default.contents(atPath: jwksFile) else {
                throw ConfigurationError(message: "PONTE_JWKS_FILE '\(jwksFile)' cannot be read")
            }
            keys += try jwks(data, file: jwksFile)
        }
        if keys.isEmpty { return nil }
        return IdentityProviderTokens(keys: keys, issuer: issuer, audience: audience)
    }

    static func pemKey(_ pem: String, file: String) throws -> PublicKey {
        if let rsa = try? _RSA.Signing.PublicKey(pemRepresentation: pem) { return .rsa(rsa) }
        if let ec = try? P256.Signing.PublicKey(pemRepresentation: pem) { return .p256(ec) }
        throw ConfigurationError(message: "PONTE_JWT_PUBLIC_KEY_FILE '\(file)' holds no RSA or P-256 public key in PEM (BEGIN PUBLIC KEY)")
    }

    static func jwks(_ data: Data, file: String) throws -> [Key] {
        guard let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let entries = document["keys"] as? [[String: Any]] else {
            throw ConfigurationError(message: "PONTE_JWKS_FILE '\(file)' is not a JWKS document ({\"keys\": [...]})")
        }
        var keys: [Key] = []
        for (index, entry) in entries.enumerated() {
            if let use = entry["use"] as? String, use != "sig" { continue }
            let id = entry["kid"] as? String
            switch entry["kty"] as? String {
            case "RSA":
                guard let n = (entry["n"] as? String).flatMap(Base64URL.decode), let e = (entry["e"] as? String).flatMap(Base64URL.decode),
                    let key = try? _RSA.Signing.PublicKey(n: n, e: e)
                else { throw ConfigurationError(message: "PONTE_JWKS_FILE '\(file)': key \(index + 1) is an RSA key without a usable n and e") }
                keys.append(Key(id: id, key: .rsa(key)))
            case "EC":
                guard entry["crv"] as? String == "P-256", let x = (entry["x"] as? String).flatMap(Base64URL.decode),
                    let y = (entry["y"] as? String).flatMap(Base64URL.decode), x.count == 32, y.count == 32,
                    let key = try? P256.Signing.PublicKey(rawRepresentation: x + y)
                else { throw ConfigurationError(message: "PONTE_JWKS_FILE '\(file)': key \(index + 1) is not a P-256 key with x and y") }
                keys.append(Key(id: id, key: .p256(key)))
            default:
                continue  // other key types cannot sign the tokens the hub accepts
            }
        }
        guard !keys.isEmpty else { throw ConfigurationError(message: "PONTE_JWKS_FILE '\(file)' has no RSA or P-256 signing key") }
        return keys
    }

    /// The token's claims if one of the keys signed it with its own algorithm and the claims hold at `now`.
    public func verify(_ token: String, now: Date) throws -> Claims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]),
            let header = try? JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any],
            let algorithm = header["alg"] as? String, let signature = Base64URL.decode(parts[2])
        else { throw Rejection("the token is not a well-formed JWT") }
        let kid = header["kid"] as? String
        let candidates = keys.filter { $0.key.algorithm == algorithm && (kid == nil || $0.id == nil || $0.id == kid) }
        guard !candidates.isEmpty else {
            throw Rejection("no key of the identity provider verifies algorithm '\(algorithm)'" + (kid.map { " with kid '\($0)'" } ?? ""))
        }
        let signed = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        let digest = SHA256.hash(data: signed)
        let valid = candidates.contains { candidate in
            switch candidate.key {
            case .rsa(let key):
                return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: digest, padding: .insecurePKCS1v1_5)
            case .p256(let key):
                guard let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
                return key.isValidSignature(ecdsa, for: digest)
            }
        }
        guard valid else { throw Rejection("the token's signature does not match the identity provider's keys") }
        guard let payload = Base64URL.decode(parts[1]), let claims = try? JSONDecoder().decode(Claims.self, from: Data(payload)) else {
            throw Rejection("the token's claims need sub, role and exp")
        }
        let seconds = now.timeIntervalSince1970
        guard claims.exp > seconds else { throw Rejection("the token has expired") }
        if let nbf = claims.nbf, nbf > seconds { throw Rejection("the token is not valid yet (nbf)") }
        if let issuer, claims.iss != issuer { throw Rejection("the token's issuer is not \(issuer)") }
        if let audience, claims.aud?.contains(audience) != true { throw Rejection("the token is not for audience \(audience)") }
        return claims
    }
}
