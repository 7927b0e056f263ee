import Foundation
import PonteCore
import PonteJobs
import PonteKit
import PonteStore

/// Reads and writes the module's rows. Writes go through a unit of work; reads outside one
/// use the database directly.
enum VenuesStorage: ModuleStorage {
    static let connectionIDs = SortableIDGenerator(prefix: "conn_")
    static let auditIDs = SortableIDGenerator(prefix: "aud_")

    private struct DocumentRow: Decodable {
        let document: String
    }

    // MARK: Venues

    private struct VenueRow: Decodable {
        let id: String
        let name: String
        let venueType: String
        let webhookUrl: String?
        let createdAt: Int64
        let updatedAt: Int64

        var venue: Venue {
            Venue(
                id: id, name: name, venueType: venueType, webhookURL: webhookUrl,
                createdAt: VenuesStorage.timestamp(createdAt), updatedAt: VenuesStorage.timestamp(updatedAt))
        }
    }

    private static let venueColumns = "id, name, venue_type, webhook_url, created_at, updated_at"

    /// Inserts `venue`; false when its id is taken.
    static func insertVenue(_ venue: Venue, in unit: UnitOfWork) async throws -> Bool {
        let inserted = try await unit.query(
            """
            INSERT INTO venues (id, name, venue_type, webhook_url, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO NOTHING RETURNING id
            """,
            [.text(venue.id), .text(venue.name), .text(venue.venueType), venue.webhookURL.map(SQLValue.text) ?? .null,
             .integer(unit.now), .integer(unit.now)])
        return !inserted.isEmpty
    }

    static func updateVenue(_ venue: Venue, in unit: UnitOfWork) async throws {
        try await unit.query(
            "UPDATE venues SET name = ?, venue_type = ?, webhook_url = ?, updated_at = ? WHERE id = ?",
            [.text(venue.name), .text(venue.venueType), venue.webhookURL.map(SQLValue.text) ?? .null, .integer(unit.now), .text(venue.id)])
    }

    static func venue(_ id: String, on database: any StoreDatabase) async throws -> Venue? {
        try await database.read("SELECT \(venueColumns) FROM venues WHERE id = ?", [.text(id)]).first
            .map { try $0.decode(VenueRow.self).venue }
    }

    static func venue(_ id: String, lock: Bool = false, in unit: UnitOfWork) async throws -> Venue? {
        try await unit.fetchOne(VenueRow.self, "SELECT \(venueColumns) FROM venues WHERE id = ?", [.text(id)], forUpdate: lock)?.venue
    }

    /// Venues newest first; `cursor` is the (created_at, id) of the last one of the page before.
    static func venues(after cursor: (Int64, String)?, limit: Int, on database: any StoreDatabase) async throws -> [(Venue, Int64)] {
        var sql = "SELECT \(venueColumns) FROM venues"
        var binds: [SQLValue] = []
        if let (at, id) = cursor {
            sql += " WHERE created_at < ? OR (created_at = ? AND id < ?)"
            binds += [.integer(at), .integer(at), .text(id)]
        }
        sql += " ORDER BY created_at DESC, id DESC LIMIT \(limit)"
        return try await database.read(sql, binds).map { row in
            let decoded = try row.decode(VenueRow.self)
            return (decoded.venue, decoded.createdAt)
        }
    }

    /// Deletes the venue and its disconnected connections; false when one is still in use.
    static func deleteVenue(_ id: String, in unit: UnitOfWork) async throws -> Bool {
        struct Row: Decodable { let id: String }
        let live = try await unit.fetchOne(
            Row.self, "SELECT id FROM venue_connections WHERE venue_id = ? AND status <> ? LIMIT 1",
            [.text(id), .text(Connection.Status.disconnected.rawValue)])
        if live != nil { return false }
        try await unit.query("DELETE FROM venue_connections WHERE venue_id = ?", [.text(id)])
        try await unit.query("DELETE FROM venues WHERE id = ?", [.text(id)])
        return true
    }

    // MARK: Connections

    static func saveConnection(_ connection: Connection, in unit: UnitOfWork) async throws {
        try await unit.query(
            """
            INSERT INTO venue_connections (id, venue_id, provider, status, document, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, document = excluded.document, updated_at = excluded.updated_at
            """,
            [.text(connection.id), .text(connection.venueID), .text(connection.integrationType.rawValue), .text(connection.status.rawValue),
             .text(try json(connection)), .integer(unit.now), .integer(unit.now)])
    }

    static func connection(venue: String, provider: VenueProvider, lock: Bool = false, in unit: UnitOfWork) async throws -> Connection? {
        try await unit.fetchOne(
            DocumentRow.self, "SELECT document FROM venue_connections WHERE venue_id = ? AND provider = ?",
            [.text(venue), .text(provider.rawValue)], forUpdate: lock
        ).map { try decode(Connection.self, $0.document) }
    }

    static func connection(venue: String, provider: VenueProvider, on database: any StoreDatabase) async throws -> Connection? {
        try await database.read(
            "SELECT document FROM venue_connections WHERE venue_id = ? AND provider = ?", [.text(venue), .text(provider.rawValue)]
        ).first.map { try decode(Connection.self, try $0.decode(DocumentRow.self).document) }
    }

    static func connections(venue: String, on database: any StoreDatabase) async throws -> [Connection] {
        try await database.read("SELECT document FROM venue_connections WHERE venue_id = ? ORDER BY provider", [.text(venue)])
            .map { try decode(Connection.self, try $0.decode(DocumentRow.self).document) }
    }

    static func connection(id: String, on database: any StoreDatabase) async throws -> Connection? {
        try await database.read("SELECT document FROM venue_connections WHERE id = ?", [.text(id)]).first
            .map { try decode(Connection.self, try $0.decode(DocumentRow.self).document) }
    }

    static func connection(id: String, lock: Bool = false, in unit: UnitOfWork) async throws -> Connection? {
        try await unit.fetchOne(DocumentRow.self, "SELECT document FROM venue_connections WHERE id = ?", [.text(id)], forUpdate: lock)
            .map { try decode(Connection.self, $0.document) }
    }

    /// Takes the connection's refresh lease until `until` if nobody holds it at `now`; true
    /// when this caller has it (and alone may refresh the token until then).
    static func takeRefreshLease(_ id: String, now: Int64, until: Int64, on database: any StoreDatabase) async throws -> Bool {
        try await database.write { sql in
            !(try await sql.query(
                """
                UPDATE venue_connections SET refresh_lease_until = ?
                WHERE id = ? AND (refresh_lease_until IS NULL OR refresh_lease_until <= ?) RETURNING id
                """,
                [.integer(until), .text(id), .integer(now)])).isEmpty
        }
    }

    static func releaseRefreshLease(_ id: String, in unit: UnitOfWork) async throws {
        try await unit.query("UPDATE venue_connections SET refresh_lease_until = NULL WHERE id = ?", [.text(id)])
    }

    static func releaseRefreshLease(_ id: String, on database: any StoreDatabase) async throws {
        try await database.write { sql in
            try await sql.query("UPDATE venue_connections SET refresh_lease_until = NULL WHERE id = ?", [.text(id)])
        }
    }

    // MARK: OAuth states

    struct OAuthState: Decodable {
        let venueId: String
        let provider: String
        let subject: String
        let role: String
        let redirectUri: String
    }

    static func insertOAuthState(
        hash: String, venue: String, provider: VenueProvider, subject: String, role: String, redirectURI: String, expiresAt: Int64,
        in unit: UnitOfWork
    ) async throws {
        try await unit.insert(
            into: "venue_oauth_states",
            ["state_hash": .text(hash), "venue_id": .text(venue), "provider": .text(provider.rawValue), "subject": .text(subject),
             "role": .text(role), "redirect_uri": .text(redirectURI), "created_at": .integer(unit.now), "expires_at": .integer(expiresAt)])
    }

    /// Uses the state once: marks it used and returns it if it is `provider`'s, unexpired at
    /// `now` and unused; nil otherwise (unknown, expired or used — never twice).
    static func consumeOAuthState(hash: String, provider: VenueProvider, in unit: UnitOfWork) async throws -> OAuthState? {
        try await unit.fetchOne(
            OAuthState.self,
            """
            UPDATE venue_oauth_states SET used_at = ? WHERE state_hash = ? AND provider = ? AND used_at IS NULL AND expires_at > ?
            RETURNING venue_id, provider, subject, role, redirect_uri
            """,
            [.integer(unit.now), .text(hash), .text(provider.rawValue), .integer(unit.now)])
    }

    // MARK: Audit

    static func insertAudit(_ entry: AuditEntry, at now: Int64, in unit: UnitOfWork) async throws {
        try await unit.insert(
            into: "venue_audit",
            ["id": .text(entry.id), "venue_id": .text(entry.venueID), "action": .text(entry.action), "document": .text(try json(entry)),
             "at": .integer(now)])
    }

    /// A venue's audit entries, newest first, after `cursor` (an entry id).
    static func audit(venue: String, after cursor: String?, limit: Int, on database: any StoreDatabase) async throws -> [AuditEntry] {
        var sql = "SELECT document FROM venue_audit WHERE venue_id = ?"
        var binds: [SQLValue] = [.text(venue)]
        if let cursor {
            sql += " AND id < ?"
            binds.append(.text(cursor))
        }
        sql += " ORDER BY id DESC LIMIT \(limit)"
        return try await database.read(sql, binds).map { try decode(AuditEntry.self, try $0.decode(DocumentRow.self).document) }
    }
}
