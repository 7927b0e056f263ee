import Foundation
import HTTPTypes
import Hummingbird
import PonteCore
import PonteProviders

/// Intuit's OAuth 2.0 server and the QuickBooks Online call a connection test makes, under
/// `/quickbooks` (Intuit spreads them over `appcenter.intuit.com`, `oauth.platform.intuit.com`,
/// `developer.api.intuit.com`, `sandbox-accounts.platform.intuit.com` and
/// `sandbox-quickbooks.api.intuit.com`; the paths below the prefix are Intuit's):
///
/// - `GET  /quickbooks/.well-known/openid_sandbox_configuration` — the discovery document, every
///   URL pointing back at this sandbox as the caller reached it
/// - `GET  /quickbooks/connect/oauth2` — `client_id`, `response_type=code`, `scope`,
///   `redirect_uri`, `state`: `302` to `redirect_uri` with `code`, `state` and `realmId`, or
///   `error=access_denied`, `error_description` and `state`
/// - `POST /quickbooks/oauth2/v1/tokens/bearer` — HTTP Basic `client_id:client_secret`, form
///   fields `grant_type=authorization_code&code&redirect_uri` or
///   `grant_type=refresh_token&refresh_token`: `token_type`, `access_token`, `expires_in`
///   (3600), `refresh_token`, `x_refresh_token_expires_in`
/// - `POST /quickbooks/v2/oauth2/tokens/revoke` (also `/quickbooks/oauth2/v1/tokens/revoke`) —
///   HTTP Basic, JSON `{"token": "<access or refresh token>"}`: the connection ends
/// - `GET  /quickbooks/v3/company/{realmId}/companyinfo/{realmId}` — Bearer
/// - `GET  /quickbooks/v1/openid_connect/userinfo` — Bearer; `GET /quickbooks/op/v1/jwks`
///
/// A refresh always answers a new refresh token, and the one presented stops working at once:
/// Intuit's help article "Validity of Refresh Token" (quoted in
/// intuit/QuickBooks-V3-PHP-SDK#324) says that once a new refresh token is returned the previous
/// one is no longer valid and using it fails with `invalid_grant`. Intuit hands out a new value
/// about once a day and the same one in between; the simulator takes the strict case on every
/// refresh, so a client that does not store the latest token fails at its second refresh. The
/// `openid` scope is accepted but no `id_token` is issued.
///
/// Control routes: `/_sandbox/quickbooks/oauth/...` (see `OAuthControlRoutes`).
public struct QuickBooksSimulator: ProviderSimulator {
    public let provider = SandboxProvider.quickbooks
    let environment: SandboxEnvironment
    let grants: OAuthGrants

    static let accessTokenLifetime: TimeInterval = 3_600
    /// `x_refresh_token_expires_in` as Intuit's samples show it (intuit/oauth-jsclient README): 101 days.
    static let refreshTokenLifetime: TimeInterval = 8_726_400
    /// The scopes that open a company, and so put `realmId` on the redirect (intuit/oauth-pythonclient
    /// user guide: "realmId for Accounting and Payments scopes only").
    static let companyScopes: Set<String> = ["com.intuit.quickbooks.accounting", "com.intuit.quickbooks.payment"]

    public init(environment: SandboxEnvironment) {
        self.environment = environment
        grants = OAuthGrants(
            policy: .init(
                codeLifetime: 10 * 60, issuesRefreshTokens: true,
                refresh: .init(rotates: true, lifetime: Self.refreshTokenLifetime),
                newCode: { SandboxIDs.random("AB11", length: 46) },
                newAccessToken: { SandboxIDs.random("eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..", length: 400) },
                newRefreshToken: { SandboxIDs.random("AB11", length: 46) }),
            clock: environment.clock)
    }

    public func addRoutes(to group: RouterGroup<SandboxContext>) {
        group.get(".well-known/openid_sandbox_configuration", use: discovery)
        group.get("connect/oauth2", use: authorize)
        group.post("oauth2/v1/tokens/bearer", use: token)
        group.post("v2/oauth2/tokens/revoke", use: revoke)
        group.post("oauth2/v1/tokens/revoke", use: revoke)
        group.get("v3/company/:realmId/companyinfo/:id", use: companyInfo)
        group.get("v1/openid_connect/userinfo", use: userInfo)
        group.get("op/v1/jwks") { _, _ in Response.sandboxJSON(["keys": [String]()]) }
    }

    public func addControlRoutes(to group: RouterGroup<SandboxContext>) {
        OAuthControlRoutes(grants: grants).add(to: group)
    }

    public func faultResponse(_ fault: APIFault) -> Response {
        switch fault {
        case .rateLimited(let seconds): QuickBooksFault.throttled(retryAfterSeconds: seconds).response(at: now)
        default: QuickBooksFault.systemFailure.response(at: now)
        }
    }

    private var credentials: SandboxCredentials { environment.credentials }
    private var now: Date { environment.clock.now() }

    // MARK: Discovery and authorize

    @Sendable func discovery(_ request: Request, context: SandboxContext) async throws -> Response {
        .sandboxJSON(QuickBooksCompany.discovery(base: request.sandboxBaseURL + "/" + provider.rawValue))
    }

    @Sendable func authorize(_ request: Request, context: SandboxContext) async throws -> Response {
        let query = request.queryPairs
        let clientID = FormURLEncoded.first("client_id", in: query) ?? ""
        // Intuit shows an error page, not a redirect, for an unknown app or redirect URI; the
        // sandbox answers its OAuth error JSON there.
        guard ConstantTime.secretsEqual(clientID, credentials.quickbooksClientID) else {
            return QuickBooksOAuthError(status: .badRequest, error: "invalid_client").response
        }
        guard let redirectURI = FormURLEncoded.first("redirect_uri", in: query), OAuthRedirect.isUsable(redirectURI)
        else { return QuickBooksOAuthError.invalidRequest("redirect_uri must be an absolute http(s) URL").response }
        let state = FormURLEncoded.first("state", in: query)
        // Errors once the app and its redirect URI are known go back to it (RFC 6749 §4.1.2.1).
        guard FormURLEncoded.first("response_type", in: query) == "code" else {
            return OAuthRedirect.to(redirectURI, [("error", "unsupported_response_type")], state: state)
        }
        let scope = FormURLEncoded.first("scope", in: query) ?? ""
        let scopes = Set(scope.split(separator: " ").map(String.init))
        guard !scopes.isEmpty else { return OAuthRedirect.to(redirectURI, [("error", "invalid_scope")], state: state) }
        switch grants.authorize(
            clientID: clientID, subject: QuickBooksCompany.realmID, scope: scope, redirectURI: redirectURI)
        {
        case .approved(let code):
            var parameters = [("code", code)]
            if !scopes.isDisjoint(with: Self.companyScopes) {
                parameters.append(("realmId", QuickBooksCompany.realmID))
            }
            return OAuthRedirect.to(redirectURI, parameters, state: state)
        case .denied:
            // RFC 6749's names; Intuit's own error_description for a refusal is not documented.
            return OAuthRedirect.to(
                redirectURI,
                [("error", "access_denied"), ("error_description", "The user did not connect the app to the company")],
                state: state)
        }
    }

    // MARK: Tokens

    struct TokenAnswer: Encodable {
        var tokenType = "bearer"
        var accessToken: String
        var expiresIn: Int
        var refreshToken: String
        var refreshTokenExpiresIn: Int

        enum CodingKeys: String, CodingKey {
            case tokenType = "token_type"
            case accessToken = "access_token"
            case expiresIn = "expires_in"
            case refreshToken = "refresh_token"
            case refreshTokenExpiresIn = "x_refresh_token_expires_in"
        }
    }

    @Sendable func token(_ request: Request, context: SandboxContext) async throws -> Response {
        let form = FormURLEncoded.parse(try await SandboxJSON.body(of: request))
        let grantType = FormURLEncoded.first("grant_type", in: form) ?? ""
        do throws(QuickBooksOAuthError) {
            let answer = try exchange(form, grantType: grantType, client: request.basicCredentials)
            grants.recordTokenRequest(grantType: grantType, refused: false)
            return .sandboxJSON(answer, headers: QuickBooksResponse.headers)
        } catch {
            grants.recordTokenRequest(grantType: grantType, refused: true)
            return error.response
        }
    }

    private func exchange(
        _ form: [(name: String, value: String)], grantType: String, client: (user: String, password: String)?
    ) throws(QuickBooksOAuthError) -> TokenAnswer {
        let clientID = try authenticatedClient(client)
        let issued: OAuthGrants.Issued
        switch grantType {
        case "":
            throw .invalidRequest("grant_type is required")
        case "authorization_code":
            guard let code = FormURLEncoded.first("code", in: form), !code.isEmpty,
                let redirectURI = FormURLEncoded.first("redirect_uri", in: form), !redirectURI.isEmpty
            else { throw .invalidRequest("code and redirect_uri are required") }
            do throws(OAuthGrants.Refusal) {
                issued = try grants.redeem(
                    code: code, clientID: clientID, redirectURI: redirectURI,
                    accessTokenLifetime: Self.accessTokenLifetime)
            } catch {
                throw .invalidGrant
            }
        case "refresh_token":
            guard let refreshToken = FormURLEncoded.first("refresh_token", in: form), !refreshToken.isEmpty else {
                throw .invalidRequest("refresh_token is required")
            }
            do throws(OAuthGrants.Refusal) {
                issued = try grants.refresh(
                    refreshToken, clientID: clientID, accessTokenLifetime: Self.accessTokenLifetime)
            } catch {
                throw .invalidRefreshToken
            }
        default:
            throw .unsupportedGrantType
        }
        let issuedAt = now
        func seconds(until date: Date?) -> Int {
            date.map { max(0, Int($0.timeIntervalSince(issuedAt).rounded())) } ?? 0
        }
        return TokenAnswer(
            accessToken: issued.accessToken, expiresIn: seconds(until: issued.accessTokenExpiresAt),
            refreshToken: issued.refreshToken ?? "", refreshTokenExpiresIn: seconds(until: issued.refreshTokenExpiresAt)
        )
    }

    /// The app's id from HTTP Basic `client_id:client_secret`, the only client authentication
    /// Intuit's own clients use (intuitlib `get_auth_header`).
    private func authenticatedClient(_ client: (user: String, password: String)?) throws(QuickBooksOAuthError) -> String
    {
        guard let client, ConstantTime.secretsEqual(client.user, credentials.quickbooksClientID),
            ConstantTime.secretsEqual(client.password, credentials.quickbooksClientSecret)
        else { throw .invalidClient }
        return client.user
    }

    @Sendable func revoke(_ request: Request, context: SandboxContext) async throws -> Response {
        do throws(QuickBooksOAuthError) {
            _ = try authenticatedClient(request.basicCredentials)
        } catch {
            return error.response
        }
        let bytes = try await SandboxJSON.body(of: request)
        // intuitlib sends JSON `{"token": ...}`; RFC 7009's form field is read too.
        struct Body: Decodable { var token: String? }
        let token =
            (try? JSONDecoder().decode(Body.self, from: Data(bytes)))?.token
            ?? FormURLEncoded.first("token", in: FormURLEncoded.parse(bytes))
        guard let token, !token.isEmpty else {
            return QuickBooksOAuthError.invalidRequest("token is required").response
        }
        // An unknown token is not an error (RFC 7009 §2.2); either token ends the whole connection.
        if grants.grant(of: token)?.clientID == credentials.quickbooksClientID { grants.revokeGrant(of: token) }
        return Response(status: .ok, headers: QuickBooksResponse.headers)
    }

    // MARK: Accounting API

    @Sendable func companyInfo(_ request: Request, context: SandboxContext) async throws -> Response {
        let realmID = context.parameters.get("realmId") ?? ""
        do throws(QuickBooksFault) {
            let grant = try bearerGrant(request)
            guard grant.subject == realmID else { throw .authorizationFailed }
            guard context.parameters.get("id") == realmID else {
                throw .objectNotFound("CompanyInfo \(context.parameters.get("id") ?? "") of company \(realmID)")
            }
            return .sandboxJSON(QuickBooksCompany.companyInfo(at: now), headers: QuickBooksResponse.headers)
        } catch {
            return error.response(at: now)
        }
    }

    @Sendable func userInfo(_ request: Request, context: SandboxContext) async throws -> Response {
        guard let token = request.authorizationCredential(scheme: "Bearer"),
            case .valid = grants.check(accessToken: token)
        else { return QuickBooksOAuthError.invalidToken.response }
        return .sandboxJSON(QuickBooksCompany.userInfo, headers: QuickBooksResponse.headers)
    }

    /// The grant of the request's bearer token, or the 401 fault saying what is wrong with it.
    private func bearerGrant(_ request: Request) throws(QuickBooksFault) -> OAuthGrants.Grant {
        guard let token = request.authorizationCredential(scheme: "Bearer") else {
            throw .authenticationFailed("Authorization header missing or not a bearer token")
        }
        switch grants.check(accessToken: token) {
        case .valid(let grant): return grant
        case .expired: throw .authenticationFailed("Token expired")
        case .revoked: throw .authenticationFailed("Token revoked")
        case .unknown: throw .authenticationFailed("Token invalid")
        }
    }
}
