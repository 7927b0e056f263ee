import Foundation

/// A venue — a concert hall, a theatre, a restaurant — that connects its own provider
/// accounts. Venues are the module's tenants.
struct Venue: Codable, Sendable, Equatable {
    var id: String
    var name: String
    var venueType: String
    /// Where the venue is told of what happens to its connections (Standard Webhooks).
    var webhookURL: String?
    /// The secret notices are signed with: in the answer that set `webhook_url` only (it is
    /// kept in the vault, never shown again).
    var webhookSecret: String? = nil
    var createdAt: String
    var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, name
        case venueType = "venue_type"
        case webhookURL = "webhook_url"
        case webhookSecret = "webhook_secret"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// The providers a venue can connect, and how each is authorized.
enum VenueProvider: String, Codable, Sendable, CaseIterable {
    case square, stripe, mailchimp, quickbooks

    enum Authorization: String, Codable, Sendable {
        case oauth
        case apiKey = "api_key"
    }

    var authorization: Authorization { self == .stripe ? .apiKey : .oauth }
}

/// A venue's connection to one provider (seed 004's integration config).
struct Connection: Codable, Sendable, Equatable {
    enum Status: String, Codable, Sendable, CaseIterable {
        case disconnected, connecting, connected, error, suspended
    }

    enum Health: String, Codable, Sendable, CaseIterable {
        case healthy, degraded, unhealthy, unknown
    }

    /// How the connection syncs (seed: `syncEnabled`, `syncInterval`, `syncDirection`).
    struct SyncConfig: Codable, Sendable, Equatable {
        var syncEnabled: Bool = true
        var syncInterval: Int = 300
        var syncDirection: Direction = .bidirectional

        enum Direction: String, Codable, Sendable, CaseIterable {
            case bidirectional, inbound, outbound
        }

        enum CodingKeys: String, CodingKey {
            case syncEnabled = "sync_enabled"
            case syncInterval = "sync_interval"
            case syncDirection = "sync_direction"
        }
    }

    /// The provider account the credentials belong to.
    struct Account: Codable, Sendable, Equatable {
        var id: String
        var name: String?
    }

    var id: String
    var venueID: String
    var integrationType: VenueProvider
    var authType: VenueProvider.Authorization
    var status: Status
    var account: Account?
    var config: SyncConfig
    var connectedAt: String?
    var disconnectedAt: String?
    var lastSyncAt: String?
    var healthStatus: Health
    var healthCheckedAt: String?
    var failureCount: Int
    var lastError: String?
    var lastErrorAt: String?
    /// OAuth: when the access token expires (nil: it does not, or an API key).
    var tokenExpiresAt: String?
    var lastRefreshedAt: String?
    var refreshCount: Int?
    /// Refreshes that failed in a row (three put the connection in `error`).
    var refreshFailures: Int?
    var createdAt: String
    var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, status, account, config
        case tokenExpiresAt = "token_expires_at"
        case lastRefreshedAt = "last_refreshed_at"
        case refreshCount = "refresh_count"
        case refreshFailures = "refresh_failures"
        case venueID = "venue_id"
        case integrationType = "integration_type"
        case authType = "auth_type"
        case connectedAt = "connected_at"
        case disconnectedAt = "disconnected_at"
        case lastSyncAt = "last_sync_at"
        case healthStatus = "health_status"
        case healthCheckedAt = "health_checked_at"
        case failureCount = "failure_count"
        case lastError = "last_error"
        case lastErrorAt = "last_error_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    /// A connection not yet connected.
    static func new(id: String, venue: String, provider: VenueProvider, config: SyncConfig, at: String) -> Connection {
        Connection(
            id: id, venueID: venue, integrationType: provider, authType: provider.authorization, status: .connecting, account: nil,
            config: config, connectedAt: nil, disconnectedAt: nil, lastSyncAt: nil, healthStatus: .unknown, healthCheckedAt: nil,
            failureCount: 0, lastError: nil, lastErrorAt: nil, tokenExpiresAt: nil, lastRefreshedAt: nil, refreshCount: nil,
            refreshFailures: nil, createdAt: at, updatedAt: at)
    }

    /// Marks it connected to `account` at `at`, with no error.
    mutating func connected(to account: Account, at: String) {
        status = .connected
        self.account = account
        connectedAt = at
        disconnectedAt = nil
        healthStatus = .healthy
        healthCheckedAt = at
        failureCount = 0
        refreshFailures = 0
        lastError = nil
        lastErrorAt = nil
        updatedAt = at
    }

    /// The vault owner of this connection's credentials.
    var vaultOwner: String { "venues/\(id)" }
}

/// One integration action, as the audit log keeps it: who, what, when, from where, outcome.
struct AuditEntry: Codable, Sendable, Equatable {
    enum Outcome: String, Codable, Sendable {
        case succeeded, failed
    }

    var id: String
    var venueID: String
    var action: String
    var provider: VenueProvider?
    var actor: String
    var role: String
    var address: String?
    var outcome: Outcome
    var detail: String?
    var at: String

    enum CodingKeys: String, CodingKey {
        case id, action, provider, actor, role, address, outcome, detail, at
        case venueID = "venue_id"
    }
}
