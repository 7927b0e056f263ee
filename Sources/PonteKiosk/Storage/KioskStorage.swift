import Foundation
import PonteCore
import PonteJobs
import PonteKit
import PonteStore

/// Reads and writes the module's rows: locations, services, payment sessions and tickets.
/// Writes go through a unit of work; reads outside one use the database directly.
enum KioskStorage: ModuleStorage {
    static let locationIDs = SortableIDGenerator(prefix: "loc_")
    static let serviceIDs = SortableIDGenerator(prefix: "svc_")
    static let sessionIDs = SortableIDGenerator(prefix: "ps_")
    static let ticketIDs = SortableIDGenerator(prefix: "tk_")

    private struct DocumentRow: Decodable {
        let document: String
    }

    // MARK: Locations

    fileprivate struct LocationRow: Decodable {
        let id: String
        let name: String
        let timeZone: String
        let printer: String
        let createdAt: Int64
        let updatedAt: Int64

        func location() throws -> Location {
            Location(
                id: id, name: name, timeZone: timeZone, printer: try KioskStorage.decode(Printer.self, printer),
                createdAt: KioskStorage.timestamp(createdAt), updatedAt: KioskStorage.timestamp(updatedAt))
        }
    }

    fileprivate static let locationColumns = "id, name, time_zone, printer, created_at, updated_at"

    static func insertLocation(_ location: Location, in unit: UnitOfWork) async throws {
        try await unit.insert(
            into: "kiosk_locations",
            [
                "id": .text(location.id), "name": .text(location.name), "time_zone": .text(location.timeZone),
                "printer": .text(try json(location.printer)), "created_at": .integer(unit.now), "updated_at": .integer(unit.now),
            ])
    }

    static func updateLocation(_ location: Location, in unit: UnitOfWork) async throws {
        try await unit.query(
            "UPDATE kiosk_locations SET name = ?, time_zone = ?, printer = ?, updated_at = ? WHERE id = ?",
            [.text(location.name), .text(location.timeZone), .text(try json(location.printer)), .integer(unit.now), .text(location.id)])
    }

    static func location(_ id: String, on database: any StoreDatabase) async throws -> Location? {
        try await database.read("SELECT \(locationColumns) FROM kiosk_locations WHERE id = ?", [.text(id)]).first
            .map { try $0.decode(LocationRow.self).location() }
    }

    /// The location; with `lock`, locked for the rest of the unit of work (ticket numbers and
    /// calls to the queue take turns on it).
    static func location(_ id: String, lock: Bool = false, in unit: UnitOfWork) async throws -> Location? {
        try await unit.fetchOne(LocationRow.self, "SELECT \(locationColumns) FROM kiosk_locations WHERE id = ?", [.text(id)], forUpdate: lock)?
            .location()
    }

    static func locations(after cursor: String?, limit: Int, on database: any StoreDatabase) async throws -> [Location] {
        var sql = "SELECT \(locationColumns) FROM kiosk_locations"
        var binds: [SQLValue] = []
        if let cursor {
            sql += " WHERE id < ?"
            binds.append(.text(cursor))
        }
        sql += " ORDER BY id DESC LIMIT \(limit)"
        return try await database.read(sql, binds).map { try $0.decode(LocationRow.self).location() }
    }

    /// Deletes the location and its services; false when it has payment sessions (its history).
    static func deleteLocation(_ id: String, in unit: UnitOfWork) async throws -> Bool {
        struct Row: Decodable { let id: String }
        if try await unit.fetchOne(Row.self, "SELECT id FROM kiosk_sessions WHERE location_id = ? LIMIT 1", [.text(id)]) != nil { return false }
        try await unit.query("DELETE FROM kiosk_services WHERE location_id = ?", [.text(id)])
        try await unit.query("DELETE FROM kiosk_locations WHERE id = ?", [.text(id)])
        return true
    }

    // MARK: Services

    fileprivate struct ServiceRow: Decodable {
        let id: String
        let locationId: String
        let name: String
        let price: Int64
        let ticketPrefix: String
        let active: Int64
        let createdAt: Int64
        let updatedAt: Int64

        var service: KioskService {
            KioskService(
                id: id, locationID: locationId, name: name, price: Int(price), ticketPrefix: ticketPrefix, active: active != 0,
                createdAt: KioskStorage.timestamp(createdAt), updatedAt: KioskStorage.timestamp(updatedAt))
        }
    }

    fileprivate static let serviceColumns = "id, location_id, name, price, ticket_prefix, active, created_at, updated_at"

    static func insertService(_ service: KioskService, in unit: UnitOfWork) async throws {
        try await unit.insert(
            into: "kiosk_services",
            [
                "id": .text(service.id), "location_id": .text(service.locationID), "name": .text(service.name),
                "price": .integer(Int64(service.price)), "ticket_prefix": .text(service.ticketPrefix), "active": .integer(service.active ? 1 : 0),
                "created_at": .integer(unit.now), "updated_at": .integer(unit.now),
            ])
    }

    static func updateService(_ service: KioskService, in unit: UnitOfWork) async throws {
        try await unit.query(
            "UPDATE kiosk_services SET name = ?, price = ?, ticket_prefix = ?, active = ?, updated_at = ? WHERE id = ?",
            [
                .text(service.name), .integer(Int64(service.price)), .text(service.ticketPrefix), .integer(service.active ? 1 : 0),
                .integer(unit.now), .text(service.id),
            ])
    }

    static func service(_ id: String, on database: any StoreDatabase) async throws -> KioskService? {
        try await database.read("SELECT \(serviceColumns) FROM kiosk_services WHERE id = ?", [.text(id)]).first
            .map { try $0.decode(ServiceRow.self).service }
    }

    static func service(_ id: String, in unit: UnitOfWork) async throws -> KioskService? {
        try await unit.fetchOne(ServiceRow.self, "SELECT \(serviceColumns) FROM kiosk_services WHERE id = ?", [.text(id)])?.service
    }

    static func services(locationID: String, after cursor: String?, limit: Int, on database: any StoreDatabase) async throws -> [KioskService] {
        var sql = "SELECT \(serviceColumns) FROM kiosk_services WHERE location_id = ?"
        var binds: [SQLValue] = [.text(locationID)]
        if let cursor {
            sql += " AND id < ?"
            binds.append(.text(cursor))
        }
        sql += " ORDER BY id DESC LIMIT \(limit)"
        return try await database.read(sql, binds).map { try $0.decode(ServiceRow.self).service }
    }

    /// Deletes the service; false when sessions were sold for it (deactivate it instead).
    static func deleteService(_ id: String, in unit: UnitOfWork) async throws -> Bool {
        struct Row: Decodable { let id: String }
        if try await unit.fetchOne(Row.self, "SELECT id FROM kiosk_sessions WHERE service_id = ? LIMIT 1", [.text(id)]) != nil { return false }
        try await unit.query("DELETE FROM kiosk_services WHERE id = ?", [.text(id)])
        return true
    }

    // MARK: Payment sessions

    struct IdempotentRow: Decodable {
        let document: String
        let requestHash: String?
    }

    static func insertSession(_ session: PaymentSession, idempotencyKey: String?, requestHash: String?, in unit: UnitOfWork) async throws {
        try await unit.insert(
            into: "kiosk_sessions",
            [
                "id": .text(session.id), "location_id": .text(session.locationID), "service_id": .text(session.serviceID),
                "status": .text(session.status.rawValue), "transaction_id": session.transactionID.map(SQLValue.text) ?? .null,
                "idempotency_key": idempotencyKey.map(SQLValue.text) ?? .null, "request_hash": requestHash.map(SQLValue.text) ?? .null,
                "document": .text(try json(session)), "created_at": .integer(unit.now), "updated_at": .integer(unit.now),
            ])
    }

    static func updateSession(_ session: PaymentSession, in unit: UnitOfWork) async throws {
        try await unit.query(
            "UPDATE kiosk_sessions SET status = ?, transaction_id = ?, ticket_id = ?, paid_at = ?, document = ?, updated_at = ? WHERE id = ?",
            [
                .text(session.status.rawValue), session.transactionID.map(SQLValue.text) ?? .null,
                session.ticket.map { .text($0.id) } ?? .null, session.paidAt.flatMap(microseconds).map(SQLValue.integer) ?? .null,
                .text(try json(session)), .integer(unit.now), .text(session.id),
            ])
    }

    static func lockSession(_ id: String, in unit: UnitOfWork) async throws -> PaymentSession? {
        try await unit.fetchOne(DocumentRow.self, "SELECT document FROM kiosk_sessions WHERE id = ?", [.text(id)], forUpdate: true)
            .map { try decode(PaymentSession.self, $0.document) }
    }

    static func lockSession(transactionID: String, in unit: UnitOfWork) async throws -> PaymentSession? {
        try await unit.fetchOne(
            DocumentRow.self, "SELECT document FROM kiosk_sessions WHERE transaction_id = ?", [.text(transactionID)], forUpdate: true
        ).map { try decode(PaymentSession.self, $0.document) }
    }

    static func session(_ id: String, on database: any StoreDatabase) async throws -> PaymentSession? {
        try await database.read("SELECT document FROM kiosk_sessions WHERE id = ?", [.text(id)]).first
            .map { try decode(PaymentSession.self, try $0.decode(DocumentRow.self).document) }
    }

    static func session(idempotencyKey: String, in unit: UnitOfWork) async throws -> IdempotentRow? {
        try await unit.fetchOne(
            IdempotentRow.self, "SELECT document, request_hash FROM kiosk_sessions WHERE idempotency_key = ?", [.text(idempotencyKey)])
    }

    /// Paid sessions still without a ticket, oldest payment first.
    static func paidWithoutTicket(limit: Int, on database: any StoreDatabase) async throws -> [PaymentSession] {
        try await database.read(
            "SELECT document FROM kiosk_sessions WHERE status = 'PAID' AND ticket_id IS NULL ORDER BY paid_at LIMIT \(limit)", []
        ).map { try decode(PaymentSession.self, try $0.decode(DocumentRow.self).document) }
    }

    struct Summary: Decodable {
        let total: Int64
        let paid: Int64?
        let ticketed: Int64?
    }

    /// Counts of the sessions created in [from, to].
    static func summary(from: Int64, to: Int64, on database: any StoreDatabase) async throws -> Summary {
        let rows = try await database.read(
            """
            SELECT COUNT(*) AS total,
                CAST(SUM(CASE WHEN status = 'PAID' THEN 1 ELSE 0 END) AS BIGINT) AS paid,
                CAST(SUM(CASE WHEN status = 'PAID' AND ticket_id IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS ticketed
            FROM kiosk_sessions WHERE created_at >= ? AND created_at <= ?
            """, [.integer(from), .integer(to)])
        return try rows.first?.decode(Summary.self) ?? Summary(total: 0, paid: 0, ticketed: 0)
    }

    struct IntegrationTime: Decodable {
        let count: Int64
        let totalMicroseconds: Int64?
    }

    /// Payment → ticket times of the sessions created in [from, to] that have a ticket.
    static func integrationTime(from: Int64, to: Int64, on database: any StoreDatabase) async throws -> IntegrationTime {
        let rows = try await database.read(
            """
            SELECT COUNT(*) AS count, CAST(SUM(t.created_at - s.paid_at) AS BIGINT) AS total_microseconds
            FROM kiosk_sessions s JOIN kiosk_tickets t ON t.session_id = s.id
            WHERE s.created_at >= ? AND s.created_at <= ? AND s.paid_at IS NOT NULL
            """, [.integer(from), .integer(to)])
        return try rows.first?.decode(IntegrationTime.self) ?? IntegrationTime(count: 0, totalMicroseconds: nil)
    }

    // MARK: Tickets

    static func insertTicket(_ ticket: Ticket, in unit: UnitOfWork) async throws {
        try await unit.insert(
            into: "kiosk_tickets",
            [
                "id": .text(ticket.id), "location_id": .text(ticket.locationID), "session_id": .text(ticket.sessionID),
                "service_day": .text(ticket.serviceDay), "ticket_prefix": .text(ticket.ticketPrefix), "sequence": .integer(Int64(ticket.sequence)),
                "status": .text(ticket.status.rawValue), "document": .text(try json(ticket)),
                "created_at": .integer(unit.now), "updated_at": .integer(unit.now),
            ])
    }

    static func updateTicket(_ ticket: Ticket, in unit: UnitOfWork) async throws {
        try await unit.query(
            "UPDATE kiosk_tickets SET status = ?, document = ?, updated_at = ? WHERE id = ?",
            [
                .text(ticket.status.rawValue), .text(try json(ticket)), .integer(unit.now), .text(ticket.id),
            ])
    }

    /// The highest sequence given on `day` to `prefix` at the location (0 before the first).
    static func lastSequence(locationID: String, day: String, prefix: String, in unit: UnitOfWork) async throws -> Int {
        struct Row: Decodable { let last: Int64? }
        let row = try await unit.fetchOne(
            Row.self, "SELECT MAX(sequence) AS last FROM kiosk_tickets WHERE location_id = ? AND service_day = ? AND ticket_prefix = ?",
            [.text(locationID), .text(day), .text(prefix)])
        return Int(row?.last ?? 0)
    }

    static func lockTicket(_ id: String, in unit: UnitOfWork) async throws -> Ticket? {
        try await unit.fetchOne(DocumentRow.self, "SELECT document FROM kiosk_tickets WHERE id = ?", [.text(id)], forUpdate: true)
            .map { try decode(Ticket.self, $0.document) }
    }

    static func ticket(_ id: String, on database: any StoreDatabase) async throws -> Ticket? {
        try await database.read("SELECT document FROM kiosk_tickets WHERE id = ?", [.text(id)]).first
            .map { try decode(Ticket.self, try $0.decode(DocumentRow.self).document) }
    }

    /// The ticket waiting longest at the location (the oldest made), locked.
    static func lockNextWaiting(locationID: String, in unit: UnitOfWork) async throws -> Ticket? {
        let statuses = TicketStatus.waiting.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return try await unit.fetchOne(
            DocumentRow.self, "SELECT document FROM kiosk_tickets WHERE location_id = ? AND status IN (\(statuses)) ORDER BY id LIMIT 1",
            [.text(locationID)], forUpdate: true
        ).map { try decode(Ticket.self, $0.document) }
    }

    static func waitingCount(locationID: String, in unit: UnitOfWork) async throws -> Int {
        struct Row: Decodable { let n: Int64 }
        let statuses = TicketStatus.waiting.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        let row = try await unit.fetchOne(
            Row.self, "SELECT COUNT(*) AS n FROM kiosk_tickets WHERE location_id = ? AND status IN (\(statuses))", [.text(locationID)])
        return Int(row?.n ?? 0)
    }

    static func tickets(locationID: String?, status: TicketStatus?, after cursor: String?, limit: Int, on database: any StoreDatabase)
        async throws -> [Ticket]
    {
        var conditions: [String] = []
        var binds: [SQLValue] = []
        if let locationID {
            conditions.append("location_id = ?")
            binds.append(.text(locationID))
        }
        if let status {
            conditions.append("status = ?")
            binds.append(.text(status.rawValue))
        }
        if let cursor {
            conditions.append("id < ?")
            binds.append(.text(cursor))
        }
        var sql = "SELECT document FROM kiosk_tickets"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY id DESC LIMIT \(limit)"
        return try await database.read(sql, binds).map { try decode(Ticket.self, try $0.decode(DocumentRow.self).document) }
    }
}

extension KioskStorage {
    /// The oldest location named `name`.
    static func location(named name: String, on database: any StoreDatabase) async throws -> Location? {
        try await database.read("SELECT \(locationColumns) FROM kiosk_locations WHERE name = ? ORDER BY id LIMIT 1", [.text(name)]).first
            .map { try $0.decode(LocationRow.self).location() }
    }

    /// The oldest service of the location named `name`.
    static func service(named name: String, locationID: String, on database: any StoreDatabase) async throws -> KioskService? {
        try await database.read(
            "SELECT \(serviceColumns) FROM kiosk_services WHERE location_id = ? AND name = ? ORDER BY id LIMIT 1", [.text(locationID), .text(name)]
        ).first.map { try $0.decode(ServiceRow.self).service }
    }
}
