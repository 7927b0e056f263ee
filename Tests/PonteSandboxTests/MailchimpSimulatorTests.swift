import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import PonteSandbox

/// A Mailchimp user connecting an app: authorize page, token exchange, metadata, ping.
private struct MailchimpOAuth {
    let driver: OAuthDriver

    static func run(_ test: @Sendable (MailchimpOAuth) async throws -> Void) async throws {
        try await OAuthDriver.run(label: "mailchimp-oauth-test") { driver in
            try await test(MailchimpOAuth(driver: driver))
        }
    }

    var clientID: String { driver.credentials.mailchimpClientID }
    var clientSecret: String { driver.credentials.mailchimpClientSecret }

    func authorize(clientID: String? = nil, state: String = "st-1") async throws -> OAuthAnswer {
        try await driver.get(
            "/mailchimp/oauth2/authorize",
            query: [
                ("response_type", "code"), ("client_id", clientID ?? self.clientID), ("redirect_uri", hubCallback),
                ("state", state),
            ])
    }

    func code() async throws -> String {
        try #require(try await authorize().redirectParameters["code"])
    }

    func exchange(_ code: String, secret: String? = nil, grantType: String = "authorization_code") async throws
        -> OAuthAnswer
    {
        try await driver.postForm(
            "/mailchimp/oauth2/token",
            [
                ("grant_type", grantType), ("client_id", clientID), ("client_secret", secret ?? clientSecret),
                ("redirect_uri", hubCallback), ("code", code),
            ])
    }

    func accessToken() async throws -> String {
        let answer = try await exchange(try await code())
        #expect(answer.status == .ok, "\(answer.text)")
        return try #require(answer.object["access_token"] as? String)
    }

    func ping(_ headers: HTTPFields) async throws -> OAuthAnswer {
        try await driver.call(.get, "/mailchimp/3.0/ping", headers: headers)
    }

    func metadata(_ token: String) async throws -> OAuthAnswer {
        try await driver.call(.get, "/mailchimp/oauth2/metadata", headers: OAuthDriver.authorization("OAuth \(token)"))
    }
}

@Suite struct MailchimpSimulatorTests {
    @Test func authorizationCodeFlowEndsInAChimpyPing() async throws {
        try await MailchimpOAuth.run { mailchimp in
            let authorize = try await mailchimp.authorize(state: "csrf-7")
            #expect(authorize.status == .found)
            #expect(authorize.location?.hasPrefix("https://hub.example/oauth/callback?provider=x&code=") == true)
            #expect(authorize.redirectParameters["state"] == "csrf-7")
            let code = try #require(authorize.redirectParameters["code"])

            let token = try await mailchimp.exchange(code)
            #expect(token.status == .ok, "\(token.text)")
            #expect(token.object["expires_in"] as? Int == 0)
            #expect(token.object["scope"] is NSNull)
            #expect(token.object["refresh_token"] == nil)
            let accessToken = try #require(token.object["access_token"] as? String)
            #expect(accessToken.count == 32)

            let metadata = try await mailchimp.metadata(accessToken)
            #expect(metadata.status == .ok, "\(metadata.text)")
            #expect(metadata.object["dc"] as? String == "us6")
            #expect(metadata.object["accountname"] as? String == MailchimpAccount.accountName)
            #expect((metadata.object["login"] as? [String: Any])?["login_email"] as? String == MailchimpAccount.email)
            let apiEndpoint = try #require(metadata.object["api_endpoint"] as? String)
            #expect(apiEndpoint == "http://localhost/mailchimp")

            let path = String(apiEndpoint.dropFirst("http://localhost".count)) + "/3.0/ping"
            let ping = try await mailchimp.driver.call(.get, path, headers: OAuthDriver.bearer(accessToken))
            #expect(ping.status == .ok)
            #expect(ping.object["health_status"] as? String == "Everything's Chimpy!")
            #expect(try await mailchimp.ping(OAuthDriver.authorization("OAuth \(accessToken)")).status == .ok)
        }
    }

    @Test func deniedAuthorizationRedirectsWithAccessDenied() async throws {
        try await MailchimpOAuth.run { mailchimp in
            try await mailchimp.driver.denyNextAuthorization(.mailchimp)
            let denied = try await mailchimp.authorize(state: "st-3")
            #expect(denied.status == .found)
            #expect(denied.redirectParameters["error"] == "access_denied")
            #expect(denied.redirectParameters["error_description"]?.isEmpty == false)
            #expect(denied.redirectParameters["state"] == "st-3")
            #expect(denied.redirectParameters["code"] == nil)
            #expect(try await mailchimp.authorize().redirectParameters["code"] != nil)
        }
    }

    @Test func unknownClientIsRefused() async throws {
        try await MailchimpOAuth.run { mailchimp in
            let page = try await mailchimp.authorize(clientID: "someone-else")
            #expect(page.status == .badRequest)
            #expect(page.location == nil)
            #expect(page.object["error"] as? String == "invalid_client")

            let code = try await mailchimp.code()
            let wrongSecret = try await mailchimp.exchange(code, secret: "wrong")
            #expect(wrongSecret.status == .unauthorized)
            #expect(wrongSecret.object["error"] as? String == "invalid_client")
            #expect(try await mailchimp.exchange(code).status == .ok)
        }
    }

    @Test func codeWorksOnceAndForTenMinutes() async throws {
        try await MailchimpOAuth.run { mailchimp in
            let code = try await mailchimp.code()
            #expect(try await mailchimp.exchange(code).status == .ok)
            let again = try await mailchimp.exchange(code)
            #expect(again.status == .badRequest)
            #expect(again.object["error"] as? String == "invalid_grant")

            let late = try await mailchimp.code()
            mailchimp.driver.advanceClock(seconds: 600)
            #expect(try await mailchimp.exchange(late).object["error"] as? String == "invalid_grant")
        }
    }

    @Test func thereIsNoRefreshGrantBecauseTokensDoNotExpire() async throws {
        try await MailchimpOAuth.run { mailchimp in
            let accessToken = try await mailchimp.accessToken()
            let refresh = try await mailchimp.exchange(accessToken, grantType: "refresh_token")
            #expect(refresh.status == .badRequest)
            #expect(refresh.object["error"] as? String == "unsupported_grant_type")

            mailchimp.driver.advanceClock(seconds: 400 * 86_400)
            #expect(try await mailchimp.ping(OAuthDriver.bearer(accessToken)).status == .ok)
        }
    }

    @Test func tokenWithAOneSecondLifetimeDiesOnTheSandboxClock() async throws {
        try await MailchimpOAuth.run { mailchimp in
            try await mailchimp.driver.setAccessTokenLifetime(.mailchimp, seconds: 1)
            let answer = try await mailchimp.exchange(try await mailchimp.code())
            #expect(answer.object["expires_in"] as? Int == 0)  // what Mailchimp always says
            let accessToken = try #require(answer.object["access_token"] as? String)
            #expect(try await mailchimp.ping(OAuthDriver.bearer(accessToken)).status == .ok)

            mailchimp.driver.advanceClock(seconds: 1)
            let ping = try await mailchimp.ping(OAuthDriver.bearer(accessToken))
            #expect(ping.status == .unauthorized)
            #expect(ping.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            #expect(ping.object["title"] as? String == "API Key Invalid")
            #expect(ping.object["status"] as? Int == 401)
            #expect(ping.object["type"] as? String == MailchimpProblem.typeURL)
            #expect(ping.object["instance"] is String)
            #expect(try await mailchimp.metadata(accessToken).status == .unauthorized)
        }
    }

    @Test func revokedTokenFails() async throws {
        try await MailchimpOAuth.run { mailchimp in
            let accessToken = try await mailchimp.accessToken()
            let revoke = try await mailchimp.driver.sendJSON(
                .post, "/_sandbox/mailchimp/oauth/tokens/revoke", #"{"token": "\#(accessToken)"}"#)
            #expect(revoke.status == .ok)
            #expect(
                try await mailchimp.ping(OAuthDriver.bearer(accessToken)).object["title"] as? String
                    == "API Key Invalid")
            let metadata = try await mailchimp.metadata(accessToken)
            #expect(metadata.status == .unauthorized)
            #expect(metadata.object["error"] as? String == "invalid_token")
        }
    }

    @Test func apiKeyWorksByBasicAuth() async throws {
        try await MailchimpOAuth.run { mailchimp in
            let key = mailchimp.driver.credentials.mailchimpAPIKey
            #expect(key.hasSuffix("-us6"))
            #expect(try await mailchimp.ping(OAuthDriver.basic("anystring", key)).status == .ok)
            let wrong = try await mailchimp.ping(OAuthDriver.basic("anystring", "ffffffffffffffffffffffffffffffff-us6"))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.object["title"] as? String == "API Key Invalid")
            let missing = try await mailchimp.ping([:])
            #expect(missing.status == .unauthorized)
            #expect(missing.object["title"] as? String == "API Key Missing")
        }
    }

    @Test func tokenRequestsAreCountedByGrantType() async throws {
        try await MailchimpOAuth.run { mailchimp in
            let code = try await mailchimp.code()
            #expect(try await mailchimp.exchange(code).status == .ok)
            #expect(try await mailchimp.exchange(code).status == .badRequest)
            #expect(try await mailchimp.exchange(code, grantType: "refresh_token").status == .badRequest)

            let report = try await mailchimp.driver.report(.mailchimp)
            #expect(OAuthDriver.count(report, "token_requests", "authorization_code") == 2)
            #expect(OAuthDriver.count(report, "token_refusals", "authorization_code") == 1)
            #expect(OAuthDriver.count(report, "token_requests", "refresh_token") == 1)
            #expect(report["active_grants"] as? Int == 1)
        }
    }

    @Test func injectedRateLimitAnswersAProblem() async throws {
        try await MailchimpOAuth.run { mailchimp in
            let set = try await mailchimp.driver.sendJSON(
                .put, "/_sandbox/faults/mailchimp", #"{"rate_limit_rate": 1, "retry_after_seconds": 7}"#)
            #expect(set.status == .ok)
            let limited = try await mailchimp.ping([:])
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] == "7")
            #expect(limited.object["title"] as? String == "Too Many Requests")
        }
    }
}
