import Foundation
import PonteServer
import Testing

/// `AdminTokens` (HS256 JWTs) and `TokenSecret` (where the key comes from).
@Suite struct AdminTokensTests {
    let tokens = AdminTokens(secret: Array("admin-tokens-test-secret-0123456789".utf8))

    @Test func issuedTokenVerifiesWithItsClaims() throws {
        let token = tokens.issue(role: "admin", subject: "ops@example.com", now: Fixture.now, lifetime: 3600)

        let claims = try tokens.verify(token, now: Fixture.now.addingTimeInterval(10))

        #expect(claims.sub == "ops@example.com")
        #expect(claims.role == "admin")
        #expect(claims.iat == Fixture.nowSeconds)
        #expect(claims.exp == Fixture.nowSeconds + 3600)
        #expect(token.split(separator: ".").count == 3)
        #expect(!token.contains("="))
    }

    @Test func expiredTokenIsRejected() {
        let token = tokens.issue(role: "admin", now: Fixture.now, lifetime: 60)
        #expect(throws: AdminTokens.Rejection.expired) {
            try tokens.verify(token, now: Fixture.now.addingTimeInterval(60))
        }
        #expect(throws: AdminTokens.Rejection.expired) {
            try tokens.verify(token, now: Fixture.now.addingTimeInterval(86_400))
        }
    }

    @Test func tamperedPayloadIsRejected() {
        let token = tokens.issue(role: "viewer", now: Fixture.now, lifetime: 3600)
        #expect(throws: AdminTokens.Rejection.badSignature) {
            try tokens.verify(Tokens.tamperedRole(token, to: "admin"), now: Fixture.now)
        }
    }

    @Test func tokenSignedWithAnotherKeyIsRejected() {
        let other = AdminTokens(secret: Array("a-different-secret-a-different-secret".utf8))
        let token = other.issue(role: "admin", now: Fixture.now, lifetime: 3600)
        #expect(throws: AdminTokens.Rejection.badSignature) {
            try tokens.verify(token, now: Fixture.now)
        }
    }

    @Test func unsignedTokenWithAlgNoneIsRejected() {
        #expect(throws: AdminTokens.Rejection.unsupportedAlgorithm("none")) {
            try tokens.verify(Tokens.unsigned(role: "admin"), now: Fixture.now)
        }
    }

    @Test func tokenWithAnotherAlgorithmIsRejected() {
        #expect(throws: AdminTokens.Rejection.unsupportedAlgorithm("HS512")) {
            try tokens.verify(Tokens.withHeader(#"{"alg":"HS512","typ":"JWT"}"#, role: "admin"), now: Fixture.now)
        }
        #expect(throws: AdminTokens.Rejection.unsupportedAlgorithm("RS256")) {
            try tokens.verify(Tokens.withHeader(#"{"alg":"RS256","typ":"JWT"}"#, role: "admin"), now: Fixture.now)
        }
    }

    @Test(arguments: ["", "abc", "a.b", "a.b.c.d", "!!!.???.***", "e30.e30.e30"])
    func malformedTokenIsRejected(token: String) {
        #expect(throws: AdminTokens.Rejection.self) {
            try tokens.verify(token, now: Fixture.now)
        }
    }

    @Test func signatureOfOneTokenDoesNotVerifyAnother() {
        let admin = tokens.issue(role: "admin", now: Fixture.now, lifetime: 3600)
        let viewer = tokens.issue(role: "viewer", now: Fixture.now, lifetime: 3600)
        let adminParts = admin.split(separator: ".")
        let viewerParts = viewer.split(separator: ".")
        let spliced = "\(adminParts[0]).\(adminParts[1]).\(viewerParts[2])"
        #expect(throws: AdminTokens.Rejection.badSignature) {
            try tokens.verify(spliced, now: Fixture.now)
        }
    }

    // MARK: TokenSecret

    @Test func configuredSecretIsUsedAsIs() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }

        let (secret, fromFile) = try TokenSecret.resolve(configured: "configured-secret", dataDirectory: directory.path)

        #expect(secret == Array("configured-secret".utf8))
        #expect(fromFile == false)
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/" + TokenSecret.fileName))
    }

    @Test func withoutConfiguredSecretAPrivateKeyFileIsCreatedOnceAndReused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let dataDirectory = directory.path + "/data"  // created on demand
        let path = dataDirectory + "/" + TokenSecret.fileName

        let first = try TokenSecret.resolve(configured: nil, dataDirectory: dataDirectory)
        #expect(first.fromFile)
        #expect(first.secret.count >= 32)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        let second = try TokenSecret.resolve(configured: nil, dataDirectory: dataDirectory)
        #expect(second.fromFile)
        #expect(second.secret == first.secret)

        // Tokens signed with the first key verify with the second.
        let token = AdminTokens(secret: first.secret).issue(role: "admin", now: Fixture.now, lifetime: 60)
        #expect(throws: Never.self) { try AdminTokens(secret: second.secret).verify(token, now: Fixture.now) }
    }

    @Test func twoDirectoriesGetDifferentKeys() throws {
        let a = try TemporaryDirectory()
        let b = try TemporaryDirectory()
        defer { a.remove(); b.remove() }
        let first = try TokenSecret.resolve(configured: nil, dataDirectory: a.path)
        let second = try TokenSecret.resolve(configured: nil, dataDirectory: b.path)
        #expect(first.secret != second.secret)
    }
}
