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
import PonteSandboxHub
import PonteStore
import ServiceLifecycle
import Synchronization
import Testing

@testable import PonteServer

/// The seam business modules plug into, through the real router: modules' migrations and
/// routes, provider events for several subscribers each with its own job and outcome, replay
/// to all or one, and typed storage errors answered as 409.
@Suite struct ModuleSeamTests {
    /// The hub's modules but the orders module (which consumes Asaas payments too), and the
    /// seam's two test subscribers.
    static let modules: [any HubModule] = HubModules.all.filter { $0.name != "orders" && $0.name != "kiosk" } + [LedgerModule(), AuditModule()]

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
        let reason: String?
        let deliveries: [Delivery]
    }

    private func asaas(_ id: String, event: String, payment: String, reference: String? = nil) -> Webhook {
        let field = reference.map { #","externalReference":"\#($0)""# } ?? ""
        let body = Webhooks.json(#"{"id":"\#(id)","event":"\#(event)","payment":{"id":"\#(payment)","value":100.5\#(field)}}"#)
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

    /// The orders and the kiosk both subscribe to Asaas payments; each takes only the charges
    /// whose reference is one of its ids (or that have none), so an event gets one delivery,
    /// and one that is neither's is stored `ignored` with the reason.
    @Test(arguments: HubDatabase.available)
    func subscribersThatLookAtTheBodyTakeOnlyTheirOwnEvents(backend: HubDatabase) async throws {
        let modules = HubModules.all.filter { $0.name == "orders" || $0.name == "kiosk" }
        try await withJobHub(backend, modules: modules) { client, database in
            var deliveries: [String: [String]] = [:]
            for (reference, payment) in [("ord_01", "pay_o"), ("ps_01", "pay_k"), ("inv_42", "pay_x")] {
                let ack = try decode(
                    Acknowledgement.self,
                    try await client.send(asaas("evt_\(payment)", event: "PAYMENT_RECEIVED", payment: payment, reference: reference))
                )
                let detail = try decode(Detail.self, try await client.adminCall(.get, "/api/v1/webhooks/\(ack.id)"))
                deliveries[reference] = detail.deliveries.map(\.subscriber)
                if reference == "inv_42" {
                    #expect(detail.status == "ignored")
                    #expect(detail.reason?.contains("(orders.asaas_payments, kiosk.asaas_payments) takes this one") == true, "\(detail.reason ?? "")")
                }
            }
            #expect(deliveries == ["ord_01": ["orders.asaas_payments"], "ps_01": ["kiosk.asaas_payments"], "inv_42": []])
            let jobs = try await database.listJobs(JobQuery(limit: 100)).map(\.kind)
            #expect(jobs.sorted() == ["kiosk.asaas_payments", "orders.asaas_payments"], "no job for the event nobody takes")
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
///
/// Both run in this test process as services the test starts and stops itself, and their
/// stopping is awaited for a bounded time: when the whole suite runs, the stop of one of the
/// two in-process hubs has been seen not to complete (all its services done, `run()` never
/// returning; cause not found). That is recorded as a known issue instead of hanging the run.
@Suite struct CrossProcessStreamTests {
    @Test(.enabled(if: HubDatabase.postgresServer != nil, "set PONTE_TEST_POSTGRES_URL to run PostgreSQL tests"), .timeLimit(.minutes(2)))
    func anEventAppendedByAWorkerReachesAReaderOfAnotherProcess() async throws {
        let server = try #require(HubDatabase.postgresServer)
        try await withScratchPostgresDatabase(server: server) { url in
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            var configuration = HubConfiguration()
            configuration.port = try SandboxWiring.freeLoopbackPort()
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
            let serve = ServiceGroup(configuration: .init(services: [app], logger: quietLogger))
            let worker = try await buildWorker(
                configuration: workerConfiguration, modules: ModuleSeamTests.modules, logger: quietLogger, shutdownSignals: [])
            let serving = Task { try await serve.run() }
            let working = Task { try await worker.run() }
            let base = "http://127.0.0.1:\(configuration.port)"
            do {
                try await waitUntilReady(base)
                // The reader waits on the serve process before anything happens.
                var poll = HTTPClientRequest(url: base + "/api/v1/ledger/events?after=0&wait=30")
                poll.headers.add(name: "Authorization", value: "Bearer \(Fixture.adminToken)")
                poll.headers.add(name: "Connection", value: "close")
                async let page = HTTPClient.shared.execute(poll, timeout: .seconds(40))
                try await Task.sleep(for: .milliseconds(500))
                let started = ContinuousClock.now
                var webhook = HTTPClientRequest(url: base + "/webhooks/asaas")
                webhook.method = .POST
                webhook.headers.add(name: "Content-Type", value: "application/json")
                webhook.headers.add(name: "asaas-access-token", value: Fixture.asaasToken)
                webhook.headers.add(name: "Connection", value: "close")
                webhook.body = .bytes(ByteBuffer(string: #"{"id":"evt_x","event":"PAYMENT_RECEIVED","payment":{"id":"pay_x","value":10}}"#))
                let ack = try await HTTPClient.shared.execute(webhook, timeout: .seconds(20))
                #expect(ack.status == .ok)
                let answer = try await page
                let waited = ContinuousClock.now - started
                let text = String(buffer: try await answer.body.collect(upTo: 1 << 20))
                #expect(answer.status == .ok)
                #expect(text.contains(#""payment_id":"pay_x""#), "\(text)")
                // Well within the long-poll's 30 s (an empty page then) and the 120 s poll.
                #expect(waited < .seconds(15), "the event took \(waited)")
            } catch {
                Issue.record(error)
            }
            await worker.triggerGracefulShutdown()
            await serve.triggerGracefulShutdown()
            for (name, task) in [("the worker", working), ("the serve process", serving)] where !(await finishes(task, within: .seconds(20))) {
                withKnownIssue("an in-process hub's stop does not always complete when the whole suite runs") {
                    Issue.record("\(name) did not stop within 20 s of its graceful shutdown")
                }
                task.cancel()
            }
        }
    }

    private func waitUntilReady(_ base: String) async throws {
        for _ in 0..<200 {
            if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: base + "/ready"), timeout: .seconds(2)),
                response.status == .ok
            {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the serve process was not ready within 10 s")
    }

    /// Whether `task` ends within `limit` (it is not awaited past it).
    private func finishes(_ task: Task<Void, any Error>, within limit: Duration) async -> Bool {
        let done = Mutex(false)
        Task {
            _ = try? await task.value
            done.withLock { $0 = true }
        }
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if done.withLock({ $0 }) { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
