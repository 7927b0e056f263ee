import Foundation
import NIOCore
import PonteCore
import Testing

@testable import PonteStore

/// The storage operations, on every backend: the webhook inbox table.
@Suite struct StoreDatabaseTests {
    // MARK: Inserting

    @Test(arguments: Backend.available)
    func insertStoresEveryNewEvent(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            _ = try await database.migrate(logger: quietLogger)
            let records = [record("stripe", "evt_1"), record("stripe", "evt_2"), record("square", "sq_1")]

            let outcomes = try await database.insertInbox(records)

            #expect(outcomes == records.map { InboxStoreOutcome(id: $0.id, duplicate: false) })
            let stored = try await database.listInbox(InboxQuery(limit: 100))
            #expect(Set(stored.map(\.id)) == Set(records.map(\.id)))
            #expect(stored.allSatisfy { $0.status == .pending && $0.attempts == 0 && $0.lastError == nil })
        }
    }

    @Test(arguments: Backend.available)
    func insertingNothingDoesNothing(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            _ = try await database.migrate(logger: quietLogger)
            #expect(try await database.insertInbox([]).isEmpty)
            #expect(try await database.listInbox(InboxQuery()).isEmpty)
        }
    }

    @Test(arguments: Backend.available)
    func alreadyStoredEventIsReportedAsDuplicateWithTheOriginalID(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            _ = try await database.migrate(logger: quietLogger)
            let original = record("stripe", "evt_1", type: "charge.succeeded")
            _ = try await database.insertInbox([original])

            let retry = record("stripe", "evt_1", type: "charge.succeeded")
            let fresh = record("stripe", "evt_2")
            let outcomes = try await database.insertInbox([retry, fresh])

            #expect(retry.id != original.id)
            #expect(outcomes == [
                InboxStoreOutcome(id: original.id, duplicate: true),
                InboxStoreOutcome(id: fresh.id, duplicate: false),
            ])
            let stored = try await database.listInbox(InboxQuery(limit: 100))
            #expect(stored.map(\.id).sorted() == [original.id, fresh.id].sorted())
            #expect(try await database.inboxEntry(id: retry.id) == nil)
        }
    }

    @Test(arguments: Backend.available)
    func sameEventIDUnderTwoProvidersIsTwoRows(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            _ = try await database.migrate(logger: quietLogger)
            let stripe = record("stripe", "shared_1")
            let square = record("square", "shared_1")

            let outcomes = try await database.insertInbox([stripe, square])

            #expect(outcomes.map(\.duplicate) == [false, false])
            let stored = try await database.listInbox(InboxQuery(limit: 100))
            #expect(stored.count == 2)
            #expect(Set(stored.map(\.provider)) == ["stripe", "square"])
        }
    }

    @Test(arguments: Backend.available)
    func concurrentInsertsOfTheSameEventsInOppositeOrderBothSucceed(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            _ = try await database.migrate(logger: quietLogger)
            // What WebhookInbox does with up to `maxConcurrentWrites` batches in flight when a
            // provider retries several events at once.
            try await insertInOppositeOrders(database)
        }
    }

    /// Runs rounds of two concurrent inserts of the same 200 events, one reversed, and checks both
    /// answers against the table.
    private func insertInOppositeOrders(_ database: any StoreDatabase) async throws {
        // Several rounds, so both statements are in flight together at least once.
        for round in 0..<10 {
            let events = (0..<200).map { "evt_\(round)_\($0)" }
            let forward = events.map { record("stripe", $0) }
            let backward = events.reversed().map { record("stripe", $0) }

            async let first = database.insertInbox(forward)
            async let second = database.insertInbox(backward)
            let (a, b) = try await (first, second)

            let storedIDs = try await database.listInbox(InboxQuery(limit: 500))
                .filter { $0.eventID.hasPrefix("evt_\(round)_") }
                .reduce(into: [String: String]()) { $0[$1.eventID] = $1.id }
            #expect(storedIDs.count == 200)
            for (record, outcome) in zip(forward + backward, a + b) {
                #expect(outcome.id == storedIDs[record.eventID])
            }
            #expect((a + b).filter { !$0.duplicate }.count == 200)
        }
    }

    // MARK: Listing

    @Test(arguments: Backend.available)
    func listIsNewestFirst(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            _ = try await database.migrate(logger: quietLogger)
            let records = (0..<6).map { record("stripe", "evt_\($0)") }
            for record in records {
                _ = try await database.insertInbox([record])
            }

            let listed = try await database.listInbox(InboxQuery(limit: 50))

            #expect(listed.map(\.id) == records.reversed().map(\.id))
            #expect(listed.first?.eventID == "evt_5")
        }
    }

    @Test(arguments: Backend.available)
    func listFiltersByProviderAndStatus(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            _ = try await database.migrate(logger: quietLogger)
            let stripe = [record("stripe", "a"), record("stripe", "b")]
            let square = [record("square", "c")]
            _ = try await database.insertInbox(stripe + square)

            let onlyStripe = try await database.listInbox(InboxQuery(provider: "stripe"))
            #expect(onlyStripe.map(\.id) == stripe.reversed().map(\.id))
            #expect(try await database.listInbox(InboxQuery(provider: "asaas")).isEmpty)

            let pending = try await database.listInbox(InboxQuery(status: .pending))
            #expect(pending.count == 3)
            #expect(try await database.listInbox(InboxQuery(status: .processed)).isEmpty)

            let squarePending = try await database.listInbox(InboxQuery(provider: "square", status: .pending))
            #expect(squarePending.map(\.id) == square.map(\.id))
            #expect(try await database.listInbox(InboxQuery(provider: "square", status: .failed)).isEmpty)
        }
    }

    @Test(arguments: Backend.available)
    func paginationWithBeforeCursorVisitsEveryRowExactlyOnce(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            _ = try await database.migrate(logger: quietLogger)
            let records = (0..<23).map { record($0 % 3 == 0 ? "square" : "stripe", "evt_\($0)") }
            _ = try await database.insertInbox(Array(records[..<10]))
            _ = try await database.insertInbox(Array(records[10...]))

            func allPages(provider: String?) async throws -> [String] {
                var seen: [String] = []
                var before: String?
                while true {
                    let page = try await database.listInbox(InboxQuery(provider: provider, limit: 5, before: before))
                    #expect(page.count <= 5)
                    seen += page.map(\.id)
                    guard page.count == 5, let last = page.last else { break }
                    before = last.id
                }
                return seen
            }

            let everything = try await allPages(provider: nil)
            #expect(everything == records.map(\.id).sorted(by: >))

            let stripeOnly = try await allPages(provider: "stripe")
            #expect(stripeOnly == records.filter { $0.provider == "stripe" }.map(\.id).sorted(by: >))
        }
    }

    // MARK: Reading one entry

    @Test(arguments: Backend.available)
    func entryReturnsTheExactBodyBytesAndHeaders(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            _ = try await database.migrate(logger: quietLogger)
            // Not valid UTF-8: a lone continuation byte, 0xFF, a NUL and a truncated sequence.
            let body: [UInt8] = [0x7B, 0x80, 0xFF, 0x00, 0xFE, 0x41, 0xE2, 0x82, 0x7D]
            let headers = #"{"content-type":"application/octet-stream","x-note":"caf\u00e9 \"quoted\""}"#
            let stored = record(
                "ifood", "if_1", type: "PLACED", receivedAt: 1_750_000_123_456_789, headers: headers, body: body)
            _ = try await database.insertInbox([stored])

            let entry = try #require(try await database.inboxEntry(id: stored.id))

            #expect(Array(buffer: entry.body) == body)
            #expect(entry.headersJSON == headers)
            #expect(entry.summary.id == stored.id)
            #expect(entry.summary.provider == "ifood")
            #expect(entry.summary.eventID == "if_1")
            #expect(entry.summary.eventType == "PLACED")
            #expect(entry.summary.status == .pending)
            #expect(entry.summary.receivedAt == 1_750_000_123_456_789)
        }
    }

    @Test(arguments: Backend.available)
    func emptyBodyIsStoredAsEmpty(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            _ = try await database.migrate(logger: quietLogger)
            let stored = record("mailchimp", "sha256:e3b0", body: [])
            _ = try await database.insertInbox([stored])

            let entry = try #require(try await database.inboxEntry(id: stored.id))
            #expect(entry.body.readableBytes == 0)
        }
    }

    @Test(arguments: Backend.available)
    func unknownIDHasNoEntry(backend: Backend) async throws {
        try await withFreshDatabase(backend) { database in
            _ = try await database.migrate(logger: quietLogger)
            _ = try await database.insertInbox([record("stripe", "evt_1")])

            #expect(try await database.inboxEntry(id: "wh_00000000000000000000000000") == nil)
        }
    }
}
