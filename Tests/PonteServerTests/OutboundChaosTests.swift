import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import Logging
import PonteCore
import PonteJobs
import PonteProviders
import PonteSandbox
import PonteStore
import Testing

@testable import PonteOutbound
@testable import PonteServer

/// Outbound operations against the sandbox with 30 % of calls failing — 10 % 500s, 10 % 429s
/// with Retry-After, 10 % answers held past the client's timeout (the call took effect, the
/// client never heard) — run as jobs until none is left. Every job must end succeeded or
/// dead-lettered with a reason, and the sandbox's own ledger must show no charge, payment or
/// refund made twice.
@Suite(.serialized) struct OutboundChaosTests {
    static let chaos: FaultSettings = {
        var settings = FaultSettings()
        settings.errorRate = 0.1
        settings.rateLimitRate = 0.1
        settings.retryAfterSeconds = 1
        settings.timeoutRate = 0.1
        settings.timeoutSeconds = 1.5
        return settings
    }()

    @Test func everyOperationEndsOnceWithThirtyPercentFaults() async throws {
        try await withChaosHarness { harness in
            // 1. Charges: Stripe PaymentIntents confirmed with the sandbox's test card, Asaas PIX charges.
            var stripeCharges: [String] = []
            for index in 0..<20 {
                stripeCharges.append(
                    try await harness.enqueue(
                        "stripe.payment_intent.create",
                        [
                            "amount": .integer(Int64(1_000 + 2 * index)), "currency": .string("brl"),
                            "payment_method": .string("pm_card_visa"), "confirm": .bool(true),
                        ]
                    )
                )
            }
            let customer = try await harness.sandboxAsaasCustomer()
            var asaasCharges: [String] = []
            for index in 0..<12 {
                asaasCharges.append(
                    try await harness.enqueue(
                        "asaas.payment.create",
                        [
                            "customer": .string(customer), "billing_type": .string("PIX"),
                            "value": .integer(Int64(2_000 + index)), "due_date": .string(harness.dueDate),
                        ]
                    )
                )
            }
            try await harness.runUntilDone()

            // 2. Refunds of what was charged: half of each Stripe charge, all of each Asaas one
            //    (after the payer pays it in the sandbox).
            var refunds: [String] = []
            for job in stripeCharges {
                guard let result = try await harness.result(of: job), let intent = result["id"]?.stringValue,
                    let amount = result["amount"]?.integerValue
                else { continue }
                refunds.append(
                    try await harness.enqueue(
                        "stripe.refund.create", ["payment_intent": .string(intent), "amount": .integer(amount / 2)]
                    )
                )
            }
            for job in asaasCharges {
                guard let payment = try await harness.result(of: job)?["id"]?.stringValue else { continue }
                try await harness.payAsaas(payment)
                refunds.append(try await harness.enqueue("asaas.payment.refund", ["payment": .string(payment)]))
            }
            try await harness.runUntilDone()

            // Every job ended: succeeded, or dead with the reason kept.
            var succeeded = 0
            for job in stripeCharges + asaasCharges + refunds {
                let (record, _) = try #require(try await harness.database.job(id: job))
                #expect(record.status == .succeeded || record.status == .dead, "job \(job) is \(record.status)")
                if record.status == .dead { #expect(!(record.lastError ?? "").isEmpty) }
                if record.status == .succeeded { succeeded += 1 }
            }
            #expect(succeeded > (stripeCharges.count + asaasCharges.count) / 2, "most operations should get through")

            // The faults really happened, of every kind, to both providers.
            let injected = harness.sandbox.environment.faults.injected()
            for provider in [SandboxProvider.stripe, .asaas] {
                for kind in ["server_error", "rate_limited", "timeout"] {
                    #expect((injected[provider]?[kind] ?? 0) > 0, "no \(kind) was injected into \(provider)")
                }
            }

            // Nothing moved twice. Each operation has its own amount, so money is matched to the
            // operation that asked for it whatever key was sent: a succeeded charge moved money
            // exactly once, a dead one at most once; each refund at most once.
            let ledger = harness.sandbox.environment.ledger
            #expect(ledger.duplicatedReferences() == [])
            let entries = ledger.all()
            for (index, job) in stripeCharges.enumerated() {
                let status = try #require(try await harness.database.job(id: job)).job.status
                let amount = 1_000 + 2 * index
                let charges = entries.filter { $0.provider == .stripe && $0.kind == .charge && $0.amount == amount }
                #expect(charges.count <= 1, "Stripe charge \(index) moved money \(charges.count) times")
                if status == .succeeded { #expect(charges.count == 1, "Stripe charge \(index) succeeded without a charge") }
                let refunds = entries.filter { $0.provider == .stripe && $0.kind == .refund && $0.amount == amount / 2 }
                #expect(refunds.count <= 1, "Stripe charge \(index) was refunded \(refunds.count) times")
            }
            // Each Asaas charge exists once, even when its creation timed out and was retried.
            let asaasValues = try await harness.asaasPaymentValues()
            for index in 0..<asaasCharges.count {
                let count = asaasValues.filter { $0 == 2_000 + index }.count
                #expect(count <= 1, "Asaas charge \(index) was created \(count) times")
            }
            let asaasRefunds = Dictionary(grouping: entries.filter { $0.provider == .asaas && $0.kind == .refund }, by: \.paymentID)
            for (payment, refunds) in asaasRefunds {
                #expect(refunds.count == 1, "Asaas payment \(payment) was refunded \(refunds.count) times")
            }
            #expect(!asaasRefunds.isEmpty, "some Asaas refunds should have gone through")
        }
    }
}

/// The sandbox on a loopback port with chaos faults, a SQLite queue, the hub's jobs and
/// provider clients pointed at the sandbox, and a manual job clock.
struct ChaosHarness {
    let database: any StoreDatabase
    let sandbox: Sandbox
    let sandboxURL: String
    let clients: ProviderClients
    let queue: JobQueue
    let clock: ManualJobClock
    let runner: JobRunner

    var dueDate: String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "America/Sao_Paulo")
        return formatter.string(from: Date().addingTimeInterval(3 * 86_400))
    }

    func enqueue(_ name: String, _ params: [String: JSONValue]) async throws -> String {
        let operation = try #require(OutboundOperations.byName[name])
        let job = OutboundJobs.job(operation, params: .object(params), key: nil, priority: .normal, queue: queue)
        return try #require(try await queue.enqueue([job]).first).id
    }

    func result(of job: String) async throws -> JSONValue? {
        try await database.job(id: job)?.job.result.flatMap(JSONValue.init(parsing:))
    }

    /// Runs due jobs, moving the clock past every backoff, until no job is pending.
    func runUntilDone() async throws {
        for _ in 0..<40 {
            _ = try await runner.runDueJobs(queue: OutboundJobs.queue)
            let pending = try await database.listJobs(JobQuery(status: .pending, queue: OutboundJobs.queue, limit: 1))
            if pending.isEmpty { return }
            clock.advance(by: .seconds(2 * 3600))
        }
        Issue.record("jobs still pending after 40 rounds")
    }

    /// Creates a customer with faults off (setup, not the subject of the test).
    func sandboxAsaasCustomer() async throws -> String {
        try await withoutFaults(.asaas) {
            // The client's 700 ms deadline can pass on a loaded machine; the key makes a
            // repeated creation return the same customer.
            var attempt = 0
            while true {
                attempt += 1
                do {
                    return try await clients.asaasClient().createCustomer(
                        AsaasCustomerCreate(name: "Ana Souza", cpfCnpj: "24971563792"), idempotencyKey: "chaos-customer"
                    ).id
                } catch let error as ProviderCallError where error.isRetryable && attempt < 5 {
                    continue
                }
            }
        }
    }

    /// The payer pays an Asaas charge (the sandbox's own endpoint), with faults off.
    func payAsaas(_ payment: String) async throws {
        try await withoutFaults(.asaas) {
            var request = HTTPClientRequest(url: "\(sandboxURL)/asaas/v3/sandbox/payment/\(payment)/confirm")
            request.method = .POST
            request.headers.add(name: "access_token", value: SandboxCredentials.defaults.asaasAPIKey)
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            #expect(response.status.code == 200, "paying \(payment) in the sandbox")
        }
    }

    /// The value (centavos) of every charge in the sandbox's Asaas account, read with faults off.
    func asaasPaymentValues() async throws -> [Int] {
        try await withoutFaults(.asaas) {
            var request = HTTPClientRequest(url: "\(sandboxURL)/asaas/v3/payments?limit=100")
            request.headers.add(name: "access_token", value: SandboxCredentials.defaults.asaasAPIKey)
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 20)
            let list = try JSONDecoder().decode(AsaasList<AsaasPayment>.self, from: Data(body.readableBytesView))
            #expect(list.hasMore == false, "more than 100 charges: the test reads one page")
            return list.data.map(\.value.minorUnits)
        }
    }

    private func withoutFaults<T>(_ provider: SandboxProvider, _ body: () async throws -> T) async throws -> T {
        let faults = sandbox.environment.faults
        let settings = faults.settings(for: provider)
        faults.set(FaultSettings(), for: provider)
        defer { faults.set(settings, for: provider) }
        return try await body()
    }
}

func withChaosHarness(_ body: (ChaosHarness) async throws -> Void) async throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let database = try await SQLiteStore.open(path: directory.path + "/ponte.sqlite", logger: quietLogger)
    let sandbox = Sandbox(credentials: .defaults, hubBaseURL: nil, seed: 2026, logger: quietLogger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await database.run() }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = buildSandboxApplication(sandbox: sandbox, host: "127.0.0.1", port: 0, logger: quietLogger) { port in
            portContinuation.yield(port)
        }
        group.addTask { try await app.runService() }
        defer { group.cancelAll() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        _ = try await database.migrate(logger: quietLogger)

        let sandboxURL = "http://127.0.0.1:\(port)"
        let clock = ManualJobClock(now: Int64(Date().timeIntervalSince1970 * 1_000_000))
        var settings = ProviderClientSettings(
            stripeSecretKey: SandboxCredentials.defaults.stripeSecretKey, asaasAPIKey: SandboxCredentials.defaults.asaasAPIKey
        ).pointed(atSandbox: sandboxURL)
        // One attempt per call: every fault reaches the job queue, whose retries must reuse the
        // operation's key (in-call retries, tested on their own, would hide most of them).
        for keyPath in [\ProviderClientSettings.stripe, \.asaas] {
            settings[keyPath: keyPath].readTimeout = .milliseconds(700)
            settings[keyPath: keyPath].connectTimeout = .milliseconds(100)
            settings[keyPath: keyPath].maxAttempts = 1
        }
        let clients = ProviderClients(
            settings: settings, logger: quietLogger,
            now: { Date(timeIntervalSince1970: Double(clock.now()) / 1_000_000) }
        )
        let hub = try await HubAssembly.make(
            configuration: HubConfiguration(), modules: HubModules.all, logger: quietLogger, now: Date.init, database: database,
            clients: clients, clock: clock
        )
        let queue = hub.queue
        let runner = hub.runner(logger: quietLogger, prepare: {})
        for provider in [SandboxProvider.stripe, .asaas] {
            sandbox.environment.faults.set(OutboundChaosTests.chaos, for: provider)
        }
        try await body(
            ChaosHarness(
                database: database, sandbox: sandbox, sandboxURL: sandboxURL, clients: clients, queue: queue, clock: clock,
                runner: runner
            )
        )
    }
}
