import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import PonteSandbox

/// A QuickBooks Online user connecting an app: discovery, authorize, bearer tokens, companyinfo.
private struct QuickBooksOAuth {
    let driver: OAuthDriver

    static func run(_ test: @Sendable (QuickBooksOAuth) async throws -> Void) async throws {
        try await OAuthDriver.run(label: "quickbooks-oauth-test") { driver in
            try await test(QuickBooksOAuth(driver: driver))
        }
    }

    var clientID: String { driver.credentials.quickbooksClientID }
    var clientSecret: String { driver.credentials.quickbooksClientSecret }
    var client: HTTPFields { OAuthDriver.basic(clientID, clientSecret) }
    var realm: String { QuickBooksCompany.realmID }

    func authorize(
        clientID: String? = nil, scope: String = "com.intuit.quickbooks.accounting", state: String = "st-1"
    ) async throws -> OAuthAnswer {
        try await driver.get(
            "/quickbooks/connect/oauth2",
            query: [
                ("client_id", clientID ?? self.clientID), ("response_type", "code"), ("scope", scope),
                ("redirect_uri", hubCallback), ("state", state),
            ])
    }

    func code() async throws -> String {
        try #require(try await authorize().redirectParameters["code"])
    }

    func exchange(_ code: String, redirectURI: String = hubCallback, client: HTTPFields? = nil) async throws
        -> OAuthAnswer
    {
        try await driver.postForm(
            "/quickbooks/oauth2/v1/tokens/bearer",
            [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI)],
            headers: client ?? self.client)
    }

    func tokens() async throws -> [String: Any] {
        let answer = try await exchange(try await code())
        #expect(answer.status == .ok, "\(answer.text)")
        return answer.object
    }

    func refresh(_ refreshToken: String) async throws -> OAuthAnswer {
        try await driver.postForm(
            "/quickbooks/oauth2/v1/tokens/bearer", [("grant_type", "refresh_token"), ("refresh_token", refreshToken)],
            headers: client)
    }

    func companyInfo(_ token: String, realm: String? = nil) async throws -> OAuthAnswer {
        let realm = realm ?? self.realm
        return try await driver.call(
            .get, "/quickbooks/v3/company/\(realm)/companyinfo/\(realm)?minorversion=75",
            headers: OAuthDriver.bearer(token))
    }

    func revoke(_ token: String, path: String = "/quickbooks/v2/oauth2/tokens/revoke", client: HTTPFields? = nil)
        async throws -> OAuthAnswer
    {
        var headers = client ?? self.client
        headers[.accept] = "application/json"
        return try await driver.sendJSON(.post, path, #"{"token": "\#(token)"}"#, headers: headers)
    }
}

/// The first error of a lower-case Accounting API fault, and the fault's type.
private func fault(_ answer: OAuthAnswer) -> (error: [String: Any], type: String?) {
    let fault = answer.object["fault"] as? [String: Any]
    return ((fault?["error"] as? [[String: Any]])?.first ?? [:], fault?["type"] as? String)
}

@Suite struct QuickBooksSimulatorTests {
    @Test func discoveryDocumentPointsBackAtTheSandbox() async throws {
        try await QuickBooksOAuth.run { quickbooks in
            let answer = try await quickbooks.driver.call(.get, "/quickbooks/.well-known/openid_sandbox_configuration")
            #expect(answer.status == .ok)
            let document = answer.object
            let base = "http://localhost/quickbooks"
            #expect(document["authorization_endpoint"] as? String == base + "/connect/oauth2")
            #expect(document["token_endpoint"] as? String == base + "/oauth2/v1/tokens/bearer")
            #expect(document["revocation_endpoint"] as? String == base + "/v2/oauth2/tokens/revoke")
            #expect(document["userinfo_endpoint"] as? String == base + "/v1/openid_connect/userinfo")
            #expect(document["issuer"] as? String == base + "/op/v1")
            #expect(document["jwks_uri"] as? String == base + "/op/v1/jwks")

            var proxied = HTTPFields()
            proxied[HTTPField.Name("X-Forwarded-Proto")!] = "https"
            let behindProxy = try await quickbooks.driver.call(
                .get, "/quickbooks/.well-known/openid_sandbox_configuration", headers: proxied)
            #expect(
                behindProxy.object["token_endpoint"] as? String
                    == "https://localhost/quickbooks/oauth2/v1/tokens/bearer")
            // Every endpoint the document names is served.
            #expect(try await quickbooks.driver.call(.get, "/quickbooks/op/v1/jwks").status == .ok)
            #expect(
                try await quickbooks.driver.call(.get, "/quickbooks/v1/openid_connect/userinfo").status == .unauthorized
            )
        }
    }

    @Test func authorizationCodeFlowEndsInCompanyInfo() async throws {
        try await QuickBooksOAuth.run { quickbooks in
            let authorize = try await quickbooks.authorize(state: "csrf-5")
            #expect(authorize.status == .found)
            #expect(authorize.location?.hasPrefix("https://hub.example/oauth/callback?provider=x&") == true)
            let parameters = authorize.redirectParameters
            #expect(parameters["state"] == "csrf-5")
            #expect(parameters["realmId"] == quickbooks.realm)
            let code = try #require(parameters["code"])

            let token = try await quickbooks.exchange(code)
            #expect(token.status == .ok, "\(token.text)")
            #expect(token.object["token_type"] as? String == "bearer")
            #expect(token.object["expires_in"] as? Int == 3600)
            #expect(token.object["x_refresh_token_expires_in"] as? Int == 8_726_400)
            #expect(token.headers[HTTPField.Name("intuit_tid")!] != nil)
            let accessToken = try #require(token.object["access_token"] as? String)
            #expect(token.object["refresh_token"] is String)

            let info = try await quickbooks.companyInfo(accessToken)
            #expect(info.status == .ok, "\(info.text)")
            let company = try #require(info.object["CompanyInfo"] as? [String: Any])
            #expect(company["CompanyName"] as? String == QuickBooksCompany.name)
            #expect(company["domain"] as? String == "QBO")
            #expect((info.object["time"] as? String)?.hasSuffix("-07:00") == true)

            let otherCompany = try await quickbooks.companyInfo(accessToken, realm: "123145")
            #expect(otherCompany.status == .forbidden)
            #expect(fault(otherCompany).error["code"] as? String == "3100")

            let userInfo = try await quickbooks.driver.call(
                .get, "/quickbooks/v1/openid_connect/userinfo", headers: OAuthDriver.bearer(accessToken))
            #expect(userInfo.object["email"] is String)
        }
    }

    @Test func scopesWithoutACompanyCarryNoRealm() async throws {
        try await QuickBooksOAuth.run { quickbooks in
            let answer = try await quickbooks.authorize(scope: "openid email")
            #expect(answer.redirectParameters["code"] != nil)
            #expect(answer.redirectParameters["realmId"] == nil)
        }
    }

    @Test func deniedAuthorizationRedirectsWithAccessDenied() async throws {
        try await QuickBooksOAuth.run { quickbooks in
            try await quickbooks.driver.denyNextAuthorization(.quickbooks)
            let denied = try await quickbooks.authorize(state: "st-2")
            #expect(denied.status == .found)
            #expect(denied.redirectParameters["error"] == "access_denied")
            #expect(denied.redirectParameters["error_description"]?.isEmpty == false)
            #expect(denied.redirectParameters["state"] == "st-2")
            #expect(denied.redirectParameters["code"] == nil)
            #expect(denied.redirectParameters["realmId"] == nil)
        }
    }

    @Test func unknownClientIsRefused() async throws {
        try await QuickBooksOAuth.run { quickbooks in
            let page = try await quickbooks.authorize(clientID: "someone-else")
            #expect(page.status == .badRequest)
            #expect(page.location == nil)
            #expect(page.object["error"] as? String == "invalid_client")

            let code = try await quickbooks.code()
            let wrong = try await quickbooks.exchange(code, client: OAuthDriver.basic(quickbooks.clientID, "wrong"))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.object["error"] as? String == "invalid_client")
            // The client secret in the body is not how Intuit's clients authenticate.
            let inBody = try await quickbooks.driver.postForm(
                "/quickbooks/oauth2/v1/tokens/bearer",
                [
                    ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", hubCallback),
                    ("client_id", quickbooks.clientID), ("client_secret", quickbooks.clientSecret),
                ])
            #expect(inBody.status == .unauthorized)
            #expect(try await quickbooks.exchange(code).status == .ok)
        }
    }

    @Test func codeWorksOnceWithItsRedirectURI() async throws {
        try await QuickBooksOAuth.run { quickbooks in
            let code = try await quickbooks.code()
            let mismatch = try await quickbooks.exchange(code, redirectURI: "https://elsewhere.example/cb")
            #expect(mismatch.status == .badRequest)
            #expect(mismatch.object["error"] as? String == "invalid_grant")
            #expect(try await quickbooks.exchange(code).status == .ok)
            let again = try await quickbooks.exchange(code)
            #expect(again.status == .badRequest)
            #expect(again.object["error"] as? String == "invalid_grant")

            let late = try await quickbooks.code()
            quickbooks.driver.advanceClock(seconds: 600)
            #expect(try await quickbooks.exchange(late).object["error"] as? String == "invalid_grant")
        }
    }

    @Test func refreshRotatesTheRefreshToken() async throws {
        try await QuickBooksOAuth.run { quickbooks in
            let tokens = try await quickbooks.tokens()
            let first = try #require(tokens["refresh_token"] as? String)
            quickbooks.driver.advanceClock(seconds: 3600)

            let refreshed = try await quickbooks.refresh(first)
            #expect(refreshed.status == .ok, "\(refreshed.text)")
            let second = try #require(refreshed.object["refresh_token"] as? String)
            #expect(second != first)
            #expect(refreshed.object["expires_in"] as? Int == 3600)
            #expect(refreshed.object["x_refresh_token_expires_in"] as? Int == 8_726_400)
            let accessToken = try #require(refreshed.object["access_token"] as? String)
            #expect(try await quickbooks.companyInfo(accessToken).status == .ok)

            let stale = try await quickbooks.refresh(first)
            #expect(stale.status == .badRequest)
            #expect(stale.object["error"] as? String == "invalid_grant")
            #expect(stale.object["error_description"] as? String == "Incorrect or invalid refresh token")
            #expect(try await quickbooks.refresh(second).status == .ok)
        }
    }

    @Test func accessTokenWithAOneSecondLifetimeExpiresOnTheSandboxClock() async throws {
        try await QuickBooksOAuth.run { quickbooks in
            try await quickbooks.driver.setAccessTokenLifetime(.quickbooks, seconds: 1)
            let tokens = try await quickbooks.tokens()
            #expect(tokens["expires_in"] as? Int == 1)
            let accessToken = try #require(tokens["access_token"] as? String)
            #expect(try await quickbooks.companyInfo(accessToken).status == .ok)

            quickbooks.driver.advanceClock(seconds: 1)
            let expired = try await quickbooks.companyInfo(accessToken)
            #expect(expired.status == .unauthorized)
            let (error, type) = fault(expired)
            #expect(type == "AUTHENTICATION")
            #expect(error["code"] as? String == "3200")
            #expect(error["message"] as? String == "message=AuthenticationFailed; errorCode=003200; statusCode=401")
            #expect(error["detail"] as? String == "Token expired")
            #expect(expired.object["time"] is Int)

            try await quickbooks.driver.setAccessTokenLifetime(.quickbooks, seconds: nil)
            let refreshed = try await quickbooks.refresh(try #require(tokens["refresh_token"] as? String))
            #expect(refreshed.object["expires_in"] as? Int == 3600)
        }
    }

    @Test func revokingEitherTokenEndsTheConnection() async throws {
        try await QuickBooksOAuth.run { quickbooks in
            for path in ["/quickbooks/v2/oauth2/tokens/revoke", "/quickbooks/oauth2/v1/tokens/revoke"] {
                let tokens = try await quickbooks.tokens()
                let accessToken = try #require(tokens["access_token"] as? String)
                let refreshToken = try #require(tokens["refresh_token"] as? String)

                let wrongClient = try await quickbooks.revoke(
                    refreshToken, path: path, client: OAuthDriver.basic("someone", "else"))
                #expect(wrongClient.status == .unauthorized)
                #expect(try await quickbooks.companyInfo(accessToken).status == .ok)

                let revoked = try await quickbooks.revoke(refreshToken, path: path)
                #expect(revoked.status == .ok)
                let failed = try await quickbooks.companyInfo(accessToken)
                #expect(failed.status == .unauthorized)
                #expect(fault(failed).error["detail"] as? String == "Token revoked")
                #expect(try await quickbooks.refresh(refreshToken).object["error"] as? String == "invalid_grant")
            }
            // An unknown token is not an error (RFC 7009).
            #expect(try await quickbooks.revoke("AB11unknown").status == .ok)
        }
    }

    @Test func exactlyOneRefreshIsCounted() async throws {
        try await QuickBooksOAuth.run { quickbooks in
            let tokens = try await quickbooks.tokens()
            var report = try await quickbooks.driver.report(.quickbooks)
            #expect(OAuthDriver.count(report, "token_requests", "refresh_token") == 0)

            #expect(try await quickbooks.refresh(try #require(tokens["refresh_token"] as? String)).status == .ok)
            report = try await quickbooks.driver.report(.quickbooks)
            #expect(OAuthDriver.count(report, "token_requests", "authorization_code") == 1)
            #expect(OAuthDriver.count(report, "token_requests", "refresh_token") == 1)
            #expect(OAuthDriver.count(report, "token_refusals", "refresh_token") == 0)
        }
    }

    @Test func injectedServerErrorAnswersASystemFault() async throws {
        try await QuickBooksOAuth.run { quickbooks in
            let set = try await quickbooks.driver.sendJSON(.put, "/_sandbox/faults/quickbooks", #"{"error_rate": 1}"#)
            #expect(set.status == .ok)
            let failed = try await quickbooks.companyInfo("anything")
            #expect(failed.status == .internalServerError)
            let fault = failed.object["Fault"] as? [String: Any]
            #expect(fault?["type"] as? String == "SystemFault")
        }
    }
}
