import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import PonteCore
import PonteJobs
import PonteKit
import PonteStore
import ServiceLifecycle
import Testing

@testable import PonteServer

/// The seam business modules plug into, through the real router: modules' migrations and
/// routes, provider events for several subscribers each with its own job and outcome, replay
/// to all or one, and typed storage errors answered as 409.
@Suite struct ModuleSeamTests {
    static let modules: [any HubModule] = HubModules.all + [LedgerModule(), AuditModule()]

    struct Detail: Decodable {
        struct Delivery: Decodable {
            let subscriber: String
            let status: String
            let job_id: String?
            let attempts: Int
            let last_error: String?
            let reason: String?
        }

        let status: String
        let deliveries: [Delivery]
    }

    private func asaas(_ id: String, event: String, payment: String) -> Webhook {
        let body = Webhooks.json(#"{"id":"\#(id)","event":"\#(event)","payment":{"id":"\#(payment)","value":100.5}}"#)
        return Webhook(
            uri: "/webhooks/asaas",
            headers: [.contentType: "application/json", HTTPField.Name("asaas-access-token")!: Fixture.asaasToken],
            body: body
        )
    }

    /// Runs the `webhooks` queue until nothing is due (dispatch, then the deliveries), on a
    /// clock at 2100, after any job the hub enqueued on its own clock.
    private func drain(_ database: any StoreDatabase, at now: Int64 = 4_102_444_800_000_000) async throws -> [JobResult] {
        var all: [JobResult] = []
        for _ in 0..<5 {
            let results = try await runHubJobs(database, modules: Self.modules, queue: "webhooks", at: now)
            if results.isEmpty { break }
            all += results
        }
        return all
    }

    @Test(arguments: HubDatabase.available)
    func eachSubscriberOfAnEventGetsItsOwnJobAndOutcome(backend: HubDatabase) async throws {
        try await withJobHub(backend, modules: Self.modules) { client, database in
            let ack = try decode(Acknowledgement.self, try await client.send(asaas("evt_1", event: "PAYMENT_RECEIVED", payment: "pay_1")))
            _ = try await drain(database)
            let detail = try decode(Detail.self, try await client.adminCall(.get, "/api/v1/webhooks/\(ack.id)"))
            #expect(detail.status == "processed")
            #expect(detail.deliveries.map(\.subscriber) == ["audit.asaas", "ledger.asaas_payments"])
            #expect(detail.deliveries.allSatisfy { $0.status == "processed" && $0.attempts == 1 && $0.job_id != nil })
            let rows = try await database.read("SELECT payment_id, status, webhook_id FROM ledger_payments", [])
            #expect(rows.map { $0["status"] } == [.text("PAYMENT_RECEIVED")])
            #expect(rows.first?["webhook_id"] == .text(ack.id))

            // The ledger's change and its stream event committed together.
            let page = try await client.adminCall(.get, "/api/v1/ledger/events?after=0")
            #expect(page.status == .ok)
            #expect(String(buffer: page.body).contains(#""type":"PAYMENT_RECEIVED""#))

            // Ignored by one subscriber, processed by the other: processed.
            let created = try decode(Acknowledgement.self, try await client.send(asaas("evt_2", event: "PAYMENT_CREATED", payment: "pay_2")))
            _ = try await drain(database)
            let second = try decode(Detail.self, try await client.adminCall(.get, "/api/v1/webhooks/\(created.id)"))
            #expect(second.status == "processed")
            #expect(second.deliveries.first { $0.subscriber == "audit.asaas" }?.reason == "audit keeps only settled payments")
        }
    }

    @Test(arguments: HubDatabase.available)
    func aSubscriberThatFailsFailsAloneAndCanBeReplayedOnItsOwn(backend: HubDatabase) async throws {
        try await withJobHub(backend, modules: Self.modules) { client, database in
            let ack = try decode(Acknowledgement.self, try await client.send(asaas("evt_3", event: "PAYMENT_CONFIRMED", payment: "pay_refused_by_audit")))
            _ = try await drain(database)
            var detail = try decode(Detail.self, try await client.adminCall(.get, "/api/v1/webhooks/\(ack.id)"))
            #expect(detail.status == "failed")
            let audit = try #require(detail.deliveries.first { $0.subscriber == "audit.asaas" })
            #expect(audit.status == "failed" && audit.last_error == "audit refuses this payment")
            #expect(detail.deliveries.first { $0.subscriber == "ledger.asaas_payments" }?.status == "processed")
            let auditJob = try decode(JobBody.self, try await client.adminCall(.get, "/api/v1/jobs/\(try #require(audit.job_id))"))
            #expect(auditJob.status == "dead" && auditJob.kind == "audit.asaas")

            // Replay to the ledger alone: a new ledger job, the audit's delivery untouched.
            let replay = try await client.adminCall(.post, "/api/v1/webhooks/\(ack.id)/replay?subscriber=ledger.asaas_payments")
            #expect(replay.status == .accepted)
            detail = try decode(Detail.self, try await client.adminCall(.get, "/api/v1/webhooks/\(ack.id)"))
            #expect(detail.status == "processing", "the replayed delivery is under way")
            let results = try await drain(database)
            #expect(results.count == 1)
            detail = try decode(Detail.self, try await client.adminCall(.get, "/api/v1/webhooks/\(ack.id)"))
            #expect(detail.status == "failed", "the audit's delivery is still failed")
            #expect(detail.deliveries.first { $0.subscriber == "audit.asaas" }?.status == "failed")
            #expect(detail.deliveries.first { $0.subscriber == "ledger.asaas_payments" }?.job_id != auditJob.id)

            // A subscriber that does not take this event, or does not exist: 404, nothing queued.
            let jobs = try await database.listJobs(JobQuery(limit: 100)).count
            expectError(try await client.adminCall(.post, "/api/v1/webhooks/\(ack.id)/replay?subscriber=nobody"), .notFound, "SUBSCRIBER_NOT_FOUND")
            #expect(try await database.listJobs(JobQuery(limit: 100)).count == jobs)

            // Replay to all: both deliver again.
            #expect(try await client.adminCall(.post, "/api/v1/webhooks/\(ack.id)/replay").status == .accepted)
            #expect(try await drain(database).count == 3, "the dispatch and one job per subscriber")
        }
    }

    @Test(arguments: HubDatabase.available)
    func anEventNoModuleSubscribesToIsIgnoredWithTheReason(backend: HubDatabase) async throws {
        try await withJobHub(backend, modules: Self.modules) { client, database in
            let ack = try decode(Acknowledgement.self, try await client.send(Webhooks.stripe(id: "evt_s1")))
            _ = try await drain(database)
            let detail = try decode(Detail.self, try await client.adminCall(.get, "/api/v1/webhooks/\(ack.id)"))
            #expect(detail.status == "ignored" && detail.deliveries.isEmpty)
        }
    }

    @Test(arguments: HubDatabase.available)
    func aUniqueViolationIsA409AndChangesNothing(backend: HubDatabase) async throws {
        try await withJobHub(backend, modules: Self.modules) { client, database in
            #expect(try await client.adminCall(.post, "/api/v1/ledger/entries", body: #"{"id":"e1"}"#).status == .created)
            let again = try await client.adminCall(.post, "/api/v1/ledger/entries", body: #"{"id":"e1"}"#)
            expectError(again, .conflict, "ALREADY_EXISTS")
            expectError(try await client.adminCall(.post, "/api/v1/ledger/entries", body: #"{"id":7}"#), .badRequest, "INVALID_JSON")
            #expect(try await database.read("SELECT count(*) AS n FROM ledger_payments", []).first?["n"] == .integer(1))
        }
    }
}

/// A `ponte worker` and a `ponte serve` on one PostgreSQL database, each with its own pool and
/// streams: an event the worker's job appends reaches a long-poll on the serve process at once,
/// by LISTEN/NOTIFY (the serve process's polling fallback is set past the test's end).
@Suite struct CrossProcessStreamTests {
    @Test(.enabled(if: HubDatabase.postgresServer != nil, "set PONTE_TEST_POSTGRES_URL to run PostgreSQL tests"), .timeLimit(.minutes(2)))
    func anEventAppendedByAWorkerReachesAReaderOfAnotherProcess() async throws {
        let server = try #require(HubDatabase.postgresServer)
        try await withScratchPostgresDatabase(server: server) { url in
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            var configuration = HubConfiguration()
            configuration.port = 0
            configuration.database = url
            configuration.jwtSecret = Fixture.jwtSecret
            configuration.secrets = Fixture.secrets
            configuration.dataDirectory = directory.path
            configuration.workers = false
            // No polling within the test's time: only a notification can bring the event.
            configuration.streamPollInterval = .seconds(120)
            var workerConfiguration = configuration
            workerConfiguration.workers = true
            let app = try await buildApplication(
                configuration: configuration, modules: ModuleSeamTests.modules, logger: quietLogger, now: { Fixture.now }
            )
            try await app.test(.live) { [workerConfiguration] client in
                let worker = try await buildWorker(configuration: workerConfiguration, modules: ModuleSeamTests.modules, logger: quietLogger)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await worker.run() }
                    defer { group.cancelAll() }
                    // The reader waits on the serve process before anything happens, on a
                    // connection of its own (the test client's one connection would queue the
                    // webhook behind it).
                    let port = try #require(client.port)
                    var poll = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/ledger/events?after=0&wait=30")
                    poll.headers.add(name: "Authorization", value: "Bearer \(Fixture.adminToken)")
                    // No kept-alive connection to outlive the server's shutdown.
                    poll.headers.add(name: "Connection", value: "close")
                    async let page = HTTPClient.shared.execute(poll, timeout: .seconds(40))
                    try await Task.sleep(for: .milliseconds(500))
                    let started = ContinuousClock.now
                    let body = Webhooks.json(#"{"id":"evt_x","event":"PAYMENT_RECEIVED","payment":{"id":"pay_x","value":10}}"#)
                    let ack = try await client.send(
                        Webhook(uri: "/webhooks/asaas", headers: [.contentType: "application/json", HTTPField.Name("asaas-access-token")!: Fixture.asaasToken], body: body)
                    )
                    #expect(ack.status == .ok)
                    let answer = try await page
                    let waited = ContinuousClock.now - started
                    let text = String(buffer: try await answer.body.collect(upTo: 1 << 20))
                    #expect(answer.status == .ok)
                    #expect(text.contains(#""payment_id":"pay_x""#), "\(text)")
                    // Well within the long-poll's 30 s (an empty page then) and the 120 s poll.
                    #expect(waited < .seconds(15), "the event took \(waited)")
                    await worker.triggerGracefulShutdown()
                }
            }
        }
    }
}
