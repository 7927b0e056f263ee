import Foundation
import PonteCore
import PonteJobs
import PonteKit
import PonteStore

/// Reads and writes the module's rows: clients, stores and their policies, store keys,
/// orders and notifications. Writes go through a unit of work; reads outside one use the
/// database directly.
enum OrdersStorage: ModuleStorage {
    static let clientIDs = SortableIDGenerator(prefix: "cli_")
    static let storeIDs = SortableIDGenerator(prefix: "st_")
    static let orderIDs = SortableIDGenerator(prefix: "ord_")
    static let keyIDs = SortableIDGenerator(prefix: "sk_")
    static let notificationIDs = SortableIDGenerator(prefix: "ntf_")

    // MARK: Clients

    private struct ClientRow: Decodable {
        let id: String
        let name: String
        let createdAt: Int64
        let updatedAt: Int64

        var client: Client {
            Client(id: id, name: name, createdAt: OrdersStorage.timestamp(createdAt), updatedAt: OrdersStorage.timestamp(updatedAt))
        }
    }

    static func insertClient(name: String, in unit: UnitOfWork) async throws -> Client {
        let id = clientIDs.next(at: date(unit.now))
        try await unit.insert(
            into: "orders_clients",
            ["id": .text(id), "name": .text(name), "created_at": .integer(unit.now), "updated_at": .integer(unit.now)]
        )
        return Client(id: id, name: name, createdAt: timestamp(unit.now), updatedAt: timestamp(unit.now))
    }

    static func client(_ id: String, on database: any StoreDatabase) async throws -> Client? {
        try await database.read("SELECT id, name, created_at, updated_at FROM orders_clients WHERE id = ?", [.text(id)])
            .first.map { try $0.decode(ClientRow.self).client }
    }

    static func clients(after cursor: String?, limit: Int, on database: any StoreDatabase) async throws -> [Client] {
        var sql = "SELECT id, name, created_at, updated_at FROM orders_clients"
        var binds: [SQLValue] = []
        if let cursor {
            sql += " WHERE id < ?"
            binds.append(.text(cursor))
        }
        sql += " ORDER BY id DESC LIMIT \(limit)"
        return try await database.read(sql, binds).map { try $0.decode(ClientRow.self).client }
    }

    static func renameClient(_ id: String, name: String, in unit: UnitOfWork) async throws -> Client? {
        try await unit.query("UPDATE orders_clients SET name = ?, updated_at = ? WHERE id = ?", [.text(name), .integer(unit.now), .text(id)])
        return try await unit.fetchOne(ClientRow.self, "SELECT id, name, created_at, updated_at FROM orders_clients WHERE id = ?", [.text(id)])?
            .client
    }

    // MARK: Stores

    private struct StoreRow: Decodable {
        let id: String
        let clientId: String
        let name: String
        let timeZone: String
        let operatingHours: String
        let whatsappNumber: String?
        let ifoodMerchantId: String?
        let orderConfig: String?
        let createdAt: Int64
        let updatedAt: Int64

        func store() throws -> Store {
            Store(
                id: id, clientID: clientId, name: name, timeZone: timeZone,
                operatingHours: try OrdersStorage.decode([String: [[String]]].self, operatingHours),
                whatsappNumber: whatsappNumber, ifoodMerchantID: ifoodMerchantId,
                createdAt: OrdersStorage.timestamp(createdAt), updatedAt: OrdersStorage.timestamp(updatedAt)
            )
        }

        func config() throws -> OrderConfig {
            try orderConfig.map { try OrdersStorage.decode(OrderConfig.self, $0) } ?? .defaults
        }
    }

    private static let storeColumns =
        "id, client_id, name, time_zone, operating_hours, whatsapp_number, ifood_merchant_id, order_config, created_at, updated_at"

    static func insertStore(_ store: Store, in unit: UnitOfWork) async throws {
        try await unit.insert(
            into: "orders_stores",
            [
                "id": .text(store.id), "client_id": .text(store.clientID), "name": .text(store.name),
                "time_zone": .text(store.timeZone), "operating_hours": .text(try json(store.operatingHours)),
                "whatsapp_number": store.whatsappNumber.map(SQLValue.text) ?? .null,
                "ifood_merchant_id": store.ifoodMerchantID.map(SQLValue.text) ?? .null,
                "created_at": .integer(unit.now), "updated_at": .integer(unit.now),
            ]
        )
    }

    static func updateStore(_ store: Store, in unit: UnitOfWork) async throws {
        try await unit.query(
            """
            UPDATE orders_stores SET name = ?, time_zone = ?, operating_hours = ?, whatsapp_number = ?, ifood_merchant_id = ?,
            updated_at = ? WHERE id = ?
            """,
            [
                .text(store.name), .text(store.timeZone), .text(try json(store.operatingHours)),
                store.whatsappNumber.map(SQLValue.text) ?? .null, store.ifoodMerchantID.map(SQLValue.text) ?? .null,
                .integer(unit.now), .text(store.id),
            ]
        )
    }

    /// The store and its policy (the seed's defaults when it has none).
    static func store(_ id: String, on database: any StoreDatabase) async throws -> (store: Store, config: OrderConfig)? {
        guard let row = try await database.read("SELECT \(storeColumns) FROM orders_stores WHERE id = ?", [.text(id)]).first else { return nil }
        let decoded = try row.decode(StoreRow.self)
        return (try decoded.store(), try decoded.config())
    }

    static func store(_ id: String, in unit: UnitOfWork) async throws -> (store: Store, config: OrderConfig)? {
        guard let row = try await unit.fetchOne(StoreRow.self, "SELECT \(storeColumns) FROM orders_stores WHERE id = ?", [.text(id)])
        else { return nil }
        return (try row.store(), try row.config())
    }

    static func store(ifoodMerchantID: String, in unit: UnitOfWork) async throws -> (store: Store, config: OrderConfig)? {
        guard
            let row = try await unit.fetchOne(
                StoreRow.self, "SELECT \(storeColumns) FROM orders_stores WHERE ifood_merchant_id = ?", [.text(ifoodMerchantID)])
        else { return nil }
        return (try row.store(), try row.config())
    }

    static func stores(clientID: String, after cursor: String?, limit: Int, on database: any StoreDatabase) async throws -> [Store] {
        var sql = "SELECT \(storeColumns) FROM orders_stores WHERE client_id = ?"
        var binds: [SQLValue] = [.text(clientID)]
        if let cursor {
            sql += " AND id < ?"
            binds.append(.text(cursor))
        }
        sql += " ORDER BY id DESC LIMIT \(limit)"
        return try await database.read(sql, binds).map { try $0.decode(StoreRow.self).store() }
    }

    static func putConfig(_ config: OrderConfig, storeID: String, in unit: UnitOfWork) async throws {
        try await unit.query(
            "UPDATE orders_stores SET order_config = ?, updated_at = ? WHERE id = ?",
            [.text(try json(config)), .integer(unit.now), .text(storeID)]
        )
    }

    // MARK: Store keys

    static func insertKey(id: String, storeID: String, hash: String, prefix: String, in unit: UnitOfWork) async throws {
        try await unit.insert(
            into: "orders_store_keys",
            ["id": .text(id), "store_id": .text(storeID), "key_hash": .text(hash), "key_prefix": .text(prefix), "created_at": .integer(unit.now)]
        )
    }

    /// Revokes the key; false when the store has no such key (or it was revoked already).
    static func revokeKey(_ id: String, storeID: String, in unit: UnitOfWork) async throws -> Bool {
        struct Row: Decodable { let id: String }
        let found = try await unit.fetchOne(
            Row.self, "SELECT id FROM orders_store_keys WHERE id = ? AND store_id = ? AND revoked_at IS NULL", [.text(id), .text(storeID)])
        guard found != nil else { return false }
        try await unit.query("UPDATE orders_store_keys SET revoked_at = ? WHERE id = ?", [.integer(unit.now), .text(id)])
        return true
    }

    struct KeyRow: Decodable, Sendable {
        let id: String
        let storeId: String
        let revokedAt: Int64?
    }

    static func key(hash: String, on database: any StoreDatabase) async throws -> KeyRow? {
        try await database.read("SELECT id, store_id, revoked_at FROM orders_store_keys WHERE key_hash = ?", [.text(hash)])
            .first.map { try $0.decode(KeyRow.self) }
    }

    // MARK: Orders

    private struct DocumentRow: Decodable {
        let document: String
    }

    struct IdempotentRow: Decodable {
        let document: String
        let requestHash: String?
    }

    static func insertOrder(_ order: Order, idempotencyKey: String?, requestHash: String?, in unit: UnitOfWork) async throws {
        try await unit.insert(
            into: "orders",
            [
                "id": .text(order.id), "client_id": .text(order.clientID), "store_id": .text(order.storeID),
                "source": .text(order.source.rawValue), "external_id": order.externalID.map(SQLValue.text) ?? .null,
                "status": .text(order.status.rawValue), "payment_status": .text(order.paymentStatus.rawValue),
                "payment_id": order.paymentID.map(SQLValue.text) ?? .null,
                "customer_id": order.customerID.map(SQLValue.text) ?? .null, "phone_number": order.phoneNumber.map(SQLValue.text) ?? .null,
                "idempotency_key": idempotencyKey.map(SQLValue.text) ?? .null, "request_hash": requestHash.map(SQLValue.text) ?? .null,
                "document": .text(try json(order)), "created_at": .integer(unit.now), "updated_at": .integer(unit.now),
            ]
        )
    }

    static func updateOrder(_ order: Order, in unit: UnitOfWork) async throws {
        try await unit.query(
            "UPDATE orders SET status = ?, payment_status = ?, payment_id = ?, document = ?, updated_at = ? WHERE id = ?",
            [
                .text(order.status.rawValue), .text(order.paymentStatus.rawValue), order.paymentID.map(SQLValue.text) ?? .null,
                .text(try json(order)), .integer(unit.now), .text(order.id),
            ]
        )
    }

    /// The order, locked for the rest of the unit of work.
    static func lockOrder(_ id: String, in unit: UnitOfWork) async throws -> Order? {
        try await unit.fetchOne(DocumentRow.self, "SELECT document FROM orders WHERE id = ?", [.text(id)], forUpdate: true)
            .map { try decode(Order.self, $0.document) }
    }

    static func lockOrder(source: OrderSource, externalID: String, in unit: UnitOfWork) async throws -> Order? {
        try await unit.fetchOne(
            DocumentRow.self, "SELECT document FROM orders WHERE source = ? AND external_id = ?",
            [.text(source.rawValue), .text(externalID)], forUpdate: true
        ).map { try decode(Order.self, $0.document) }
    }

    static func lockOrder(paymentID: String, in unit: UnitOfWork) async throws -> Order? {
        try await unit.fetchOne(DocumentRow.self, "SELECT document FROM orders WHERE payment_id = ?", [.text(paymentID)], forUpdate: true)
            .map { try decode(Order.self, $0.document) }
    }

    static func order(_ id: String, on database: any StoreDatabase) async throws -> Order? {
        try await database.read("SELECT document FROM orders WHERE id = ?", [.text(id)]).first
            .map { try decode(Order.self, try $0.decode(DocumentRow.self).document) }
    }

    static func order(idempotencyKey: String, in unit: UnitOfWork) async throws -> IdempotentRow? {
        try await unit.fetchOne(
            IdempotentRow.self, "SELECT document, request_hash FROM orders WHERE idempotency_key = ?", [.text(idempotencyKey)])
    }

    /// One filter of the order list: the column and its value.
    struct OrderFilter {
        var storeID: String?
        var status: OrderStatus?
        var phoneNumber: String?
        var customerID: String?
        var paymentStatus: PaymentStatus?
    }

    static func orders(_ filter: OrderFilter, after cursor: String?, limit: Int, on database: any StoreDatabase) async throws -> [Order] {
        var conditions: [String] = []
        var binds: [SQLValue] = []
        func add(_ column: String, _ value: String?) {
            guard let value else { return }
            conditions.append("\(column) = ?")
            binds.append(.text(value))
        }
        add("store_id", filter.storeID)
        add("status", filter.status?.rawValue)
        add("phone_number", filter.phoneNumber)
        add("customer_id", filter.customerID)
        add("payment_status", filter.paymentStatus?.rawValue)
        if let cursor {
            conditions.append("id < ?")
            binds.append(.text(cursor))
        }
        var sql = "SELECT document FROM orders"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY id DESC LIMIT \(limit)"
        return try await database.read(sql, binds).map { try decode(Order.self, try $0.decode(DocumentRow.self).document) }
    }

    // MARK: Notifications

    struct NotificationRow: Decodable, Sendable {
        let id: String
        let orderId: String
        let event: String
        let recipient: String
        let sender: String?
        let body: String
        let status: String
        let messageSid: String?
        let error: String?
        let createdAt: Int64
        let updatedAt: Int64
    }

    static let notificationColumns = "id, order_id, event, recipient, sender, body, status, message_sid, error, created_at, updated_at"

    static func notifications(orderID: String, on database: any StoreDatabase) async throws -> [NotificationRow] {
        try await database.read("SELECT \(notificationColumns) FROM orders_notifications WHERE order_id = ? ORDER BY id", [.text(orderID)])
            .map { try $0.decode(NotificationRow.self) }
    }
}
