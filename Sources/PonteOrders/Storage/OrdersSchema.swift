import PonteStore

/// The orders module's tables. Each order is kept as its JSON document (what the API shows)
/// beside the columns its queries and jobs select by (seed 003 §2.3's indexes).
enum OrdersSchema {
    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "clients_stores_orders",
            sql: [
                """
                CREATE TABLE orders_clients (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE orders_stores (
                    id TEXT PRIMARY KEY,
                    client_id TEXT NOT NULL REFERENCES orders_clients (id),
                    name TEXT NOT NULL,
                    time_zone TEXT NOT NULL,
                    operating_hours TEXT NOT NULL,
                    whatsapp_number TEXT,
                    ifood_merchant_id TEXT UNIQUE,
                    order_config TEXT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX orders_stores_client ON orders_stores (client_id, id)",
                """
                CREATE TABLE orders_store_keys (
                    id TEXT PRIMARY KEY,
                    store_id TEXT NOT NULL REFERENCES orders_stores (id),
                    key_hash TEXT NOT NULL UNIQUE,
                    key_prefix TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    revoked_at BIGINT
                )
                """,
                """
                CREATE TABLE orders (
                    id TEXT PRIMARY KEY,
                    client_id TEXT NOT NULL,
                    store_id TEXT NOT NULL REFERENCES orders_stores (id),
                    source TEXT NOT NULL,
                    external_id TEXT,
                    status TEXT NOT NULL,
                    payment_status TEXT NOT NULL,
                    payment_id TEXT UNIQUE,
                    customer_id TEXT,
                    phone_number TEXT,
                    idempotency_key TEXT UNIQUE,
                    request_hash TEXT,
                    document TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    UNIQUE (source, external_id)
                )
                """,
                "CREATE INDEX orders_by_store_status ON orders (store_id, status, id)",
                "CREATE INDEX orders_by_store ON orders (store_id, id)",
                "CREATE INDEX orders_by_phone ON orders (phone_number, id)",
                "CREATE INDEX orders_by_customer ON orders (customer_id, id)",
                "CREATE INDEX orders_by_payment_status ON orders (payment_status, id)",
                """
                CREATE TABLE orders_notifications (
                    id TEXT PRIMARY KEY,
                    order_id TEXT NOT NULL REFERENCES orders (id),
                    event TEXT NOT NULL,
                    recipient TEXT NOT NULL,
                    sender TEXT,
                    body TEXT NOT NULL,
                    status TEXT NOT NULL,
                    message_sid TEXT UNIQUE,
                    error TEXT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    UNIQUE (order_id, event)
                )
                """,
            ]
        )
    ]
}
