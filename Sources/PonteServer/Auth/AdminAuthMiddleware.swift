import Foundation
import HTTPTypes
import Hummingbird

/// Requires `Authorization: Bearer <token>` with a valid admin token: 401 without a valid
/// token, 403 when the token's role is not `admin`.
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = PonteRequestContext

    let tokens: AdminTokens
    let now: @Sendable () -> Date

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("missing Authorization header; create a token with `ponte token create --role admin`")
        }
        let prefix = "bearer "
        guard header.count > prefix.count, header.lowercased().hasPrefix(prefix) else {
            throw APIError.unauthorized("the Authorization header must be 'Bearer <token>'")
        }
        let token = String(header.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
        let claims: AdminTokens.Claims
        do {
            claims = try tokens.verify(token, now: now())
        } catch {
            throw APIError.unauthorized(error.description)
        }
        guard claims.role == "admin" else {
            throw APIError.forbidden("this endpoint needs role 'admin'; the token has role '\(claims.role)'")
        }
        var context = context
        context.claims = claims
        return try await next(request, context)
    }
}
