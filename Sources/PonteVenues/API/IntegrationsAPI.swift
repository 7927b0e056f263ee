import Foundation
import Hummingbird
import PonteCore
import PonteJobs
import PonteKit
import PonteProviders
import PonteStore

/// A venue's connections to its providers (seed 004, endpoints 1–6): list and read them,
/// connect Stripe by API key (tested against Stripe, then kept encrypted in the vault),
/// validate a key without keeping it, disconnect (credentials deleted), and the audit log.
/// Answers are in the seed's envelope, `{"success": true, "data": …}`.
struct IntegrationsAPI: Sendable {
    let context: ModuleContext
    let audit: VenueAudit
    let keys: APIKeyCheck
    let oauth: OAuthFlow

    func addRoutes(to routes: inout APIRoutes) {
        let tags = ["Venue integrations"]
        let venue = JSONSchema.string("The venue's id")
        let provider = JSONSchema.oneOf(VenueProvider.allCases.map(\.rawValue))
        func envelope(_ data: JSONSchema) -> JSONSchema { .object(["success": .boolean(), "data": data]) }
        routes.get(
            "integrations",
            APIOperation("listIntegrations", "A venue's integrations", tags: tags)
                .query("venue_id", venue, "The venue", required: true)
                .response(200, envelope(.array(.ref("VenueIntegration"))), "Its integrations, by provider")
                .errors(400, "VENUE_ID_REQUIRED").errors(403, "VENUE_FORBIDDEN").errors(404, "VENUE_NOT_FOUND"),
            access: .authenticated, listIntegrations)
        routes.get(
            "integrations/audit",
            APIOperation("listIntegrationAudit", "The venue's integration actions, newest first: who, what, when, from where, outcome", tags: tags)
                .query("venue_id", venue, "The venue", required: true).paged()
                .response(200, JSONSchema.page(of: "VenueAuditEntry"), "A page of the audit log")
                .errors(400, "VENUE_ID_REQUIRED", "INVALID_QUERY").errors(403, "VENUE_FORBIDDEN").errors(404, "VENUE_NOT_FOUND"),
            access: .authenticated, listAudit)
        routes.get(
            "integrations/{provider}",
            APIOperation("getIntegration", "A venue's integration with one provider", tags: tags)
                .path("provider", provider, "The provider")
                .query("venue_id", venue, "The venue", required: true)
                .response(200, envelope(.ref("VenueIntegration")), "The integration")
                .errors(400, "VENUE_ID_REQUIRED", "UNKNOWN_PROVIDER").errors(403, "VENUE_FORBIDDEN")
                .errors(404, "VENUE_NOT_FOUND", "INTEGRATION_NOT_FOUND"),
            access: .authenticated, getIntegration)
        let credentials = JSONSchema.object([
            "api_key": JSONSchema.string("Stripe: a secret (sk_…) or restricted (rk_…) key").optional,
            "api_secret": JSONSchema.string().optional,
        ])
        let config = JSONSchema.object([
            "sync_enabled": JSONSchema.boolean().optional,
            "sync_interval": JSONSchema.integer("Seconds between syncs", minimum: 60, maximum: 86400).optional,
            "sync_direction": JSONSchema.oneOf(Connection.SyncConfig.Direction.allCases.map(\.rawValue)).optional,
        ])
        routes.post(
            "integrations/connect/{provider}",
            APIOperation(
                "connectIntegration", "Connect a provider account",
                description: "Square, Mailchimp, QuickBooks: answers the provider's authorization URL (with a single-use state); the callback completes it. Stripe: the key is tested against Stripe (GET /v1/account), then stored encrypted; a key that fails the test is 401 and nothing is stored.",
                tags: tags
            )
            .path("provider", provider, "The provider")
            .body(.object(["venue_id": venue, "credentials": credentials.optional, "config": config.optional]))
            .response(
                200,
                envelope(.object([
                    "message": .string(), "integration_type": JSONSchema.string("API key: the provider").optional,
                    "integration": JSONSchema.ref("VenueIntegration").optional,
                    "auth_url": JSONSchema.string("OAuth: where to send the venue's user").optional,
                    "state_expires_at": JSONSchema.timestamp("OAuth: the authorization must end by then").optional,
                ])), "Connected (API key), or the authorization to complete (OAuth)")
            .errors(400, "INVALID_JSON", "VENUE_ID_REQUIRED", "UNKNOWN_PROVIDER", "CREDENTIALS_REQUIRED", "INVALID_FIELD")
            .errors(401, "CONNECTION_TEST_FAILED").errors(403, "VENUE_FORBIDDEN").errors(404, "VENUE_NOT_FOUND")
            .errors(409, "OAUTH_APP_NOT_CONFIGURED").errors(502, "PROVIDER_UNAVAILABLE"),
            access: .authenticated, connect)
        routes.post(
            "integrations/{provider}/disconnect",
            APIOperation("disconnectIntegration", "Disconnect: status disconnected, its credentials deleted from the vault", tags: tags)
                .path("provider", provider, "The provider")
                .body(.object(["venue_id": venue]))
                .response(200, .object(["success": .boolean(), "message": .string(), "data": .ref("VenueIntegration")]), "Disconnected")
                .errors(400, "INVALID_JSON", "VENUE_ID_REQUIRED", "UNKNOWN_PROVIDER").errors(403, "VENUE_FORBIDDEN")
                .errors(404, "VENUE_NOT_FOUND", "INTEGRATION_NOT_FOUND"),
            access: .authenticated, disconnect)
        routes.post(
            "integrations/{provider}/test",
            APIOperation(
                "testIntegration", "Call the provider with the connection's credentials",
                description: "Stripe: GET /v1/account; Square: ListLocations; Mailchimp: ping; QuickBooks: CompanyInfo. An OAuth token about to expire is refreshed first (by one process at a time). The connection's health is updated.",
                tags: tags
            )
            .path("provider", provider, "The provider")
            .body(.object(["venue_id": venue]))
            .response(200, envelope(.object(["ok": .boolean(), "milliseconds": .integer(minimum: 0), "error": JSONSchema.string().optional])), "What the provider answered")
            .errors(400, "INVALID_JSON", "VENUE_ID_REQUIRED", "UNKNOWN_PROVIDER").errors(403, "VENUE_FORBIDDEN")
            .errors(404, "VENUE_NOT_FOUND", "INTEGRATION_NOT_FOUND").errors(409, "OAUTH_APP_NOT_CONFIGURED"),
            access: .authenticated, testConnection)
        routes.post(
            "integrations/{provider}/api-key",
            APIOperation("validateIntegrationAPIKey", "Test an API key against the provider without storing it", tags: tags)
                .path("provider", provider, "The provider")
                .body(.object(["venue_id": venue, "api_key": .string(), "api_secret": JSONSchema.string().optional]))
                .response(200, envelope(.object(["valid": .boolean(), "account": JSONSchema.object(["id": .string(), "name": JSONSchema.string().optional]).optional, "error": JSONSchema.string().optional])), "Whether the key works")
                .errors(400, "INVALID_JSON", "VENUE_ID_REQUIRED", "UNKNOWN_PROVIDER", "CREDENTIALS_REQUIRED", "INVALID_FIELD", "PROVIDER_NOT_SUPPORTED")
                .errors(403, "VENUE_FORBIDDEN").errors(404, "VENUE_NOT_FOUND").errors(502, "PROVIDER_UNAVAILABLE"),
            access: .authenticated, validateKey)
    }

    // MARK: Reading

    @Sendable func listIntegrations(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let venue = try await VenueAccess.venue(ListParameters(request).text("venue_id"), for: .read, context, on: self.context.database)
        return try .json(encoding: Envelope(data: try await VenuesStorage.connections(venue: venue.id, on: self.context.database)))
    }

    @Sendable func getIntegration(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let provider = try Self.provider(context)
        let venue = try await VenueAccess.venue(ListParameters(request).text("venue_id"), for: .read, context, on: self.context.database)
        guard let connection = try await VenuesStorage.connection(venue: venue.id, provider: provider, on: self.context.database) else {
            throw Self.notConnected(provider, venue.id)
        }
        return try .json(encoding: Envelope(data: connection))
    }

    @Sendable func listAudit(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let query = ListParameters(request)
        let venue = try await VenueAccess.venue(query.text("venue_id"), for: .read, context, on: self.context.database)
        let limit = try query.limit()
        let cursor = try query.cursor(ids: VenuesStorage.auditIDs)
        let page = try await ListParameters.page(size: limit, id: \AuditEntry.id, item: { $0 }) { limit in
            try await VenuesStorage.audit(venue: venue.id, after: cursor, limit: limit, on: self.context.database)
        }
        return try .json(encoding: page)
    }

    // MARK: Connecting

    struct ConnectInput: Decodable {
        struct Credentials: Decodable {
            let apiKey: String?
            let apiSecret: String?
            enum CodingKeys: String, CodingKey {
                case apiKey = "api_key"
                case apiSecret = "api_secret"
            }
        }

        struct Config: Decodable {
            let syncEnabled: Bool?
            let syncInterval: Int?
            let syncDirection: Connection.SyncConfig.Direction?
            enum CodingKeys: String, CodingKey {
                case syncEnabled = "sync_enabled"
                case syncInterval = "sync_interval"
                case syncDirection = "sync_direction"
            }
        }

        let venueID: String?
        let credentials: Credentials?
        let config: Config?
        let apiKey: String?
        let apiSecret: String?

        enum CodingKeys: String, CodingKey {
            case credentials, config
            case venueID = "venue_id"
            case apiKey = "api_key"
            case apiSecret = "api_secret"
        }
    }

    @Sendable func connect(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let provider = try Self.provider(context)
        let input = try await request.decodeJSON(
            ConnectInput.self, expected: #"{"venue_id": "…", "credentials": {"api_key": "sk_test_…"}, "config": {"sync_interval": 300}}"#)
        let venue = try await VenueAccess.venue(input.venueID, for: .manage, context, on: self.context.database)
        let config = try Self.config(input.config)
        if provider.authorization == .oauth {
            let host = request.head.authority ?? "127.0.0.1"
            let base = self.context.publicURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 } ?? "http://\(host)"
            let redirectURI = base + "/api/v1/integrations/oauth/callback/\(provider.rawValue)"
            let (url, expiresAt) = try await oauth.start(venue: venue, provider: provider, config: config, redirectURI: redirectURI, by: AuditActor(context))
            return try .json(encoding: Envelope(data: AuthorizationStart(authURL: url, stateExpiresAt: expiresAt)))
        }
        let key = try Self.apiKey(input.credentials?.apiKey, provider)
        let account: Connection.Account
        do {
            account = try await keys.test(provider, key: key)
        } catch let failure as APIKeyCheck.Failure {
            try await audit.recordAlone("connect", venue: venue.id, provider: provider, outcome: .failed, detail: failure.message, by: AuditActor(context))
            throw failure.apiError
        }
        let secret = input.credentials?.apiSecret
        let connection = try await self.context.transaction { unit -> Connection in
            _ = try await VenuesStorage.venue(venue.id, lock: true, in: unit)  // one connect of a venue at a time
            let now = unit.now
            let at = VenuesStorage.timestamp(now)
            var connection = try await VenuesStorage.connection(venue: venue.id, provider: provider, in: unit)
                ?? Connection.new(id: VenuesStorage.connectionIDs.next(at: VenuesStorage.date(now)), venue: venue.id, provider: provider, config: config, at: at)
            connection.config = config
            connection.connected(to: account, at: at)
            let sql = unit.executor
            try await self.context.vault.deleteAll(owner: connection.vaultOwner, in: sql)
            try await self.context.vault.put(owner: connection.vaultOwner, name: "api_key", secret: key, now: now, in: sql)
            if let secret, !secret.isEmpty {
                try await self.context.vault.put(owner: connection.vaultOwner, name: "api_secret", secret: secret, now: now, in: sql)
            }
            try await VenuesStorage.saveConnection(connection, in: unit)
            try await audit.record("connect", venue: venue.id, provider: provider, detail: "account \(account.id)", by: AuditActor(context), in: unit)
            return connection
        }
        return try .json(
            encoding: Envelope(data: ConnectAnswer(message: "Integration connected successfully", integrationType: provider, integration: connection)))
    }

    @Sendable func validateKey(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let provider = try Self.provider(context)
        let input = try await request.decodeJSON(ConnectInput.self, expected: #"{"venue_id": "…", "api_key": "sk_test_…"}"#)
        let venue = try await VenueAccess.venue(input.venueID, for: .manage, context, on: self.context.database)
        guard provider.authorization == .apiKey else {
            throw APIError.badRequest("PROVIDER_NOT_SUPPORTED", "\(provider.rawValue) connects by OAuth: it has no API key to validate")
        }
        let key = try Self.apiKey(input.apiKey ?? input.credentials?.apiKey, provider)
        let answer: KeyValidity
        do {
            answer = KeyValidity(valid: true, account: try await keys.test(provider, key: key), error: nil)
        } catch let failure as APIKeyCheck.Failure where !failure.unavailable {
            answer = KeyValidity(valid: false, account: nil, error: failure.message)
        } catch let failure as APIKeyCheck.Failure {
            try await audit.recordAlone("api_key.validate", venue: venue.id, provider: provider, outcome: .failed, detail: failure.message, by: AuditActor(context))
            throw failure.apiError
        }
        try await audit.recordAlone(
            "api_key.validate", venue: venue.id, provider: provider, outcome: answer.valid ? .succeeded : .failed,
            detail: answer.error ?? answer.account.map { "account \($0.id)" } ?? "", by: AuditActor(context))
        return try .json(encoding: Envelope(data: answer))
    }

    @Sendable func disconnect(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let provider = try Self.provider(context)
        let input = try await request.decodeJSON(ConnectInput.self, expected: #"{"venue_id": "…"}"#)
        let venue = try await VenueAccess.venue(input.venueID, for: .manage, context, on: self.context.database)
        let revocation = try await revoke(venue: venue.id, provider: provider)
        let connection = try await self.context.transaction { unit -> Connection in
            guard var connection = try await VenuesStorage.connection(venue: venue.id, provider: provider, lock: true, in: unit) else {
                throw Self.notConnected(provider, venue.id)
            }
            let removed = try await self.context.vault.deleteAll(owner: connection.vaultOwner, in: unit.executor)
            try await unit.cancelPendingJobs(uniqueKeys: [OAuthFlow.refreshKey(connection.id)])
            let at = VenuesStorage.timestamp(unit.now)
            connection.status = .disconnected
            connection.disconnectedAt = at
            connection.healthStatus = .unknown
            connection.updatedAt = at
            try await VenuesStorage.saveConnection(connection, in: unit)
            try await audit.record("disconnect", venue: venue.id, provider: provider, detail: "\(removed) credentials deleted" + (revocation.map { "; \($0)" } ?? ""), by: AuditActor(context), in: unit)
            return connection
        }
        return try .json(encoding: Disconnected(message: "\(provider.rawValue) integration disconnected successfully", data: connection))
    }

    @Sendable func testConnection(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let provider = try Self.provider(context)
        let input = try await request.decodeJSON(ConnectInput.self, expected: #"{"venue_id": "…"}"#)
        let venue = try await VenueAccess.venue(input.venueID, for: .read, context, on: self.context.database)
        guard var connection = try await VenuesStorage.connection(venue: venue.id, provider: provider, on: self.context.database),
            connection.status == .connected || connection.status == .error
        else { throw Self.notConnected(provider, venue.id) }
        let started = ContinuousClock.now
        var failure: String?
        do {
            if provider.authorization == .apiKey {
                let key = try await self.context.vault.getString(owner: connection.vaultOwner, name: "api_key") ?? ""
                _ = try await keys.test(provider, key: key)
            } else {
                if OAuthFlow.needsRefresh(connection, now: self.context.jobs.clock.now()) {
                    connection = try await oauth.refresh(connection.id, force: false, by: AuditActor(context))
                }
                let token = try await self.context.vault.getString(owner: connection.vaultOwner, name: "access_token") ?? ""
                try await oauth.client(provider).testCall(accessToken: token, accountID: connection.account?.id)
            }
        } catch let error as APIKeyCheck.Failure {
            failure = error.message
        } catch let error as OAuthError {
            failure = "\(provider.rawValue) refused the connection's token: \(error)"
        } catch let error as OAuthFlow.RefreshFailed {
            failure = "the token could not be refreshed: \(error)"
        }
        let milliseconds = Int((ContinuousClock.now - started).microseconds / 1000)
        let (id, outcome) = (connection.id, failure)
        try await self.context.transaction { unit in
            let failure = outcome
            guard var current = try await VenuesStorage.connection(id: id, lock: true, in: unit) else { return }
            let at = VenuesStorage.timestamp(unit.now)
            current.healthStatus = failure == nil ? .healthy : .unhealthy
            current.healthCheckedAt = at
            if let failure {
                current.lastError = failure
                current.lastErrorAt = at
            }
            try await VenuesStorage.saveConnection(current, in: unit)
        }
        return try .json(encoding: Envelope(data: TestOutcome(ok: failure == nil, milliseconds: milliseconds, error: failure)))
    }

    struct TestOutcome: Encodable {
        let ok: Bool
        let milliseconds: Int
        let error: String?
    }

    /// Revokes an OAuth connection's token at the provider, where it offers revocation; what
    /// happened, for the audit log (a failed revocation does not stop the disconnection).
    private func revoke(venue: String, provider: VenueProvider) async throws -> String? {
        guard provider.authorization == .oauth,
            let connection = try await VenuesStorage.connection(venue: venue, provider: provider, on: context.database),
            let token = try await context.vault.getString(owner: connection.vaultOwner, name: "access_token"),
            let client = try? oauth.client(provider), client.app.revokeURL != nil
        else { return nil }
        do {
            try await client.revoke(token: token)
            return "token revoked at \(provider.rawValue)"
        } catch {
            return "revocation at \(provider.rawValue) failed: \(error)"
        }
    }

    // MARK: Parts

    struct Envelope<Data: Encodable>: Encodable {
        let success = true
        let data: Data
    }

    struct ConnectAnswer: Encodable {
        let message: String
        let integrationType: VenueProvider
        let integration: Connection
        enum CodingKeys: String, CodingKey {
            case message, integration
            case integrationType = "integration_type"
        }
    }

    struct AuthorizationStart: Encodable {
        let authURL: String
        let message = "Please complete OAuth authorization"
        let stateExpiresAt: String
        enum CodingKeys: String, CodingKey {
            case message
            case authURL = "auth_url"
            case stateExpiresAt = "state_expires_at"
        }
    }

    struct KeyValidity: Encodable {
        let valid: Bool
        let account: Connection.Account?
        let error: String?
    }

    struct Disconnected: Encodable {
        let success = true
        let message: String
        let data: Connection
    }

    static func provider(_ context: APIRequestContext) throws -> VenueProvider {
        let name = try context.parameters.require("provider")
        guard let provider = VenueProvider(rawValue: name) else {
            throw APIError.badRequest(
                "UNKNOWN_PROVIDER", "'\(name)' is not a provider a venue can connect; use one of \(VenueProvider.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return provider
    }

    static func apiKey(_ key: String?, _ provider: VenueProvider) throws -> String {
        guard let key = key?.trimmingCharacters(in: .whitespaces), !key.isEmpty else {
            throw APIError.badRequest("CREDENTIALS_REQUIRED", "\(provider.rawValue) needs credentials.api_key: the account's secret key (sk_…) or a restricted key (rk_…)")
        }
        guard key.hasPrefix("sk_") || key.hasPrefix("rk_"), key.count <= 255, key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw APIError.badRequest(
                "INVALID_FIELD", "the API key is not a Stripe secret key: it starts with sk_ (or rk_ for a restricted key)",
                details: .object(["field": "api_key"]))
        }
        return key
    }

    static func config(_ input: ConnectInput.Config?) throws -> Connection.SyncConfig {
        var config = Connection.SyncConfig()
        if let enabled = input?.syncEnabled { config.syncEnabled = enabled }
        if let interval = input?.syncInterval {
            guard (60...86400).contains(interval) else {
                throw APIError.badRequest(
                    "INVALID_FIELD", "config.sync_interval must be from 60 to 86400 seconds", details: .object(["field": "config.sync_interval"]))
            }
            config.syncInterval = interval
        }
        if let direction = input?.syncDirection { config.syncDirection = direction }
        return config
    }

    static func notConnected(_ provider: VenueProvider, _ venue: String) -> APIError {
        .notFound("INTEGRATION_NOT_FOUND", "venue \(venue) has no \(provider.rawValue) integration; connect it with POST /api/v1/integrations/connect/\(provider.rawValue)")
    }
}
