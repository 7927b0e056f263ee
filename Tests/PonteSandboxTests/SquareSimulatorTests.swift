import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import PonteSandbox

/// The Square seller's side of OAuth: authorize page, ObtainToken, RevokeToken, ListLocations.
private struct SquareOAuth {
    let driver: OAuthDriver

    static func run(_ test: @Sendable (SquareOAuth) async throws -> Void) async throws {
        try await OAuthDriver.run(label: "square-oauth-test") { driver in try await test(SquareOAuth(driver: driver)) }
    }

    var appID: String { driver.credentials.squareAppID }
    var appSecret: String { driver.credentials.squareAppSecret }

    func authorize(clientID: String? = nil, state: String = "st-1") async throws -> OAuthAnswer {
        try await driver.get(
            "/square/oauth2/authorize",
            query: [
                ("client_id", clientID ?? appID), ("scope", "MERCHANT_PROFILE_READ PAYMENTS_READ"),
                ("session", "false"),
                ("state", state), ("redirect_uri", hubCallback),
            ])
    }

    func code() async throws -> String {
        let answer = try await authorize()
        #expect(answer.status == .found)
        return try #require(answer.redirectParameters["code"])
    }

    func obtainToken(_ fields: [String: Any]) async throws -> OAuthAnswer {
        var body: [String: Any] = ["client_id": appID, "client_secret": appSecret]
        body.merge(fields) { _, new in new }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        return try await driver.sendJSON(.post, "/square/oauth2/token", json)
    }

    func exchange(_ code: String) async throws -> OAuthAnswer {
        try await obtainToken(["grant_type": "authorization_code", "code": code, "redirect_uri": hubCallback])
    }

    /// A fresh authorization's ObtainToken answer.
    func tokens() async throws -> [String: Any] {
        let answer = try await exchange(try await code())
        #expect(answer.status == .ok, "\(answer.text)")
        return answer.object
    }

    func refresh(_ refreshToken: String) async throws -> OAuthAnswer {
        try await obtainToken(["grant_type": "refresh_token", "refresh_token": refreshToken])
    }

    func locations(_ token: String) async throws -> OAuthAnswer {
        try await driver.call(.get, "/square/v2/locations", headers: OAuthDriver.bearer(token))
    }

    func revoke(_ json: String, secret: String? = nil) async throws -> OAuthAnswer {
        try await driver.sendJSON(
            .post, "/square/oauth2/revoke", json, headers: OAuthDriver.authorization("Client \(secret ?? appSecret)"))
    }
}

@Suite struct SquareSimulatorTests {
    @Test func authorizationCodeFlowEndsInAListOfLocations() async throws {
        try await SquareOAuth.run { square in
            let authorize = try await square.authorize(state: "csrf-42")
            #expect(authorize.status == .found)
            let location = try #require(authorize.location)
            #expect(location.hasPrefix("https://hub.example/oauth/callback?provider=x&"))
            let parameters = authorize.redirectParameters
            #expect(parameters["state"] == "csrf-42")
            #expect(parameters["response_type"] == "code")
            let code = try #require(parameters["code"])
            #expect(code.hasPrefix("sandbox-sq0cgb-"))

            let token = try await square.exchange(code)
            #expect(token.status == .ok, "\(token.text)")
            #expect(token.object["token_type"] as? String == "bearer")
            #expect(token.object["expires_at"] as? String == "2026-04-09T15:00:00Z")  // 30 days after the test start
            #expect(token.object["merchant_id"] as? String == SquareSeller.merchantID)
            #expect(token.object["short_lived"] as? Bool == false)
            #expect((token.object["refresh_token"] as? String)?.hasPrefix("EQAA") == true)
            let accessToken = try #require(token.object["access_token"] as? String)
            #expect(accessToken.hasPrefix("EAAA"))

            let locations = try await square.locations(accessToken)
            #expect(locations.status == .ok, "\(locations.text)")
            let first = try #require((locations.object["locations"] as? [[String: Any]])?.first)
            #expect(first["merchant_id"] as? String == SquareSeller.merchantID)
            #expect(first["status"] as? String == "ACTIVE")

            let anonymous = try await square.driver.call(.get, "/square/v2/locations")
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.squareError["category"] as? String == "AUTHENTICATION_ERROR")
            #expect(anonymous.squareError["code"] as? String == "UNAUTHORIZED")
            #expect(try await square.locations("EAAAnot-a-token").squareError["code"] as? String == "UNAUTHORIZED")
        }
    }

    @Test func pkceCodeNeedsItsVerifierAndItsRefreshTokenWorksOnce() async throws {
        // RFC 7636 Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        #expect(OAuthGrants.s256(verifier) == challenge)
        try await SquareOAuth.run { square in
            let authorize = try await square.driver.get(
                "/square/oauth2/authorize",
                query: [
                    ("client_id", square.appID), ("scope", "MERCHANT_PROFILE_READ"), ("session", "false"),
                    ("state", "st-p"), ("redirect_uri", hubCallback), ("code_challenge", challenge),
                    ("code_challenge_method", "S256"),
                ])
            let code = try #require(authorize.redirectParameters["code"])
            let noSecret: [String: Any] = ["client_secret": NSNull()]

            func exchange(_ fields: [String: Any]) async throws -> OAuthAnswer {
                var body: [String: Any] = ["client_id": square.appID, "grant_type": "authorization_code", "code": code]
                body.merge(fields) { _, new in new }
                body = body.filter { !($0.value is NSNull) }
                let json = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
                return try await square.driver.sendJSON(.post, "/square/oauth2/token", json)
            }
            let missing = try await exchange(noSecret)
            #expect(missing.status == .badRequest)
            #expect(missing.squareError["field"] as? String == "code_verifier")
            let wrong = try await exchange(["code_verifier": "not-the-verifier-not-the-verifier-not-the-v"])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.squareError["field"] as? String == "code_verifier")

            let token = try await exchange(["code_verifier": verifier])
            #expect(token.status == .ok, "\(token.text)")
            #expect(token.object["refresh_token_expires_at"] as? String == "2026-06-08T15:00:00Z")  // 90 days
            let first = try #require(token.object["refresh_token"] as? String)

            let refreshed = try await square.driver.sendJSON(
                .post, "/square/oauth2/token",
                #"{"client_id": "\#(square.appID)", "grant_type": "refresh_token", "refresh_token": "\#(first)"}"#)
            #expect(refreshed.status == .ok, "\(refreshed.text)")
            let second = try #require(refreshed.object["refresh_token"] as? String)
            #expect(second != first)
            #expect(try await square.refresh(first).status == .unauthorized)
            #expect(try await square.refresh(second).status == .ok)
        }
    }

    @Test func codeFlowCodeNeedsTheClientSecret() async throws {
        try await SquareOAuth.run { square in
            let code = try await square.code()
            let json = #"{"client_id": "\#(square.appID)", "grant_type": "authorization_code", "code": "\#(code)"}"#
            let answer = try await square.driver.sendJSON(.post, "/square/oauth2/token", json)
            #expect(answer.status == .unauthorized)
            #expect(answer.object["type"] as? String == "service.not_authorized")
        }
    }

    @Test func shortLivedTokensExpireInADay() async throws {
        try await SquareOAuth.run { square in
            let answer = try await square.obtainToken([
                "grant_type": "authorization_code", "code": try await square.code(), "short_lived": true,
            ])
            #expect(answer.object["short_lived"] as? Bool == true)
            #expect(answer.object["expires_at"] as? String == "2026-03-11T15:00:00Z")
        }
    }

    @Test func deniedAuthorizationRedirectsWithAccessDeniedOnce() async throws {
        try await SquareOAuth.run { square in
            try await square.driver.denyNextAuthorization(.square)
            let denied = try await square.authorize(state: "st-9")
            #expect(denied.status == .found)
            #expect(denied.redirectParameters["error"] == "access_denied")
            #expect(denied.redirectParameters["error_description"] == "user_denied")
            #expect(denied.redirectParameters["state"] == "st-9")
            #expect(denied.redirectParameters["code"] == nil)

            #expect(try await square.authorize().redirectParameters["code"] != nil)
            let report = try await square.driver.report(.square)
            #expect(report["authorizations_denied"] as? Int == 1)
            #expect(report["authorizations_approved"] as? Int == 1)
            #expect(report["deny_next_authorization"] as? Bool == false)
        }
    }

    @Test func unknownApplicationIsRefused() async throws {
        try await SquareOAuth.run { square in
            let page = try await square.authorize(clientID: "sandbox-sq0idb-someone-else")
            #expect(page.status == .badRequest)
            #expect(page.location == nil)
            #expect(page.squareError["field"] as? String == "client_id")

            let code = try await square.code()
            let wrongSecret = try await square.obtainToken([
                "grant_type": "authorization_code", "code": code, "client_secret": "sandbox-sq0csb-wrong",
            ])
            #expect(wrongSecret.status == .unauthorized)
            #expect(wrongSecret.object["type"] as? String == "service.not_authorized")
            #expect(wrongSecret.object["message"] as? String == "Not Authorized")
            // The refused request did not spend the code.
            #expect(try await square.exchange(code).status == .ok)
        }
    }

    @Test func codeWorksOnceAndForFiveMinutes() async throws {
        try await SquareOAuth.run { square in
            let code = try await square.code()
            #expect(try await square.exchange(code).status == .ok)
            let again = try await square.exchange(code)
            #expect(again.status == .unauthorized)
            #expect(again.squareError["code"] as? String == "UNAUTHORIZED")
            #expect((again.squareError["detail"] as? String)?.hasPrefix("Authorization code not found") == true)

            let late = try await square.code()
            square.driver.advanceClock(seconds: 300)
            let expired = try await square.exchange(late)
            #expect(expired.status == .unauthorized)
            #expect(expired.squareError["detail"] as? String == "Authorization code is expired")
        }
    }

    @Test func refreshKeepsTheRefreshTokenAndIssuesANewAccessToken() async throws {
        try await SquareOAuth.run { square in
            let first = try await square.tokens()
            let refreshToken = try #require(first["refresh_token"] as? String)
            square.driver.advanceClock(seconds: 86_400)

            let refreshed = try await square.refresh(refreshToken)
            #expect(refreshed.status == .ok, "\(refreshed.text)")
            #expect(refreshed.object["refresh_token"] as? String == refreshToken)
            #expect(refreshed.object["expires_at"] as? String == "2026-04-10T15:00:00Z")
            let accessToken = try #require(refreshed.object["access_token"] as? String)
            #expect(accessToken != first["access_token"] as? String)
            #expect(try await square.locations(accessToken).status == .ok)
            // The code flow's refresh token is multi-use.
            #expect(try await square.refresh(refreshToken).status == .ok)

            let unknown = try await square.refresh("EQAAnot-a-refresh-token")
            #expect(unknown.status == .unauthorized)
            #expect(unknown.object["type"] as? String == "service.not_authorized")
        }
    }

    @Test func accessTokenWithAOneSecondLifetimeExpiresOnTheSandboxClock() async throws {
        try await SquareOAuth.run { square in
            try await square.driver.setAccessTokenLifetime(.square, seconds: 1)
            let tokens = try await square.tokens()
            #expect(tokens["expires_at"] as? String == "2026-03-10T15:00:01Z")
            let accessToken = try #require(tokens["access_token"] as? String)
            #expect(try await square.locations(accessToken).status == .ok)

            square.driver.advanceClock(seconds: 1)
            let expired = try await square.locations(accessToken)
            #expect(expired.status == .unauthorized)
            #expect(expired.squareError["category"] as? String == "AUTHENTICATION_ERROR")
            #expect(expired.squareError["code"] as? String == "ACCESS_TOKEN_EXPIRED")

            try await square.driver.setAccessTokenLifetime(.square, seconds: nil)
            let refreshed = try await square.refresh(try #require(tokens["refresh_token"] as? String))
            #expect(refreshed.object["expires_at"] as? String == "2026-04-09T15:00:01Z")
        }
    }

    @Test func revokeEndsEveryTokenOfTheAuthorization() async throws {
        try await SquareOAuth.run { square in
            let tokens = try await square.tokens()
            let accessToken = try #require(tokens["access_token"] as? String)
            let refreshToken = try #require(tokens["refresh_token"] as? String)
            let body = #"{"client_id": "\#(square.appID)", "access_token": "\#(accessToken)"}"#

            let wrongSecret = try await square.revoke(body, secret: "sandbox-sq0csb-wrong")
            #expect(wrongSecret.status == .unauthorized)
            #expect(wrongSecret.object["type"] as? String == "service.not_authorized")
            #expect(try await square.locations(accessToken).status == .ok)

            let revoked = try await square.revoke(body)
            #expect(revoked.status == .ok, "\(revoked.text)")
            #expect(revoked.object["success"] as? Bool == true)
            #expect(try await square.locations(accessToken).squareError["code"] as? String == "ACCESS_TOKEN_REVOKED")
            #expect(try await square.refresh(refreshToken).status == .unauthorized)

            let unknown = try await square.revoke(#"{"client_id": "\#(square.appID)", "access_token": "EAAAnope"}"#)
            #expect(unknown.status == .notFound)
        }
    }

    @Test func revokingOnlyTheAccessTokenLeavesTheRefreshTokenWorking() async throws {
        try await SquareOAuth.run { square in
            let tokens = try await square.tokens()
            let accessToken = try #require(tokens["access_token"] as? String)
            let body =
                #"{"client_id": "\#(square.appID)", "access_token": "\#(accessToken)", "revoke_only_access_token": true}"#
            #expect(try await square.revoke(body).status == .ok)
            #expect(try await square.locations(accessToken).status == .unauthorized)
            let refreshed = try await square.refresh(try #require(tokens["refresh_token"] as? String))
            #expect(refreshed.status == .ok)
            #expect(try await square.locations(try #require(refreshed.object["access_token"] as? String)).status == .ok)
        }
    }

    @Test func controlAPIExpiresAndRevokesTokens() async throws {
        try await SquareOAuth.run { square in
            let tokens = try await square.tokens()
            let accessToken = try #require(tokens["access_token"] as? String)
            let expire = try await square.driver.sendJSON(
                .post, "/_sandbox/square/oauth/tokens/expire", #"{"token": "\#(accessToken)"}"#)
            #expect(expire.status == .ok)
            #expect(try await square.locations(accessToken).squareError["code"] as? String == "ACCESS_TOKEN_EXPIRED")

            let refreshed = try await square.refresh(try #require(tokens["refresh_token"] as? String))
            let next = try #require(refreshed.object["access_token"] as? String)
            let revoke = try await square.driver.sendJSON(
                .post, "/_sandbox/square/oauth/tokens/revoke", #"{"token": "\#(next)"}"#)
            #expect(revoke.status == .ok)
            #expect(try await square.locations(next).squareError["code"] as? String == "ACCESS_TOKEN_REVOKED")
            #expect((try await square.driver.report(.square))["active_grants"] as? Int == 0)

            let unknown = try await square.driver.sendJSON(
                .post, "/_sandbox/square/oauth/tokens/expire", #"{"token": "EAAAnope"}"#)
            #expect(unknown.status == .notFound)
        }
    }

    @Test func tokenRequestsAreCountedByGrantType() async throws {
        try await SquareOAuth.run { square in
            let tokens = try await square.tokens()
            #expect(try await square.refresh(try #require(tokens["refresh_token"] as? String)).status == .ok)
            #expect(try await square.refresh("EQAAstale").status == .unauthorized)

            let report = try await square.driver.report(.square)
            #expect(OAuthDriver.count(report, "token_requests", "authorization_code") == 1)
            #expect(OAuthDriver.count(report, "token_requests", "refresh_token") == 2)
            #expect(OAuthDriver.count(report, "token_refusals", "refresh_token") == 1)
            #expect(OAuthDriver.count(report, "token_refusals", "authorization_code") == 0)
        }
    }

    @Test func injectedFaultsAnswerInSquaresShape() async throws {
        try await SquareOAuth.run { square in
            let code = try await square.code()
            let set = try await square.driver.sendJSON(.put, "/_sandbox/faults/square", #"{"error_rate": 1}"#)
            #expect(set.status == .ok)
            let failed = try await square.exchange(code)
            #expect(failed.status == .internalServerError)
            #expect(failed.squareError["category"] as? String == "API_ERROR")
            // The fault came before the simulator: nothing was counted and the code is unspent.
            #expect(
                OAuthDriver.count(try await square.driver.report(.square), "token_requests", "authorization_code") == 0)
            #expect(try await square.driver.call(.delete, "/_sandbox/faults").status == .noContent)
            #expect(try await square.exchange(code).status == .ok)
        }
    }
}
