import Foundation
import HTTPTypes
import Hummingbird
import PonteKit

/// Reads `Authorization: Bearer <token>`: the hub's own JWTs (`ponte token create`), or a
/// credential a module issues (a POS's store key). Without a valid credential the answer is
/// `401`; with one whose role the route does not allow, `403`.
struct APIAuthentication: Sendable {
    let tokens: AdminTokens
    /// The platform's identity provider's tokens (RS256 / ES256), when configured.
    var identityProvider: IdentityProviderTokens? = nil
    let authenticators: [CallerAuthenticator]
    let now: @Sendable () -> Date

    func caller(of request: Request) async throws -> Caller {
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("missing Authorization header; create a token with `ponte token create --role admin`")
        }
        let prefix = "bearer "
        guard header.count > prefix.count, header.lowercased().hasPrefix(prefix) else {
            throw APIError.unauthorized("the Authorization header must be 'Bearer <token>'")
        }
        let token = String(header.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
        for authenticator in authenticators {
            if let caller = try await authenticator(token) { return caller }
        }
        func caller(subject: String, role: String, venueID: String?) -> Caller {
            Caller(subject: subject, role: role, scopes: venueID.map { [Caller.venueScope: $0] } ?? [:])
        }
        do {
            let claims = try tokens.verify(token, now: now())
            return caller(subject: claims.sub, role: claims.role, venueID: claims.venueID)
        } catch .unsupportedAlgorithm(let algorithm) {
            // Not one of the hub's own (HS256): the identity provider's, if it signed it.
            guard let identityProvider else { throw APIError.unauthorized(AdminTokens.Rejection.unsupportedAlgorithm(algorithm).description) }
            do {
                let claims = try identityProvider.verify(token, now: now())
                return caller(subject: claims.sub, role: claims.role, venueID: claims.venueID)
            } catch {
                throw APIError.unauthorized("\(error)")
            }
        } catch {
            throw APIError.unauthorized(error.description)
        }
    }

    /// Checks `route`'s access rule for `request` and puts the caller in `context`.
    func authorize(_ route: APIRoute, _ request: Request, _ context: inout APIRequestContext) async throws {
        switch route.access {
        case .open:
            return
        case .authenticated:
            context.caller = try await caller(of: request)
        case .admin:
            let caller = try await caller(of: request)
            guard caller.isAdmin else {
                throw APIError.forbidden("this endpoint needs role 'admin'; the credential has role '\(caller.role)'")
            }
            context.caller = caller
        }
    }
}

extension Router where Context == APIRequestContext {
    /// Adds `routes`, each behind its access rule.
    func add(_ routes: [APIRoute], authentication: APIAuthentication) {
        for route in routes {
            on(RouterPath(route.routerPath), method: route.method) { request, context in
                var context = context
                try await authentication.authorize(route, request, &context)
                return try await route.handler(request, context)
            }
        }
    }
}
