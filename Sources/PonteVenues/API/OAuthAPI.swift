import Foundation
import HTTPTypes
import Hummingbird
import PonteKit
import PonteProviders

/// The OAuth routes (seed 004, endpoints 7–8): the provider's redirect back to the hub, and
/// refreshes asked for by a venue (`refresh`, and `reconnect`, which says when only a new
/// authorization can help).
struct OAuthAPI: Sendable {
    let context: ModuleContext
    let flow: OAuthFlow

    static let providers = ["square", "mailchimp", "quickbooks"]

    func addRoutes(to routes: inout APIRoutes) {
        let tags = ["Venue integrations"]
        let provider = JSONSchema.oneOf(Self.providers)
        routes.get(
            "integrations/oauth/callback/{provider}",
            APIOperation(
                "oauthCallback", "Where the provider sends the venue's browser back",
                description: "Checks the state (once, within 10 minutes), exchanges the code, stores the tokens encrypted. Redirects to PONTE_OAUTH_SUCCESS_URL / PONTE_OAUTH_ERROR_URL when set; answers JSON when the request accepts it, else a short page.",
                tags: tags
            )
            .path("provider", provider, "The provider")
            .query("code", .string(), "The authorization code").query("state", .string(), "The state the hub made")
            .query("error", .string(), "The provider's refusal, such as access_denied").query("error_description", .string(), "Why")
            .query("realmId", .string(), "QuickBooks: the company")
            .response(200, .object(["success": .boolean(), "data": .object(["status": .string(), "venue_id": .string(), "integration_type": provider, "reason": JSONSchema.string().optional])]), "The outcome (JSON, or a page)")
            .response(302, nil, "To the configured success or error page")
            .errors(400, "OAUTH_STATE_REQUIRED", "OAUTH_CODE_REQUIRED", "UNKNOWN_PROVIDER").errors(401, "OAUTH_STATE_INVALID")
            .errors(409, "OAUTH_APP_NOT_CONFIGURED"),
            access: .open, callback)
        for (path, id, summary) in [
            ("integrations/oauth/refresh/{provider}", "refreshOAuthToken", "Refresh the connection's access token now"),
            ("integrations/{provider}/reconnect", "reconnectIntegration", "Refresh; if that fails, the venue must connect again"),
        ] {
            routes.post(
                path,
                APIOperation(id, summary, tags: tags)
                    .path("provider", provider, "The provider")
                    .body(.object(["venue_id": .string()]))
                    .response(200, .object(["success": .boolean(), "message": .string(), "data": .ref("VenueIntegration")]), "Refreshed")
                    .errors(400, "INVALID_JSON", "VENUE_ID_REQUIRED", "UNKNOWN_PROVIDER", "RECONNECT_REQUIRED", "PROVIDER_NOT_SUPPORTED")
                    .errors(403, "VENUE_FORBIDDEN").errors(404, "VENUE_NOT_FOUND", "INTEGRATION_NOT_FOUND")
                    .errors(409, "OAUTH_APP_NOT_CONFIGURED").errors(503, "REFRESH_BUSY"),
                access: .authenticated, refresh)
        }
    }

    @Sendable func callback(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let provider = try IntegrationsAPI.provider(context)
        guard provider.authorization == .oauth else {
            throw APIError.badRequest("UNKNOWN_PROVIDER", "\(provider.rawValue) does not connect by OAuth")
        }
        let query = ListParameters(request)
        guard let state = query.text("state") else {
            throw APIError.badRequest("OAUTH_STATE_REQUIRED", "the callback has no state: start the connection with POST /api/v1/integrations/connect/\(provider.rawValue)")
        }
        if query.text("error") == nil, query.text("code") == nil {
            throw APIError.badRequest("OAUTH_CODE_REQUIRED", "the callback has neither a code nor an error")
        }
        let completion = try await flow.complete(
            provider: provider, state: state, code: query.text("code"), error: query.text("error"),
            errorDescription: query.text("error_description"), realmID: query.text("realmId"), address: context.clientAddress)
        let outcome: Outcome
        switch completion {
        case .connected(let connection):
            outcome = Outcome(status: "connected", venueID: connection.venueID, integrationType: provider.rawValue, reason: nil)
        case .refused(let venue, let reason):
            outcome = Outcome(status: "failed", venueID: venue, integrationType: provider.rawValue, reason: reason)
        }
        let environment = self.context.environment
        let target = outcome.reason == nil ? environment["PONTE_OAUTH_SUCCESS_URL"] : environment["PONTE_OAUTH_ERROR_URL"]
        if !(request.headers[.accept] ?? "").contains("application/json"), let target, var components = URLComponents(string: target) {
            components.queryItems = (components.queryItems ?? []) + [
                URLQueryItem(name: "provider", value: provider.rawValue), URLQueryItem(name: "venue_id", value: outcome.venueID),
                URLQueryItem(name: "status", value: outcome.status),
            ] + (outcome.reason.map { [URLQueryItem(name: "error", value: $0)] } ?? [])
            return Response(status: .found, headers: [.location: components.string ?? target])
        }
        if (request.headers[.accept] ?? "").contains("text/html") {
            let text = outcome.reason == nil
                ? "\(provider.rawValue) is connected. You can close this page."
                : "\(provider.rawValue) was not connected (\(outcome.reason ?? "")). Start again from your venue's settings."
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "<!doctype html><meta charset=utf-8><title>Ponte</title><p>\(Self.escaped(text))</p>")))
        }
        return try .json(encoding: IntegrationsAPI.Envelope(data: outcome))
    }

    struct Outcome: Encodable {
        let status: String
        let venueID: String
        let integrationType: String
        let reason: String?
        enum CodingKeys: String, CodingKey {
            case status, reason
            case venueID = "venue_id"
            case integrationType = "integration_type"
        }
    }

    @Sendable func refresh(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let provider = try IntegrationsAPI.provider(context)
        let input = try await request.decodeJSON(IntegrationsAPI.ConnectInput.self, expected: #"{"venue_id": "…"}"#)
        let venue = try await VenueAccess.venue(input.venueID, for: .manage, context, on: self.context.database)
        guard provider.authorization == .oauth else {
            throw APIError.badRequest("PROVIDER_NOT_SUPPORTED", "\(provider.rawValue) connects by API key: it has no token to refresh")
        }
        guard let connection = try await VenuesStorage.connection(venue: venue.id, provider: provider, on: self.context.database),
            connection.status != .disconnected
        else { throw IntegrationsAPI.notConnected(provider, venue.id) }
        do {
            let refreshed = try await flow.refresh(connection.id, force: true, by: AuditActor(context))
            return try .json(encoding: Refreshed(message: "\(provider.rawValue) token refreshed", data: refreshed))
        } catch let failed as OAuthFlow.RefreshFailed {
            throw APIError.badRequest(
                "RECONNECT_REQUIRED", "the refresh failed (\(failed.error.code)): please reconnect \(provider.rawValue) manually with POST /api/v1/integrations/connect/\(provider.rawValue)")
        }
    }

    struct Refreshed: Encodable {
        let success = true
        let message: String
        let data: Connection
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
