import Foundation
import HTTPTypes
import Hummingbird
import PonteProviders

/// Mailchimp's OAuth server (`login.mailchimp.com`) and the Marketing API's health check
/// (`<dc>.api.mailchimp.com/3.0`), both under `/mailchimp`:
///
/// - `GET  /mailchimp/oauth2/authorize` — `response_type=code`, `client_id`, `redirect_uri`,
///   `state`: `302` to `redirect_uri` with `code` and `state`, or `error=access_denied`,
///   `error_description` and `state`
/// - `POST /mailchimp/oauth2/token` — form fields `grant_type=authorization_code`, `client_id`,
///   `client_secret`, `redirect_uri`, `code`: `{"access_token", "expires_in": 0, "scope": null}`
/// - `GET  /mailchimp/oauth2/metadata` — `Authorization: OAuth <token>`: `dc`, `role`,
///   `accountname`, `user_id`, `login`, `login_url`, `api_endpoint` (`<sandbox>/mailchimp`)
/// - `GET  /mailchimp/3.0/ping` — `{"health_status": "Everything's Chimpy!"}` with
///   `Authorization: Bearer <token>` (the official SDKs), `OAuth <token>` (mailchimp3), or HTTP
///   Basic with any user and the API key (`MAILCHIMP_API_KEY`) as the password
///
/// Mailchimp's tokens never expire and there is no refresh grant (PROVIDERS.md 14.2); a
/// lifetime set through the control API makes tokens stop working silently, the way a token
/// dies when the user removes the app, while the token answer still says `expires_in: 0`.
/// Only the client secret in the body authenticates the app at the token endpoint, as every
/// implementation seen sends it; whether Mailchimp also takes HTTP Basic is not known.
///
/// Control routes: `/_sandbox/mailchimp/oauth/...` (see `OAuthControlRoutes`).
public struct MailchimpSimulator: ProviderSimulator {
    public let provider = SandboxProvider.mailchimp
    let environment: SandboxEnvironment
    let grants: OAuthGrants

    public init(environment: SandboxEnvironment) {
        self.environment = environment
        grants = OAuthGrants(
            policy: .init(
                codeLifetime: 10 * 60, issuesRefreshTokens: false, refresh: .init(rotates: false, lifetime: nil),
                newCode: { SandboxIDs.hex("", length: 32) },
                newAccessToken: { SandboxIDs.hex("", length: 32) },
                newRefreshToken: { SandboxIDs.hex("", length: 32) }),
            clock: environment.clock)
    }

    public func addRoutes(to group: RouterGroup<SandboxContext>) {
        group.get("oauth2/authorize", use: authorize)
        group.post("oauth2/token", use: token)
        group.get("oauth2/metadata", use: metadata)
        group.get("3.0/ping", use: ping)
    }

    public func addControlRoutes(to group: RouterGroup<SandboxContext>) {
        OAuthControlRoutes(grants: grants).add(to: group)
    }

    public func faultResponse(_ fault: APIFault) -> Response {
        switch fault {
        case .rateLimited(let seconds): MailchimpProblem.tooManyRequests(retryAfterSeconds: seconds).response
        default: MailchimpProblem.internalError.response
        }
    }

    private var credentials: SandboxCredentials { environment.credentials }

    // MARK: Authorize

    @Sendable func authorize(_ request: Request, context: SandboxContext) async throws -> Response {
        let query = request.queryPairs
        let clientID = FormURLEncoded.first("client_id", in: query) ?? ""
        guard ConstantTime.secretsEqual(clientID, credentials.mailchimpClientID) else {
            throw MailchimpOAuthError(status: .badRequest, error: "invalid_client", description: "Invalid client_id")
        }
        guard let redirectURI = FormURLEncoded.first("redirect_uri", in: query), OAuthRedirect.isUsable(redirectURI)
        else { throw MailchimpOAuthError.invalidRequest("redirect_uri must be an absolute http(s) URL") }
        let state = FormURLEncoded.first("state", in: query)
        // Errors after the client and redirect URI are known go back to the app (RFC 6749 §4.1.2.1).
        guard FormURLEncoded.first("response_type", in: query) == "code" else {
            return OAuthRedirect.to(redirectURI, [("error", "unsupported_response_type")], state: state)
        }
        switch grants.authorize(
            clientID: clientID, subject: String(MailchimpAccount.userID), scope: "", redirectURI: redirectURI)
        {
        case .approved(let code):
            return OAuthRedirect.to(redirectURI, [("code", code)], state: state)
        case .denied:
            // RFC 6749's names; Mailchimp's own wording for a refusal is not documented.
            return OAuthRedirect.to(
                redirectURI, [("error", "access_denied"), ("error_description", "The user denied access to the app")],
                state: state)
        }
    }

    // MARK: Token

    /// `{"access_token", "expires_in": 0, "scope": null}` (requests-oauthlib's Mailchimp
    /// compliance fix exists for exactly the zero and the null).
    struct TokenAnswer: Encodable {
        var accessToken: String

        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token"
            case expiresIn = "expires_in"
            case scope
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(accessToken, forKey: .accessToken)
            try container.encode(0, forKey: .expiresIn)
            try container.encodeNil(forKey: .scope)
        }
    }

    @Sendable func token(_ request: Request, context: SandboxContext) async throws -> Response {
        let form = FormURLEncoded.parse(try await SandboxJSON.body(of: request))
        let grantType = FormURLEncoded.first("grant_type", in: form) ?? ""
        do throws(MailchimpOAuthError) {
            let answer = try exchange(form, grantType: grantType)
            grants.recordTokenRequest(grantType: grantType, refused: false)
            return .sandboxJSON(answer)
        } catch {
            grants.recordTokenRequest(grantType: grantType, refused: true)
            return error.response
        }
    }

    private func exchange(_ form: [(name: String, value: String)], grantType: String) throws(MailchimpOAuthError)
        -> TokenAnswer
    {
        guard !grantType.isEmpty else { throw .invalidRequest("grant_type is required") }
        let clientID = FormURLEncoded.first("client_id", in: form) ?? ""
        guard ConstantTime.secretsEqual(clientID, credentials.mailchimpClientID),
            ConstantTime.secretsEqual(
                FormURLEncoded.first("client_secret", in: form) ?? "", credentials.mailchimpClientSecret)
        else { throw .invalidClient }
        guard grantType == "authorization_code" else { throw .unsupportedGrantType }
        guard let code = FormURLEncoded.first("code", in: form), !code.isEmpty else {
            throw .invalidRequest("code is required")
        }
        guard let redirectURI = FormURLEncoded.first("redirect_uri", in: form), !redirectURI.isEmpty else {
            throw .invalidRequest("redirect_uri is required")
        }
        do throws(OAuthGrants.Refusal) {
            let issued = try grants.redeem(
                code: code, clientID: clientID, redirectURI: redirectURI, accessTokenLifetime: nil)
            return TokenAnswer(accessToken: issued.accessToken)
        } catch {
            throw .invalidGrant
        }
    }

    // MARK: Metadata and ping

    @Sendable func metadata(_ request: Request, context: SandboxContext) async throws -> Response {
        // mailchimp3 and social-core send `OAuth <token>`; Bearer is taken too (unconfirmed there).
        let token =
            request.authorizationCredential(scheme: "OAuth") ?? request.authorizationCredential(scheme: "Bearer")
        guard let token, case .valid = grants.check(accessToken: token) else { throw MailchimpOAuthError.invalidToken }
        let base = request.sandboxBaseURL + "/" + provider.rawValue
        return .sandboxJSON(MailchimpAccount.Metadata(loginURL: base, apiEndpoint: base))
    }

    @Sendable func ping(_ request: Request, context: SandboxContext) async throws -> Response {
        try authenticateMarketingAPI(request)
        return .sandboxJSON(["health_status": "Everything's Chimpy!"])
    }

    /// An OAuth token (`Bearer` or `OAuth`) that works, or the API key by HTTP Basic.
    private func authenticateMarketingAPI(_ request: Request) throws(MailchimpProblem) {
        if let token = request.authorizationCredential(scheme: "Bearer")
            ?? request.authorizationCredential(scheme: "OAuth")
        {
            guard case .valid = grants.check(accessToken: token) else { throw .apiKeyInvalid }
            return
        }
        if let basic = request.basicCredentials {
            guard ConstantTime.secretsEqual(basic.password, credentials.mailchimpAPIKey) else { throw .apiKeyInvalid }
            return
        }
        throw request.headers[.authorization] == nil ? MailchimpProblem.apiKeyMissing : MailchimpProblem.apiKeyInvalid
    }
}
