import PonteStore

/// The kiosk module's tables. Sessions and tickets are kept as their JSON documents (what the
/// API shows) beside the columns their queries, jobs and uniqueness rules use.
enum KioskSchema {
    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "kiosk_locations_sessions_tickets",
            sql: [
                """
                CREATE TABLE kiosk_locations (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    time_zone TEXT NOT NULL,
                    printer TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE kiosk_services (
                    id TEXT PRIMARY KEY,
                    location_id TEXT NOT NULL REFERENCES kiosk_locations (id),
                    name TEXT NOT NULL,
                    price BIGINT NOT NULL,
                    ticket_prefix TEXT NOT NULL,
                    active INTEGER NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX kiosk_services_location ON kiosk_services (location_id, id)",
                """
                CREATE TABLE kiosk_sessions (
                    id TEXT PRIMARY KEY,
                    location_id TEXT NOT NULL REFERENCES kiosk_locations (id),
                    service_id TEXT NOT NULL REFERENCES kiosk_services (id),
                    status TEXT NOT NULL,
                    transaction_id TEXT UNIQUE,
                    idempotency_key TEXT UNIQUE,
                    request_hash TEXT,
                    ticket_id TEXT,
                    paid_at BIGINT,
                    document TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX kiosk_sessions_created ON kiosk_sessions (created_at)",
                "CREATE INDEX kiosk_sessions_paid ON kiosk_sessions (status, ticket_id, paid_at)",
                """
                CREATE TABLE kiosk_tickets (
                    id TEXT PRIMARY KEY,
                    location_id TEXT NOT NULL REFERENCES kiosk_locations (id),
                    session_id TEXT NOT NULL UNIQUE REFERENCES kiosk_sessions (id),
                    service_day TEXT NOT NULL,
                    ticket_prefix TEXT NOT NULL,
                    sequence INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    document TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    UNIQUE (location_id, service_day, ticket_prefix, sequence)
                )
                """,
                "CREATE INDEX kiosk_tickets_by_status ON kiosk_tickets (location_id, status, id)",
                "CREATE INDEX kiosk_tickets_by_location ON kiosk_tickets (location_id, id)",
            ]
        )
    ]
}
