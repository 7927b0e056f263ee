import Foundation
import Hummingbird

/// The control routes of a simulator with an OAuth server, under `/_sandbox/{provider}/oauth`:
///
/// - `GET  …/oauth` — settings and counters (`OAuthGrants.Report`): `deny_next_authorization`,
///   `access_token_lifetime_seconds` (null: the provider's own), `authorizations_approved`,
///   `authorizations_denied`, `token_requests` and `token_refusals` by grant type, `active_grants`
/// - `POST …/oauth/deny-next` — the next authorization is refused (`error=access_denied`)
/// - `PUT  …/oauth/access-token-lifetime` — `{"seconds": N}` for access tokens issued from now
///   on; `{"seconds": null}` restores the provider's lifetime
/// - `POST …/oauth/tokens/expire` — `{"token": "…"}`: that access or refresh token expires now
/// - `POST …/oauth/tokens/revoke` — `{"token": "…"}`: the user disconnects the app; the grant
///   the token belongs to and all its tokens stop working
///
/// Each answers the report; an unknown token answers 404 `UNKNOWN_TOKEN`. A token request
/// answered with an injected fault (`PUT /_sandbox/faults/{provider}`) never reached the
/// simulator and is not counted.
struct OAuthControlRoutes: Sendable {
    let grants: OAuthGrants

    func add(to group: RouterGroup<SandboxContext>) {
        let oauth = group.group("oauth")
        oauth.get("") { _, _ in Response.sandboxJSON(grants.report()) }
        oauth.post("deny-next") { _, _ in
            grants.denyNextAuthorization()
            return Response.sandboxJSON(grants.report())
        }
        oauth.put("access-token-lifetime", use: setLifetime)
        oauth.post("tokens/expire") { request, _ in
            try await withToken(request) { grants.expireNow($0) }
        }
        oauth.post("tokens/revoke") { request, _ in
            try await withToken(request) { grants.revokeGrant(of: $0) }
        }
    }

    private struct Lifetime: Decodable {
        var seconds: Double?
    }

    @Sendable private func setLifetime(_ request: Request, context: SandboxContext) async throws -> Response {
        let bytes = try await SandboxJSON.body(of: request)
        guard let lifetime = try? JSONDecoder().decode(Lifetime.self, from: Data(bytes)) else {
            return controlError(.badRequest, "INVALID_JSON", "expected {\"seconds\": N} or {\"seconds\": null}")
        }
        if let seconds = lifetime.seconds, !(seconds.isFinite && seconds > 0 && seconds <= 10 * 365 * 86_400) {
            return controlError(.badRequest, "INVALID_LIFETIME", "seconds must be above 0 and at most ten years")
        }
        grants.setAccessTokenLifetime(lifetime.seconds)
        return .sandboxJSON(grants.report())
    }

    private struct TokenBody: Decodable {
        var token: String
    }

    private func withToken(_ request: Request, _ change: (String) -> Bool) async throws -> Response {
        let bytes = try await SandboxJSON.body(of: request)
        guard let body = try? JSONDecoder().decode(TokenBody.self, from: Data(bytes)), !body.token.isEmpty else {
            return controlError(.badRequest, "INVALID_JSON", "expected {\"token\": \"...\"}")
        }
        guard change(body.token) else {
            return controlError(.notFound, "UNKNOWN_TOKEN", "no access or refresh token like that was issued here")
        }
        return .sandboxJSON(grants.report())
    }
}
