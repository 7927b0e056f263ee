import PonteCore
import PonteJobs
import PonteKit

/// Who did an integration action: the caller of a request (its token's subject and role, and
/// its address), or the hub itself (a scheduled token refresh).
struct AuditActor: Sendable {
    var subject: String
    var role: String
    var address: String?

    init(_ request: APIRequestContext) {
        subject = request.caller?.subject ?? "anonymous"
        role = request.caller?.role ?? "none"
        address = request.clientAddress
    }

    init(subject: String, role: String, address: String?) {
        self.subject = subject
        self.role = role
        self.address = address
    }

    static let hub = AuditActor(subject: "ponte", role: "system", address: nil)
}

/// Writes the audit log: every integration action, with who, what, when, from which
/// address, and its outcome.
struct VenueAudit: Sendable {
    let context: ModuleContext

    /// Records an action inside the unit of work that did it.
    func record(
        _ action: String, venue: String, provider: VenueProvider? = nil, outcome: AuditEntry.Outcome = .succeeded, detail: String? = nil,
        by actor: AuditActor, in unit: UnitOfWork
    ) async throws {
        let entry = AuditEntry(
            id: VenuesStorage.auditIDs.next(at: VenuesStorage.date(unit.now)), venueID: venue, action: action, provider: provider,
            actor: actor.subject, role: actor.role, address: actor.address, outcome: outcome, detail: detail,
            at: VenuesStorage.timestamp(unit.now))
        try await VenuesStorage.insertAudit(entry, at: unit.now, in: unit)
    }

    /// Records an action whose outcome changed nothing else (a failed connect, a key
    /// validation), in a transaction of its own.
    func recordAlone(
        _ action: String, venue: String, provider: VenueProvider?, outcome: AuditEntry.Outcome, detail: String, by actor: AuditActor
    ) async throws {
        try await context.transaction { unit in
            try await record(action, venue: venue, provider: provider, outcome: outcome, detail: detail, by: actor, in: unit)
        }
    }
}
