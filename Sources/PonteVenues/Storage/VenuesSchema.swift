import PonteStore

/// The venues module's tables: venues (the tenants), their connections to providers, and the
/// audit log of every integration action. Credentials are not here: they are in the vault,
/// owned by their connection.
enum VenuesSchema {
    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "venues_connections_audit",
            sql: [
                """
                CREATE TABLE venues (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    venue_type TEXT NOT NULL,
                    webhook_url TEXT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX venues_by_creation ON venues (created_at, id)",
                """
                CREATE TABLE venue_connections (
                    id TEXT PRIMARY KEY,
                    venue_id TEXT NOT NULL REFERENCES venues (id),
                    provider TEXT NOT NULL,
                    status TEXT NOT NULL,
                    document TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    UNIQUE (venue_id, provider)
                )
                """,
                """
                CREATE TABLE venue_audit (
                    id TEXT PRIMARY KEY,
                    venue_id TEXT NOT NULL,
                    action TEXT NOT NULL,
                    document TEXT NOT NULL,
                    at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX venue_audit_by_venue ON venue_audit (venue_id, id)",
            ]
        ),
        Migration(
            version: 2, name: "venue_oauth_states_refresh_lease",
            sql: [
                // A state is kept by its SHA-256 only: whoever reads the table cannot complete
                // someone's authorization with it.
                """
                CREATE TABLE venue_oauth_states (
                    state_hash TEXT PRIMARY KEY,
                    venue_id TEXT NOT NULL REFERENCES venues (id),
                    provider TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    role TEXT NOT NULL,
                    redirect_uri TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    used_at BIGINT
                )
                """,
                "CREATE INDEX venue_oauth_states_expiry ON venue_oauth_states (expires_at)",
                // While set and in the future, one process is refreshing the connection's token.
                "ALTER TABLE venue_connections ADD COLUMN refresh_lease_until BIGINT",
            ]
        ),
    ]
}
