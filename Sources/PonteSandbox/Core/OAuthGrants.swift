import Crypto
import Foundation
import Synchronization

/// The books of a simulated OAuth 2.0 authorization server: the codes it handed out, the
/// grants users made and the access and refresh tokens issued under them, all timed on the
/// sandbox clock; plus what the control API sets (refuse the next authorization, the lifetime
/// of access tokens issued from now on) and counts (token-endpoint requests by grant type).
///
/// Wire formats, error shapes and each provider's rules stay in its simulator; `Policy` says
/// how its tokens behave.
public final class OAuthGrants: Sendable {
    /// How the refresh tokens of one kind of grant behave.
    public struct RefreshRule: Sendable {
        /// Whether a refresh answers a new refresh token and retires the one presented.
        public var rotates: Bool
        /// How long a refresh token lives after it is issued; nil: until its grant is revoked.
        public var lifetime: TimeInterval?

        public init(rotates: Bool, lifetime: TimeInterval?) {
            self.rotates = rotates
            self.lifetime = lifetime
        }
    }

    /// How one provider's codes and tokens behave.
    public struct Policy: Sendable {
        /// How long an authorization code can be exchanged after it is issued.
        public var codeLifetime: TimeInterval
        /// Whether a grant comes with a refresh token (Mailchimp's do not).
        public var issuesRefreshTokens: Bool
        /// The refresh tokens of grants made without PKCE.
        public var refresh: RefreshRule
        /// The refresh tokens of grants whose code was bound to a PKCE challenge.
        public var pkceRefresh: RefreshRule
        public var newCode: @Sendable () -> String
        public var newAccessToken: @Sendable () -> String
        public var newRefreshToken: @Sendable () -> String

        /// `pkceRefresh` defaults to `refresh`.
        public init(
            codeLifetime: TimeInterval, issuesRefreshTokens: Bool, refresh: RefreshRule,
            pkceRefresh: RefreshRule? = nil,
            newCode: @escaping @Sendable () -> String, newAccessToken: @escaping @Sendable () -> String,
            newRefreshToken: @escaping @Sendable () -> String
        ) {
            self.codeLifetime = codeLifetime
            self.issuesRefreshTokens = issuesRefreshTokens
            self.refresh = refresh
            self.pkceRefresh = pkceRefresh ?? refresh
            self.newCode = newCode
            self.newAccessToken = newAccessToken
            self.newRefreshToken = newRefreshToken
        }

        func refreshRule(for grant: Grant) -> RefreshRule { grant.usedPKCE ? pkceRefresh : refresh }
    }

    /// One authorization a user gave a client; every token issued under it dies with it.
    public struct Grant: Sendable, Equatable {
        public var id: Int
        public var clientID: String
        /// Whose data the grant opens: Square's merchant, QuickBooks' realm, Mailchimp's user.
        public var subject: String
        public var scope: String
        /// Whether the code was bound to a PKCE challenge (RFC 7636).
        public var usedPKCE = false
        public var revoked = false
    }

    /// The tokens one exchange or refresh issued.
    public struct Issued: Sendable, Equatable {
        public var grant: Grant
        public var accessToken: String
        /// Nil: the access token does not expire.
        public var accessTokenExpiresAt: Date?
        public var refreshToken: String?
        public var refreshTokenExpiresAt: Date?
    }

    /// Why a code or a refresh token was refused.
    public enum Refusal: Error, Sendable, Equatable {
        case unknown, used, expired, revoked, otherClient, redirectMismatch
        /// A PKCE code exchanged without its `code_verifier`, or with another one.
        case verifierMismatch
    }

    /// What an access token presented to the API is.
    public enum TokenCheck: Sendable, Equatable {
        case valid(Grant)
        case unknown, expired, revoked
    }

    /// The outcome of one visit to the authorize page.
    public enum Authorization: Sendable, Equatable {
        case approved(code: String)
        case denied
    }

    private struct Code {
        var clientID: String
        var subject: String
        var scope: String
        var redirectURI: String?
        /// The S256 `code_challenge` of the authorization request (RFC 7636 §4.2).
        var codeChallenge: String?
        var expiresAt: Date
        var used = false
    }

    private struct Token {
        var grantID: Int
        var expiresAt: Date?
        var revoked = false
        /// A refresh token that rotation replaced.
        var retired = false
    }

    private struct State {
        var codes: [String: Code] = [:]
        var grants: [Int: Grant] = [:]
        var nextGrantID = 1
        var accessTokens: [String: Token] = [:]
        var refreshTokens: [String: Token] = [:]
        var denyNext = false
        var accessTokenLifetime: TimeInterval?
        var tokenRequests: [String: Int] = [:]
        var tokenRefusals: [String: Int] = [:]
        var approved = 0
        var denied = 0
    }

    public let policy: Policy
    private let clock: SandboxClock
    private let state = Mutex(State())

    public init(policy: Policy, clock: SandboxClock) {
        self.policy = policy
        self.clock = clock
    }

    // MARK: Authorization codes

    /// The user's answer on the authorize page: approval with a new code, or a refusal when the
    /// control API asked for one (which it then forgets). A `codeChallenge` (S256) binds the code
    /// to its verifier.
    public func authorize(
        clientID: String, subject: String, scope: String, redirectURI: String?, codeChallenge: String? = nil
    ) -> Authorization {
        let expiresAt = clock.now().addingTimeInterval(policy.codeLifetime)
        let code = policy.newCode()
        return state.withLock { state in
            if state.denyNext {
                state.denyNext = false
                state.denied += 1
                return .denied
            }
            state.approved += 1
            state.codes[code] = Code(
                clientID: clientID, subject: subject, scope: scope, redirectURI: redirectURI,
                codeChallenge: codeChallenge,
                expiresAt: expiresAt)
            return .approved(code: code)
        }
    }

    /// Exchanges `code` for tokens, once. `redirectURI` is the one the token request names (nil:
    /// not checked); a code bound to a PKCE challenge needs its `codeVerifier`;
    /// `accessTokenLifetime` is the provider's default for this request (nil: the token does not
    /// expire), which a lifetime set by the control API overrides.
    public func redeem(
        code: String, clientID: String, redirectURI: String?, codeVerifier: String? = nil,
        accessTokenLifetime: TimeInterval?
    ) throws(Refusal) -> Issued {
        let now = clock.now()
        let policy = policy
        return try state.withLock { state throws(Refusal) -> Issued in
            guard var entry = state.codes[code] else { throw .unknown }
            guard entry.clientID == clientID else { throw .otherClient }
            guard !entry.used else { throw .used }
            guard now < entry.expiresAt else { throw .expired }
            if let redirectURI, redirectURI != entry.redirectURI { throw .redirectMismatch }
            if let challenge = entry.codeChallenge {
                guard let codeVerifier, Self.s256(codeVerifier) == challenge else { throw .verifierMismatch }
            }
            entry.used = true
            state.codes[code] = entry
            let grant = Grant(
                id: state.nextGrantID, clientID: clientID, subject: entry.subject, scope: entry.scope,
                usedPKCE: entry.codeChallenge != nil)
            state.nextGrantID += 1
            state.grants[grant.id] = grant
            var refresh: (String, Date?)?
            if policy.issuesRefreshTokens {
                let token = policy.newRefreshToken()
                let expiry = policy.refreshRule(for: grant).lifetime.map { now.addingTimeInterval($0) }
                state.refreshTokens[token] = Token(grantID: grant.id, expiresAt: expiry)
                refresh = (token, expiry)
            }
            return Self.issueAccess(
                for: grant, refresh: refresh, defaultLifetime: accessTokenLifetime, now: now, policy: policy,
                in: &state)
        }
    }

    // MARK: Refresh

    /// A new access token for `refreshToken`; with rotation also a new refresh token, and the one
    /// presented stops working.
    public func refresh(_ refreshToken: String, clientID: String, accessTokenLifetime: TimeInterval?) throws(Refusal)
        -> Issued
    {
        let now = clock.now()
        let policy = policy
        return try state.withLock { state throws(Refusal) -> Issued in
            guard var token = state.refreshTokens[refreshToken], let grant = state.grants[token.grantID] else {
                throw .unknown
            }
            guard grant.clientID == clientID else { throw .otherClient }
            guard !token.revoked, !grant.revoked else { throw .revoked }
            guard !token.retired else { throw .used }
            if let expiry = token.expiresAt, now >= expiry { throw .expired }
            var refresh: (String, Date?) = (refreshToken, token.expiresAt)
            let rule = policy.refreshRule(for: grant)
            if rule.rotates {
                token.retired = true
                state.refreshTokens[refreshToken] = token
                let next = policy.newRefreshToken()
                let expiry = rule.lifetime.map { now.addingTimeInterval($0) }
                state.refreshTokens[next] = Token(grantID: grant.id, expiresAt: expiry)
                refresh = (next, expiry)
            }
            return Self.issueAccess(
                for: grant, refresh: refresh, defaultLifetime: accessTokenLifetime, now: now, policy: policy,
                in: &state)
        }
    }

    /// RFC 7636's S256: the verifier's SHA-256, base64url without padding.
    static func s256(_ verifier: String) -> String {
        Data(SHA256.hash(data: Array(verifier.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Whether `code` is bound to a PKCE challenge (false for an unknown code).
    public func usesPKCE(code: String) -> Bool {
        state.withLock { $0.codes[code]?.codeChallenge != nil }
    }

    /// Whether `refreshToken` belongs to a grant made with PKCE (false for an unknown token).
    public func usesPKCE(refreshToken: String) -> Bool {
        state.withLock { state in
            state.refreshTokens[refreshToken].flatMap { state.grants[$0.grantID] }?.usedPKCE ?? false
        }
    }

    private static func issueAccess(
        for grant: Grant, refresh: (String, Date?)?, defaultLifetime: TimeInterval?, now: Date, policy: Policy,
        in state: inout State
    ) -> Issued {
        let token = policy.newAccessToken()
        let expiry = (state.accessTokenLifetime ?? defaultLifetime).map { now.addingTimeInterval($0) }
        state.accessTokens[token] = Token(grantID: grant.id, expiresAt: expiry)
        return Issued(
            grant: grant, accessToken: token, accessTokenExpiresAt: expiry, refreshToken: refresh?.0,
            refreshTokenExpiresAt: refresh?.1)
    }

    // MARK: Access tokens

    /// What `accessToken` is now: valid (with its grant), unknown, expired or revoked.
    public func check(accessToken: String) -> TokenCheck {
        let now = clock.now()
        return state.withLock { state in
            guard let token = state.accessTokens[accessToken], let grant = state.grants[token.grantID] else {
                return .unknown
            }
            if token.revoked || grant.revoked { return .revoked }
            if let expiry = token.expiresAt, now >= expiry { return .expired }
            return .valid(grant)
        }
    }

    /// The grant `token` (an access or refresh token) was issued under, revoked or not.
    public func grant(of token: String) -> Grant? {
        state.withLock { state in
            (state.accessTokens[token] ?? state.refreshTokens[token]).flatMap { state.grants[$0.grantID] }
        }
    }

    // MARK: Revocation

    /// Revokes the grant `token` (an access or refresh token) belongs to, and so every token of
    /// it; false for a token never issued.
    @discardableResult
    public func revokeGrant(of token: String) -> Bool {
        state.withLock { state in
            guard let grantID = (state.accessTokens[token] ?? state.refreshTokens[token])?.grantID else { return false }
            state.grants[grantID]?.revoked = true
            return true
        }
    }

    /// Revokes every grant `clientID` holds on `subject`; how many there were.
    @discardableResult
    public func revokeGrants(subject: String, clientID: String) -> Int {
        state.withLock { state in
            let ids = state.grants.values.filter { $0.subject == subject && $0.clientID == clientID && !$0.revoked }
                .map(\.id)
            for id in ids { state.grants[id]?.revoked = true }
            return ids.count
        }
    }

    /// Revokes one access token and leaves its grant (and refresh token) working.
    @discardableResult
    public func revokeAccessToken(_ token: String) -> Bool {
        state.withLock { state in
            guard state.accessTokens[token] != nil else { return false }
            state.accessTokens[token]?.revoked = true
            return true
        }
    }

    // MARK: Control

    /// The next visit to the authorize page is refused, as if the user clicked Deny.
    public func denyNextAuthorization() {
        state.withLock { $0.denyNext = true }
    }

    /// Access tokens issued from now on live `seconds`; nil: the provider's own lifetime again.
    public func setAccessTokenLifetime(_ seconds: TimeInterval?) {
        state.withLock { $0.accessTokenLifetime = seconds }
    }

    /// Makes `token` (an access or refresh token) expire now; false for a token never issued.
    @discardableResult
    public func expireNow(_ token: String) -> Bool {
        let now = clock.now()
        return state.withLock { state in
            if state.accessTokens[token] != nil {
                state.accessTokens[token]?.expiresAt = now
                return true
            }
            if state.refreshTokens[token] != nil {
                state.refreshTokens[token]?.expiresAt = now
                return true
            }
            return false
        }
    }

    /// Counts one request to the token endpoint under its `grant_type` (as sent; `(none)` when
    /// missing), and whether it was refused.
    public func recordTokenRequest(grantType: String, refused: Bool) {
        let name = grantType.isEmpty ? "(none)" : grantType
        state.withLock { state in
            state.tokenRequests[name, default: 0] += 1
            if refused { state.tokenRefusals[name, default: 0] += 1 }
        }
    }

    /// What the control API shows: settings and counters.
    public func report() -> Report {
        state.withLock { state in
            Report(
                denyNextAuthorization: state.denyNext, accessTokenLifetimeSeconds: state.accessTokenLifetime,
                authorizationsApproved: state.approved, authorizationsDenied: state.denied,
                tokenRequests: state.tokenRequests, tokenRefusals: state.tokenRefusals,
                activeGrants: state.grants.values.filter { !$0.revoked }.count)
        }
    }

    /// The control API's view of the books.
    public struct Report: Encodable, Sendable, Equatable {
        public var denyNextAuthorization: Bool
        /// Nil: the provider's own lifetime.
        public var accessTokenLifetimeSeconds: TimeInterval?
        public var authorizationsApproved: Int
        public var authorizationsDenied: Int
        /// Token-endpoint requests by `grant_type`, refused ones included.
        public var tokenRequests: [String: Int]
        public var tokenRefusals: [String: Int]
        public var activeGrants: Int

        enum CodingKeys: String, CodingKey {
            case denyNextAuthorization = "deny_next_authorization"
            case accessTokenLifetimeSeconds = "access_token_lifetime_seconds"
            case authorizationsApproved = "authorizations_approved"
            case authorizationsDenied = "authorizations_denied"
            case tokenRequests = "token_requests"
            case tokenRefusals = "token_refusals"
            case activeGrants = "active_grants"
        }

        /// Writes `access_token_lifetime_seconds` as null rather than leaving it out.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(denyNextAuthorization, forKey: .denyNextAuthorization)
            try container.encode(accessTokenLifetimeSeconds, forKey: .accessTokenLifetimeSeconds)
            try container.encode(authorizationsApproved, forKey: .authorizationsApproved)
            try container.encode(authorizationsDenied, forKey: .authorizationsDenied)
            try container.encode(tokenRequests, forKey: .tokenRequests)
            try container.encode(tokenRefusals, forKey: .tokenRefusals)
            try container.encode(activeGrants, forKey: .activeGrants)
        }
    }
}
