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
        )
    ]
}
