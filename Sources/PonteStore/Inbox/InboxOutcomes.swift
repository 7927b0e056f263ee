/// The deduplication key of a stored webhook.
struct InboxKey: Hashable {
    let provider: String
    let eventID: String
}

/// Turns what an `INSERT … ON CONFLICT DO NOTHING RETURNING id` reported into one outcome per
/// record; the same on every database.
enum InboxOutcomes {
    /// Records the insert skipped because their (provider, event id) was already stored.
    static func skipped(_ records: [NewInboxRecord], inserted: Set<String>) -> [NewInboxRecord] {
        records.filter { !inserted.contains($0.id) }
    }

    /// New records keep their id; skipped ones get the id already stored for their key.
    static func resolve(
        _ records: [NewInboxRecord], inserted: Set<String>, existing: [InboxKey: String]
    ) throws -> [InboxStoreOutcome] {
        try records.map { record in
            if inserted.contains(record.id) { return InboxStoreOutcome(id: record.id, duplicate: false) }
            guard let id = existing[InboxKey(provider: record.provider, eventID: record.eventID)] else {
                throw StoreError("event \(record.provider)/\(record.eventID) was neither inserted nor found")
            }
            return InboxStoreOutcome(id: id, duplicate: true)
        }
    }
}
