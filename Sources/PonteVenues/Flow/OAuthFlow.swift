import Crypto
import Foundation
import HTTPTypes
import PonteCore
import PonteJobs
import PonteKit
import PonteProviders
import PonteStore

/// OAuth 2.0 connections (seed 004, critical feature 2): the authorization started with a
/// state kept durably (its hash, with venue, user and provider; 10 minutes; used once); the callback that exchanges the
/// code and keeps the tokens encrypted; and refreshes — a job at each token's expiry minus 5
/// minutes, or asked for — serialized across every process by a lease on the connection row,
/// so that two processes never refresh one token at once and the newest refresh token is the
/// one kept. Three failed refreshes in a row put the connection in `error` and tell the venue
/// (its stream, and its webhook_url).
struct OAuthFlow: Sendable {
    let context: ModuleContext
    let audit: VenueAudit
    let notices: VenueNotices

    static let queue = "venues"
    static let refreshJob = JobKind<ConnectionReference>("venues.oauth.refresh", queue: queue, maxAttempts: 10)
    static let stateLifetime: Int64 = 10 * 60 * 1_000_000
    /// Tokens are refreshed this long before they expire.
    static let refreshMargin: Int64 = 5 * 60 * 1_000_000
    /// How long one process may hold a connection's refresh before another may take it over.
    static let leaseLength: Int64 = 30 * 1_000_000
    static let failuresBeforeError = 3

    struct ConnectionReference: Codable, Sendable {
        let connectionID: String
        enum CodingKeys: String, CodingKey { case connectionID = "connection_id" }
    }

    static func refreshKey(_ connection: String) -> String { "venues:refresh:\(connection)" }

    func client(_ provider: VenueProvider) throws -> OAuthClient {
        guard let app = OAuthApp.Provider(rawValue: provider.rawValue), let client = context.providers.oauth(app) else {
            let names = [
                VenueProvider.square: "SQUARE_APP_ID and SQUARE_APP_SECRET", .mailchimp: "MAILCHIMP_CLIENT_ID and MAILCHIMP_CLIENT_SECRET",
                .quickbooks: "QUICKBOOKS_CLIENT_ID and QUICKBOOKS_CLIENT_SECRET",
            ]
            throw APIError.conflict(
                "OAUTH_APP_NOT_CONFIGURED", "\(provider.rawValue)'s OAuth app is not configured: set \(names[provider] ?? "its credentials"), or run with --sandbox")
        }
        return client
    }

    // MARK: Starting

    /// Starts an authorization: the URL to send the venue's user to, and when it expires.
    func start(
        venue: Venue, provider: VenueProvider, config: Connection.SyncConfig, redirectURI: String, by actor: AuditActor
    ) async throws -> (url: String, expiresAt: String) {
        let client = try client(provider)
        let state = Self.randomToken()
        let hash = Self.hash(state)
        let expiresAt = try await context.transaction { unit -> Int64 in
            _ = try await VenuesStorage.venue(venue.id, lock: true, in: unit)
            let expiresAt = unit.now + Self.stateLifetime
            try await VenuesStorage.insertOAuthState(
                hash: hash, venue: venue.id, provider: provider, subject: actor.subject, role: actor.role, redirectURI: redirectURI,
                expiresAt: expiresAt, in: unit)
            let at = VenuesStorage.timestamp(unit.now)
            var connection = try await VenuesStorage.connection(venue: venue.id, provider: provider, lock: true, in: unit)
                ?? Connection.new(id: VenuesStorage.connectionIDs.next(at: VenuesStorage.date(unit.now)), venue: venue.id, provider: provider, config: config, at: at)
            if connection.status != .connected { connection.status = .connecting }
            connection.config = config
            connection.updatedAt = at
            try await VenuesStorage.saveConnection(connection, in: unit)
            try await audit.record("connect", venue: venue.id, provider: provider, detail: "authorization started", by: actor, in: unit)
            return expiresAt
        }
        let url = client.app.authorizationURL(state: state, redirectURI: redirectURI)
        return (url, VenuesStorage.timestamp(expiresAt))
    }

    // MARK: The callback

    /// What a callback came to.
    enum Completion {
        case connected(Connection)
        case refused(venue: String, reason: String)
    }

    /// Completes an authorization: the state used (once), the code exchanged, the tokens
    /// stored encrypted, the connection `connected`, its refresh scheduled.
    func complete(
        provider: VenueProvider, state: String, code: String?, error: String?, errorDescription: String?, realmID: String?,
        address: String?
    ) async throws -> Completion {
        let hash = Self.hash(state)
        let saved = try await context.transaction { unit -> VenuesStorage.OAuthState in
            guard let saved = try await VenuesStorage.consumeOAuthState(hash: hash, provider: provider, in: unit) else {
                throw APIError(
                    .unauthorized, code: "OAUTH_STATE_INVALID",
                    message: "this authorization's state is unknown, expired (10 minutes) or already used; start again with POST /api/v1/integrations/connect/\(provider.rawValue)")
            }
            return saved
        }
        let actor = AuditActor(subject: saved.subject, role: saved.role, address: address)
        if let error {
            let reason = error + (errorDescription.map { ": \($0)" } ?? "")
            try await endAttempt(saved.venueId, provider, reason: "the provider answered \(reason)", by: actor)
            return .refused(venue: saved.venueId, reason: error)
        }
        guard let code, !code.isEmpty else {
            try await endAttempt(saved.venueId, provider, reason: "the callback brought no code", by: actor)
            throw APIError.badRequest("OAUTH_CODE_REQUIRED", "the callback has no code (and no error)")
        }
        let tokens: OAuthTokens
        do {
            tokens = try await client(provider).exchange(code: code, redirectURI: saved.redirectUri, now: now())
        } catch let failure as OAuthError {
            try await endAttempt(saved.venueId, provider, reason: "the code exchange failed: \(failure)", by: actor)
            return .refused(venue: saved.venueId, reason: failure.code)
        }
        let accountID = (provider == .quickbooks ? realmID : tokens.accountID) ?? "unknown"
        let connection = try await context.transaction { unit -> Connection in
            guard var connection = try await VenuesStorage.connection(venue: saved.venueId, provider: provider, lock: true, in: unit) else {
                throw StoreError("the connection of venue \(saved.venueId) to \(provider.rawValue) disappeared during its authorization")
            }
            let at = VenuesStorage.timestamp(unit.now)
            try await context.vault.deleteAll(owner: connection.vaultOwner, in: unit.executor)
            try await store(tokens, of: connection, in: unit)
            connection.connected(to: Connection.Account(id: accountID, name: tokens.accountName), at: at)
            connection.tokenExpiresAt = tokens.expiresAt.map { VenuesStorage.timestamp(Self.microseconds($0)) }
            try await VenuesStorage.saveConnection(connection, in: unit)
            try await scheduleRefresh(connection, tokens, in: unit)
            try await audit.record("oauth.callback", venue: saved.venueId, provider: provider, detail: "account \(accountID)", by: actor, in: unit)
            return connection
        }
        return .connected(connection)
    }

    /// An authorization that ended without tokens: audited, and a connection that was only
    /// connecting goes back to `disconnected`.
    private func endAttempt(_ venue: String, _ provider: VenueProvider, reason: String, by actor: AuditActor) async throws {
        try await context.transaction { unit in
            if var connection = try await VenuesStorage.connection(venue: venue, provider: provider, lock: true, in: unit),
                connection.status == .connecting
            {
                connection.status = .disconnected
                connection.updatedAt = VenuesStorage.timestamp(unit.now)
                try await VenuesStorage.saveConnection(connection, in: unit)
            }
            try await audit.record("oauth.callback", venue: venue, provider: provider, outcome: .failed, detail: reason, by: actor, in: unit)
        }
    }

    // MARK: Refreshing

    /// Refreshes the connection's access token, unless (without `force`) another process has
    /// just done it. One process at a time refreshes a connection: the others wait for its
    /// result and use the token it stored.
    @discardableResult
    func refresh(_ connectionID: String, force: Bool, by actor: AuditActor) async throws -> Connection {
        // A refresh counted after this one was asked for is one it can use instead.
        let countAsked = try await VenuesStorage.connection(id: connectionID, on: context.database)?.refreshCount ?? 0
        for _ in 0..<200 {
            let now = context.jobs.clock.now()
            guard try await VenuesStorage.takeRefreshLease(connectionID, now: now, until: now + Self.leaseLength, on: context.database) else {
                try await Task.sleep(for: .milliseconds(50))
                continue
            }
            guard let connection = try await VenuesStorage.connection(id: connectionID, on: context.database) else {
                throw APIError.notFound("INTEGRATION_NOT_FOUND", "no connection \(connectionID)")
            }
            // Someone refreshed it while this caller waited (or long enough before): use theirs.
            let refreshedMeanwhile = (connection.refreshCount ?? 0) > countAsked
            if connection.status != .connected || refreshedMeanwhile || (!force && !Self.needsRefresh(connection, now: now)) {
                try await VenuesStorage.releaseRefreshLease(connectionID, on: context.database)
                return connection
            }
            return try await refreshHoldingLease(connection, by: actor)
        }
        throw APIError(.serviceUnavailable, code: "REFRESH_BUSY", message: "another process has been refreshing this connection's token for too long; try again")
    }

    static func needsRefresh(_ connection: Connection, now: Int64) -> Bool {
        guard let expires = connection.tokenExpiresAt.flatMap(VenuesStorage.microseconds) else { return false }
        return expires - refreshMargin <= now
    }

    private func refreshHoldingLease(_ connection: Connection, by actor: AuditActor) async throws -> Connection {
        let provider = connection.integrationType
        guard let refreshToken = try await context.vault.getString(owner: connection.vaultOwner, name: "refresh_token") else {
            try await VenuesStorage.releaseRefreshLease(connection.id, on: context.database)
            throw APIError.badRequest("RECONNECT_REQUIRED", "\(provider.rawValue) gave this connection no refresh token; please reconnect manually")
        }
        do {
            let tokens = try await client(provider).refresh(refreshToken: refreshToken, now: now())
            return try await context.transaction { unit -> Connection in
                var connection = try await VenuesStorage.connection(id: connection.id, lock: true, in: unit) ?? connection
                try await store(tokens, of: connection, in: unit)
                let at = VenuesStorage.timestamp(unit.now)
                connection.tokenExpiresAt = tokens.expiresAt.map { VenuesStorage.timestamp(Self.microseconds($0)) }
                connection.lastRefreshedAt = at
                connection.refreshCount = (connection.refreshCount ?? 0) + 1
                connection.refreshFailures = 0
                connection.status = .connected
                connection.healthStatus = .healthy
                connection.updatedAt = at
                try await VenuesStorage.saveConnection(connection, in: unit)
                try await VenuesStorage.releaseRefreshLease(connection.id, in: unit)
                try await scheduleRefresh(connection, tokens, in: unit)
                try await audit.record("oauth.refresh", venue: connection.venueID, provider: provider, by: actor, in: unit)
                return connection
            }
        } catch let failure as OAuthError {
            let failed = try await recordFailure(connection.id, "the token refresh failed: \(failure)", by: actor)
            throw RefreshFailed(connection: failed, error: failure)
        } catch {
            try? await VenuesStorage.releaseRefreshLease(connection.id, on: context.database)
            throw error
        }
    }

    /// Why a refresh failed, with the connection as it is after it.
    struct RefreshFailed: Error, CustomStringConvertible {
        let connection: Connection
        let error: OAuthError
        var description: String { "\(error)" }
    }

    /// Counts a failed refresh; the third in a row puts the connection in `error` and tells the
    /// venue on its stream (`venue:<id>`, INTEGRATION_ERROR).
    private func recordFailure(_ id: String, _ reason: String, by actor: AuditActor) async throws -> Connection {
        try await context.transaction { unit -> Connection in
            guard var connection = try await VenuesStorage.connection(id: id, lock: true, in: unit) else {
                throw StoreError("connection \(id) disappeared during its refresh")
            }
            let at = VenuesStorage.timestamp(unit.now)
            let failures = (connection.refreshFailures ?? 0) + 1
            connection.refreshFailures = failures
            connection.failureCount += 1
            connection.lastError = reason
            connection.lastErrorAt = at
            connection.healthStatus = .degraded
            connection.updatedAt = at
            if failures >= Self.failuresBeforeError {
                connection.status = .error
                connection.healthStatus = .unhealthy
                let notice = IntegrationNotice(provider: connection.integrationType, status: connection.status, reason: reason, failures: failures, at: at)
                try await unit.append(to: "venue:\(connection.venueID)", type: "INTEGRATION_ERROR", data: notice)
                try await notices.enqueue(venue: connection.venueID, type: "integration.error", data: notice, in: unit)
            }
            try await VenuesStorage.saveConnection(connection, in: unit)
            try await VenuesStorage.releaseRefreshLease(id, in: unit)
            try await audit.record(
                "oauth.refresh", venue: connection.venueID, provider: connection.integrationType, outcome: .failed, detail: reason, by: actor,
                in: unit)
            return connection
        }
    }

    struct IntegrationNotice: Encodable {
        let provider: VenueProvider
        let status: Connection.Status
        let reason: String
        let failures: Int
        let at: String
    }

    /// The refresh job: at the token's expiry minus 5 minutes. It retries until three
    /// refreshes in a row have failed, then leaves the connection in `error`.
    func runRefreshJob(_ reference: ConnectionReference, job: JobContext) async throws {
        do {
            try await refresh(reference.connectionID, force: false, by: .hub)
        } catch let failed as RefreshFailed {
            if failed.connection.status == .error { return }  // the venue was told; retrying cannot help
            throw failed
        }
    }

    // MARK: Parts

    private func store(_ tokens: OAuthTokens, of connection: Connection, in unit: UnitOfWork) async throws {
        try await context.vault.put(owner: connection.vaultOwner, name: "access_token", secret: tokens.accessToken, now: unit.now, in: unit.executor)
        if let refresh = tokens.refreshToken {
            try await context.vault.put(owner: connection.vaultOwner, name: "refresh_token", secret: refresh, now: unit.now, in: unit.executor)
        }
    }

    private func scheduleRefresh(_ connection: Connection, _ tokens: OAuthTokens, in unit: UnitOfWork) async throws {
        let key = Self.refreshKey(connection.id)
        try await unit.cancelPendingJobs(uniqueKeys: [key])
        guard let expiresAt = tokens.expiresAt, tokens.refreshToken != nil else { return }
        let runAt = max(unit.now, Self.microseconds(expiresAt) - Self.refreshMargin)
        try await unit.enqueue(Self.refreshJob, ConnectionReference(connectionID: connection.id), runAt: runAt, uniqueKey: key)
    }

    private func now() -> Date { VenuesStorage.date(context.jobs.clock.now()) }

    static func microseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }

    static func randomToken() -> String {
        base64URL(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    static func hash(_ state: String) -> String {
        Hex.string(SHA256.hash(data: Array(state.utf8)))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
