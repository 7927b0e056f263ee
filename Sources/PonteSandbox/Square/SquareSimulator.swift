import Foundation
import HTTPTypes
import Hummingbird
import PonteProviders

/// Square's OAuth API and the call a connection test makes, under `/square` (Square's hosts are
/// `connect.squareup.com` and `connect.squareupsandbox.com`):
///
/// - `GET  /square/oauth2/authorize` — `client_id`, `scope`, `session`, `state`, optional
///   `code_challenge` (PKCE, S256), and `redirect_uri` (Square sends the seller to the app's
///   configured Redirect URL; the sandbox has none, so the caller names it): `302` to it with
///   `code`, `response_type=code` and `state`, or
///   `error=access_denied&error_description=user_denied&state=…`
/// - `POST /square/oauth2/token` — ObtainToken, a JSON body: `client_id`, `client_secret` (may be
///   left out in the PKCE flow), `grant_type` (`authorization_code` with `code`, optional
///   `redirect_uri` and, for a PKCE code, `code_verifier`; or `refresh_token` with
///   `refresh_token`), `short_lived`, `scopes`
/// - `POST /square/oauth2/revoke` — RevokeToken, `Authorization: Client <secret>`, a JSON body:
///   `client_id` and `access_token` or `merchant_id`, `revoke_only_access_token`
/// - `GET  /square/v2/locations` — ListLocations with `Authorization: Bearer <token>`, which
///   Square's docs name as the way to check that a seller's token still works
///
/// The rules are Square's (square-python-sdk `o_auth/raw_client.py` and
/// `types/obtain_token_response.py`; the OAuth guides on developer.squareup.com): codes expire
/// after five minutes and work once; access tokens live 30 days, 24 hours when `short_lived`;
/// in the code flow the refresh token never expires and a refresh answers the same one, in the
/// PKCE flow it works once, for 90 days, and each refresh answers a new one (with
/// `refresh_token_expires_at`); revoking ends every authorization the app holds on the seller,
/// or with `revoke_only_access_token` that one access token.
///
/// Control routes: `/_sandbox/square/oauth/...` (see `OAuthControlRoutes`).
public struct SquareSimulator: ProviderSimulator {
    public let provider = SandboxProvider.square
    let environment: SandboxEnvironment
    let grants: OAuthGrants

    /// Square's default scope when the authorize URL names none (the Authorize reference).
    static let defaultScope = "MERCHANT_PROFILE_READ PAYMENTS_READ SETTLEMENTS_READ BANK_ACCOUNTS_READ"
    static let accessTokenLifetime: TimeInterval = 30 * 86_400
    static let shortLivedAccessTokenLifetime: TimeInterval = 86_400

    public init(environment: SandboxEnvironment) {
        self.environment = environment
        grants = OAuthGrants(
            policy: .init(
                codeLifetime: 5 * 60, issuesRefreshTokens: true, refresh: .init(rotates: false, lifetime: nil),
                pkceRefresh: .init(rotates: true, lifetime: 90 * 86_400),
                newCode: { SandboxIDs.random("sandbox-sq0cgb-", length: 22) },
                newAccessToken: { SandboxIDs.random("EAAA", length: 60) },
                newRefreshToken: { SandboxIDs.random("EQAA", length: 60) }),
            clock: environment.clock)
    }

    public func addRoutes(to group: RouterGroup<SandboxContext>) {
        group.get("oauth2/authorize", use: authorize)
        group.post("oauth2/token", use: obtainToken)
        group.post("oauth2/revoke", use: revokeToken)
        group.get("v2/locations", use: listLocations)
    }

    public func addControlRoutes(to group: RouterGroup<SandboxContext>) {
        OAuthControlRoutes(grants: grants).add(to: group)
    }

    public func faultResponse(_ fault: APIFault) -> Response {
        switch fault {
        case .rateLimited(let seconds): SquareError.rateLimited(retryAfterSeconds: seconds).response
        default: SquareError.internalError.response
        }
    }

    private var appID: String { environment.credentials.squareAppID }
    private var appSecret: String { environment.credentials.squareAppSecret }

    // MARK: Authorize

    @Sendable func authorize(_ request: Request, context: SandboxContext) async throws -> Response {
        let query = request.queryPairs
        let clientID = FormURLEncoded.first("client_id", in: query) ?? ""
        guard !clientID.isEmpty else { throw SquareError.missing("client_id") }
        guard ConstantTime.secretsEqual(clientID, appID) else {
            throw SquareError.invalidValue("client_id", "No application with the client_id '\(clientID)'.")
        }
        guard let redirectURI = FormURLEncoded.first("redirect_uri", in: query), !redirectURI.isEmpty else {
            throw SquareError.missing("redirect_uri")
        }
        guard OAuthRedirect.isUsable(redirectURI) else {
            throw SquareError.invalidValue("redirect_uri", "The redirect_uri must be an absolute http(s) URL.")
        }
        let codeChallenge = FormURLEncoded.first("code_challenge", in: query).flatMap { $0.isEmpty ? nil : $0 }
        if let method = FormURLEncoded.first("code_challenge_method", in: query), method != "S256" {
            throw SquareError.invalidValue("code_challenge_method", "Only S256 code challenges are supported.")
        }
        let scope = FormURLEncoded.first("scope", in: query).flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultScope
        let state = FormURLEncoded.first("state", in: query)
        switch grants.authorize(
            clientID: clientID, subject: SquareSeller.merchantID, scope: scope, redirectURI: redirectURI,
            codeChallenge: codeChallenge)
        {
        case .approved(let code):
            return OAuthRedirect.to(redirectURI, [("code", code), ("response_type", "code")], state: state)
        case .denied:
            // The Authorize reference: a seller's refusal is `access_denied` / `user_denied`.
            return OAuthRedirect.to(
                redirectURI, [("error", "access_denied"), ("error_description", "user_denied")], state: state)
        }
    }

    // MARK: ObtainToken

    struct ObtainTokenRequest: Decodable {
        var clientID: String?
        var clientSecret: String?
        var grantType: String?
        var code: String?
        var redirectURI: String?
        var refreshToken: String?
        var codeVerifier: String?
        var scopes: [String]?
        var shortLived: Bool?

        enum CodingKeys: String, CodingKey {
            case code, scopes
            case codeVerifier = "code_verifier"
            case clientID = "client_id"
            case clientSecret = "client_secret"
            case grantType = "grant_type"
            case redirectURI = "redirect_uri"
            case refreshToken = "refresh_token"
            case shortLived = "short_lived"
        }
    }

    /// The ObtainToken answer (`types/obtain_token_response.py`).
    struct TokenAnswer: Encodable {
        var accessToken: String
        var tokenType = "bearer"
        var expiresAt: String
        var merchantID: String
        var refreshToken: String
        var shortLived: Bool
        /// PKCE grants only.
        var refreshTokenExpiresAt: String?

        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token"
            case tokenType = "token_type"
            case expiresAt = "expires_at"
            case merchantID = "merchant_id"
            case refreshToken = "refresh_token"
            case shortLived = "short_lived"
            case refreshTokenExpiresAt = "refresh_token_expires_at"
        }
    }

    @Sendable func obtainToken(_ request: Request, context: SandboxContext) async throws -> Response {
        let bytes = try await SandboxJSON.body(of: request)
        let body = try? JSONDecoder().decode(ObtainTokenRequest.self, from: Data(bytes))
        do throws(SquareError) {
            let answer = try exchange(body)
            grants.recordTokenRequest(grantType: body?.grantType ?? "", refused: false)
            return .sandboxJSON(answer)
        } catch {
            grants.recordTokenRequest(grantType: body?.grantType ?? "", refused: true)
            return error.response
        }
    }

    private func exchange(_ body: ObtainTokenRequest?) throws(SquareError) -> TokenAnswer {
        guard let body else { throw .badRequest("The body must be a JSON object.") }
        guard let clientID = body.clientID, !clientID.isEmpty else { throw .missing("client_id") }
        guard let grantType = body.grantType, !grantType.isEmpty else { throw .missing("grant_type") }
        guard ConstantTime.secretsEqual(clientID, appID) else { throw .notAuthorized }
        // The code flow authenticates the app by its secret; the PKCE flow may leave it out
        // (ObtainToken docstring), but a secret that is sent must be the right one.
        if let secret = body.clientSecret {
            guard ConstantTime.secretsEqual(secret, appSecret) else { throw .notAuthorized }
        } else {
            let pkce =
                grantType == "refresh_token"
                ? grants.usesPKCE(refreshToken: body.refreshToken ?? "") : grants.usesPKCE(code: body.code ?? "")
            guard pkce else { throw .notAuthorized }
        }
        let shortLived = body.shortLived ?? false
        let lifetime = shortLived ? Self.shortLivedAccessTokenLifetime : Self.accessTokenLifetime
        let issued: OAuthGrants.Issued
        switch grantType {
        case "authorization_code":
            guard let code = body.code, !code.isEmpty else { throw .missing("code") }
            do throws(OAuthGrants.Refusal) {
                issued = try grants.redeem(
                    code: code, clientID: clientID, redirectURI: body.redirectURI, codeVerifier: body.codeVerifier,
                    accessTokenLifetime: lifetime)
            } catch .verifierMismatch {
                throw body.codeVerifier == nil ? .missing("code_verifier") : .verifierMismatch
            } catch .expired {
                throw .codeExpired
            } catch .redirectMismatch {
                throw .redirectMismatch
            } catch {
                throw .codeNotFound(appID: clientID)
            }
        case "refresh_token":
            guard let refreshToken = body.refreshToken, !refreshToken.isEmpty else { throw .missing("refresh_token") }
            do throws(OAuthGrants.Refusal) {
                issued = try grants.refresh(refreshToken, clientID: clientID, accessTokenLifetime: lifetime)
            } catch {
                throw .invalidRefreshToken
            }
        default:
            throw .invalidValue(
                "grant_type", "The grant_type '\(grantType)' is not supported; use authorization_code or refresh_token."
            )
        }
        return TokenAnswer(
            accessToken: issued.accessToken,
            expiresAt: SquareTime.string(issued.accessTokenExpiresAt ?? .distantFuture),
            merchantID: issued.grant.subject, refreshToken: issued.refreshToken ?? "", shortLived: shortLived,
            refreshTokenExpiresAt: issued.grant.usedPKCE ? issued.refreshTokenExpiresAt.map(SquareTime.string) : nil)
    }

    // MARK: RevokeToken

    struct RevokeRequest: Decodable {
        var clientID: String?
        var accessToken: String?
        var merchantID: String?
        var revokeOnlyAccessToken: Bool?

        enum CodingKeys: String, CodingKey {
            case clientID = "client_id"
            case accessToken = "access_token"
            case merchantID = "merchant_id"
            case revokeOnlyAccessToken = "revoke_only_access_token"
        }
    }

    @Sendable func revokeToken(_ request: Request, context: SandboxContext) async throws -> Response {
        // RevokeToken authenticates the app with `Authorization: Client <APPLICATION_SECRET>`,
        // not Bearer (the RevokeToken docstring in o_auth/raw_client.py).
        guard ConstantTime.secretsEqual(request.authorizationCredential(scheme: "Client") ?? "", appSecret) else {
            throw SquareError.notAuthorized
        }
        let bytes = try await SandboxJSON.body(of: request)
        guard let body = try? JSONDecoder().decode(RevokeRequest.self, from: Data(bytes)) else {
            throw SquareError.badRequest("The body must be a JSON object.")
        }
        guard ConstantTime.secretsEqual(body.clientID ?? "", appID) else { throw SquareError.notAuthorized }
        let accessToken = body.accessToken.flatMap { $0.isEmpty ? nil : $0 }
        let merchantID = body.merchantID.flatMap { $0.isEmpty ? nil : $0 }
        switch (accessToken, merchantID) {
        case (nil, nil):
            throw SquareError.missing("access_token")
        case (.some, .some):
            throw SquareError.invalidValue("merchant_id", "Provide either access_token or merchant_id, not both.")
        case (.some(let token), nil):
            guard let grant = grants.grant(of: token), grant.clientID == appID else {
                throw SquareError.accessTokenNotFound
            }
            if body.revokeOnlyAccessToken == true {
                grants.revokeAccessToken(token)
            } else {
                grants.revokeGrants(subject: grant.subject, clientID: appID)
            }
        case (nil, .some(let merchantID)):
            guard grants.revokeGrants(subject: merchantID, clientID: appID) > 0 else {
                throw SquareError.accessTokenNotFound
            }
        }
        return .sandboxJSON(["success": true])
    }

    // MARK: ListLocations

    @Sendable func listLocations(_ request: Request, context: SandboxContext) async throws -> Response {
        _ = try bearerGrant(request)
        return .sandboxJSON(["locations": [SquareSeller.Location()]])
    }

    /// The grant of the request's `Authorization: Bearer` token, or Square's 401.
    private func bearerGrant(_ request: Request) throws(SquareError) -> OAuthGrants.Grant {
        guard let token = request.authorizationCredential(scheme: "Bearer") else { throw .unauthorized }
        switch grants.check(accessToken: token) {
        case .valid(let grant): return grant
        case .expired: throw .accessTokenExpired
        case .revoked: throw .accessTokenRevoked
        case .unknown: throw .unauthorized
        }
    }
}
