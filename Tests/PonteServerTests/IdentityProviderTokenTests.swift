import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import _CryptoExtras

@testable import PonteServer

/// Tokens issued by the platform's identity provider (RS256 from a PEM public key, ES256 from a
/// JWKS), through the HTTP API: accepted with their claims; refused when expired, not yet valid,
/// for another issuer or audience, signed by another key, or with an algorithm the key does not
/// pin.
@Suite struct IdentityProviderTokenTests {
    static let rsa = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    static let ec = P256.Signing.PrivateKey()

    static func base64URL(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A JWT with `claims`, signed the way `alg` says (by the test's keys).
    static func token(alg: String, kid: String? = nil, claims: [String: Any], rsaKey: _RSA.Signing.PrivateKey = rsa, ecKey: P256.Signing.PrivateKey = ec) throws -> String {
        var header: [String: Any] = ["alg": alg, "typ": "JWT"]
        if let kid { header["kid"] = kid }
        let input = base64URL(try JSONSerialization.data(withJSONObject: header, options: .sortedKeys)) + "."
            + base64URL(try JSONSerialization.data(withJSONObject: claims, options: .sortedKeys))
        let signature: [UInt8]
        switch alg {
        case "RS256": signature = Array(try rsaKey.signature(for: Array(input.utf8), padding: .insecurePKCS1v1_5).rawRepresentation)
        case "ES256": signature = Array(try ecKey.signature(for: Array(input.utf8)).rawRepresentation)
        default: signature = Array(HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: Array(rsa.publicKey.pemRepresentation.utf8))))
        }
        return input + "." + base64URL(signature)
    }

    static func claims(role: String = "admin", exp: TimeInterval = 3600, nbf: TimeInterval? = nil, iss: String = "https://id.example", aud: Any = "ponte") -> [String: Any] {
        var claims: [String: Any] = ["sub": "ana@example", "role": role, "exp": Fixture.now.timeIntervalSince1970 + exp, "iss": iss, "aud": aud]
        if let nbf { claims["nbf"] = Fixture.now.timeIntervalSince1970 + nbf }
        return claims
    }

    /// A hub trusting the test's RSA key (PEM file) and EC key (JWKS with kid "ec-1").
    func withIdentityProvider(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pem = directory.path + "/idp.pem"
        try Data(Self.rsa.publicKey.pemRepresentation.utf8).write(to: URL(fileURLWithPath: pem))
        let raw = Array(Self.ec.publicKey.rawRepresentation)
        let jwks = #"{"keys": [{"kty": "EC", "crv": "P-256", "kid": "ec-1", "use": "sig", "x": "\#(Self.base64URL(raw[0..<32]))", "y": "\#(Self.base64URL(raw[32...]))"}]}"#
        let jwksPath = directory.path + "/jwks.json"
        try Data(jwks.utf8).write(to: URL(fileURLWithPath: jwksPath))
        try await withHub(configure: { configuration in
            configuration.jwtPublicKeyFile = pem
            configuration.jwksFile = jwksPath
            configuration.jwtIssuer = "https://id.example"
            configuration.jwtAudience = "ponte"
        }, test)
    }

    @Test func theIdentityProvidersTokensAreAcceptedWithTheirClaims() async throws {
        try await withIdentityProvider { client in
            #expect(try await client.admin("/api/v1/webhooks", token: try Self.token(alg: "RS256", claims: Self.claims())).status == .ok)
            #expect(try await client.admin("/api/v1/webhooks", token: try Self.token(alg: "ES256", kid: "ec-1", claims: Self.claims(aud: ["other", "ponte"]))).status == .ok)
            // Its role is the token's: a venue user is not an admin.
            expectError(try await client.admin("/api/v1/webhooks", token: try Self.token(alg: "RS256", claims: Self.claims(role: "user"))), .forbidden, "FORBIDDEN")
            // The hub's own tokens still work beside them.
            #expect(try await client.admin("/api/v1/webhooks").status == .ok)
        }
    }

    @Test(arguments: ["expired", "not yet valid", "another issuer", "another audience", "an unknown kid", "HS256 keyed with the public key"])
    func tokensThatDoNotHoldAreRefused(_ why: String) async throws {
        let (alg, claims, kid): (String, [String: Any], String?) =
            switch why {
            case "expired": ("RS256", Self.claims(exp: -10), nil)
            case "not yet valid": ("RS256", Self.claims(nbf: 600), nil)
            case "another issuer": ("RS256", Self.claims(iss: "https://evil.example"), nil)
            case "another audience": ("ES256", Self.claims(aud: "someone-else"), "ec-1")
            case "an unknown kid": ("ES256", Self.claims(), "ec-2")
            default: ("HS256", Self.claims(), nil)
            }
        let token = try Self.token(alg: alg, kid: kid, claims: claims)
        try await withIdentityProvider { client in
            expectError(try await client.admin("/api/v1/webhooks", token: token), .unauthorized, "UNAUTHORIZED")
        }
    }

    @Test func anotherKeyOrTheWrongAlgorithmForTheKeyIsRefused() async throws {
        let stranger = P256.Signing.PrivateKey()
        try await withIdentityProvider { client in
            expectError(
                try await client.admin("/api/v1/webhooks", token: try Self.token(alg: "ES256", kid: "ec-1", claims: Self.claims(), ecKey: stranger)),
                .unauthorized, "UNAUTHORIZED")
            // An ES256 signature presented as RS256 (the RSA key pins RS256, but the bytes are EC's).
            let es = try Self.token(alg: "ES256", claims: Self.claims())
            let parts = es.split(separator: ".")
            let relabelled = Self.base64URL(Array(#"{"alg":"RS256","typ":"JWT"}"#.utf8)) + "." + parts[1] + "." + parts[2]
            expectError(try await client.admin("/api/v1/webhooks", token: relabelled), .unauthorized, "UNAUTHORIZED")
        }
    }

    @Test func unreadableKeysAreAConfigurationErrorThatSaysWhich() throws {
        #expect(throws: ConfigurationError.self) {
            try IdentityProviderTokens.load(publicKeyFile: "/nonexistent/idp.pem", jwksFile: nil, issuer: nil, audience: nil)
        }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let bad = directory.path + "/jwks.json"
        try Data(#"{"keys": [{"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}]}"#.utf8).write(to: URL(fileURLWithPath: bad))
        #expect(throws: ConfigurationError.self) { try IdentityProviderTokens.load(publicKeyFile: nil, jwksFile: bad, issuer: nil, audience: nil) }
    }
}
