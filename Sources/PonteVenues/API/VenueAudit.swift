import PonteCore
import PonteJobs
import PonteKit

/// Writes the audit log: every integration action, with who (the token's subject and
/// role), what, when, from which address, and its outcome.
struct VenueAudit: Sendable {
    let context: ModuleContext

    func entry(
        _ action: String, venue: String, provider: VenueProvider?, outcome: AuditEntry.Outcome, detail: String?,
        _ request: APIRequestContext, at now: Int64
    ) -> AuditEntry {
        let caller = request.caller
        return AuditEntry(
            id: VenuesStorage.auditIDs.next(at: VenuesStorage.date(now)), venueID: venue, action: action, provider: provider,
            actor: caller?.subject ?? "anonymous", role: caller?.role ?? "none", address: request.clientAddress, outcome: outcome,
            detail: detail, at: VenuesStorage.timestamp(now))
    }

    /// Records an action inside the unit of work that did it.
    func record(
        _ action: String, venue: String, provider: VenueProvider? = nil, outcome: AuditEntry.Outcome = .succeeded, detail: String? = nil,
        _ request: APIRequestContext, in unit: UnitOfWork
    ) async throws {
        let entry = entry(action, venue: venue, provider: provider, outcome: outcome, detail: detail, request, at: unit.now)
        try await VenuesStorage.insertAudit(entry, at: unit.now, in: unit)
    }

    /// Records an action whose outcome changed nothing else (a failed connect, a key
    /// validation), in a transaction of its own.
    func recordAlone(
        _ action: String, venue: String, provider: VenueProvider?, outcome: AuditEntry.Outcome, detail: String, _ request: APIRequestContext
    ) async throws {
        try await context.transaction { unit in
            try await record(action, venue: venue, provider: provider, outcome: outcome, detail: detail, request, in: unit)
        }
    }
}
