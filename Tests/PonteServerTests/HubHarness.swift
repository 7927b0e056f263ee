import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOHTTP1
import PonteCore
import PonteJobs
import PonteKit
import PonteSandbox
import PonteSandboxHub
import PonteStore
import ServiceLifecycle
import Testing

@testable import PonteServer

/// A hub with the orders module over real HTTP on loopback, beside the sandbox's simulators
/// (whose webhooks come back to it signed), on a clock the test moves. No workers run on their
/// own: `run()` runs the due jobs of every queue, as a worker would, until none is due.
struct HubHarness {
    let baseURL: String
    let database: any StoreDatabase
    let sandbox: Sandbox
    let sandboxURL: String
    let clock: ManualJobClock
    let runner: JobRunner
    let queue: JobQueue
    /// The hub's data directory (its key files).
    let dataDirectory: String

    static let start: Int64 = 1_750_000_000_000_000  // 2025-06-15T15:06:40Z, a Sunday: 12:06 in São Paulo
    static let queues = ["webhooks", "orders", "kiosk", "venues", "notifications", "providers", "default"]

    /// Runs due jobs of every queue until none is due, letting the sandbox's webhooks arrive
    /// and be processed in between.
    func run() async throws {
        for _ in 0..<30 {
            try await waitForWebhooks()
            var ran = 0
            for queue in Self.queues { ran += try await runner.runDueJobs(queue: queue).count }
            try await waitForWebhooks()
            if ran == 0, try await !hasDueJobs() { return }
        }
        Issue.record("jobs were still due after 30 rounds")
    }

    private func hasDueJobs() async throws -> Bool {
        let rows = try await database.read(
            "SELECT COUNT(*) AS n FROM jobs WHERE status = 'pending' AND run_at <= ?", [.integer(clock.now())])
        return (rows.first?.integer(0) ?? 0) > 0
    }

    /// Waits (up to 10 s) until the sandbox has delivered every webhook it queued.
    func waitForWebhooks() async throws {
        for _ in 0..<200 {
            if !sandbox.environment.webhooks.deliveries().contains(where: { $0.status == .pending }) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        let pending = sandbox.environment.webhooks.deliveries().filter { $0.status == .pending }
        // Ends the test here: waiting on would only repeat this for every round of `run()`.
        throw HarnessError("the sandbox still had webhooks to deliver after 10 s: \(pending)")
    }

    /// Moves the clock by `duration` and runs what fell due.
    func advance(_ duration: Duration) async throws {
        clock.advance(by: duration)
        try await run()
    }

    // MARK: HTTP

    func call(
        _ method: HTTPRequest.Method, _ path: String, json: String? = nil, token: String? = HubHarness.adminToken, headers: HTTPFields = [:]
    ) async throws -> HubResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = HTTPMethod(rawValue: method.rawValue)
        for field in headers { request.headers.add(name: field.name.rawName, value: field.value) }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        return HubResponse(
            status: HTTPResponse.Status(code: Int(response.status.code)), contentType: response.headers.first(name: "Content-Type"), body: body)
    }

    /// Calls and decodes a 2xx answer as a JSON object.
    @discardableResult
    func object(
        _ method: HTTPRequest.Method, _ path: String, json: String? = nil, token: String? = HubHarness.adminToken, headers: HTTPFields = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [String: Any] {
        let response = try await call(method, path, json: json, token: token, headers: headers)
        #expect((200..<300).contains(Int(response.status.code)), "\(method) \(path): \(String(buffer: response.body))", sourceLocation: sourceLocation)
        return try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
    }

    func order(_ id: String) async throws -> [String: Any] { try await object(.get, "/api/v1/orders/\(id)") }

    /// A client and a store with `config` as its policy (JSON fields); returns the store id.
    func makeStore(config: String? = nil, extra: String = "") async throws -> (client: String, store: String) {
        let client = try await object(.post, "/api/v1/clients", json: #"{"name": "Cantina da Nonna"}"#)["id"] as! String
        let hours = #"{"mon": [["00:00", "24:00"]], "tue": [["00:00", "24:00"]], "wed": [["00:00", "24:00"]], "thu": [["00:00", "24:00"]], "fri": [["00:00", "24:00"]], "sat": [["00:00", "24:00"]], "sun": [["00:00", "24:00"]]}"#
        let store = try await object(
            .post, "/api/v1/clients/\(client)/stores",
            json: #"{"name": "Centro", "time_zone": "America/Sao_Paulo", "operating_hours": \#(hours), "whatsapp_number": "+5511999990000"\#(extra)}"#
        )["id"] as! String
        if let config {
            try await object(.put, "/api/v1/clients/\(client)/stores/\(store)/order-config", json: config)
        }
        return (client, store)
    }

    /// An order of two pizzas (2 × R$ 39,90 + R$ 5,00 delivery = R$ 84,80).
    /// With `changes`, fields replaced (or, for `NSNull()`, removed).
    static func orderJSON(client: String, store: String, method: String, changes: [String: Any] = [:]) -> String {
        var order: [String: Any] = [
            "client_id": client, "store_id": store, "source": "WHATSAPP_BOT", "customer_id": "cus-1",
            "customer_name": "Ana Souza", "phone_number": "+5511987654321", "customer_cpf": "529.982.247-25",
            "items": [
                [
                    "item_id": "pz-1", "name": "Pizza Margherita", "quantity": 2, "unit_price": 3990,
                    "customizations": ["adicionar": ["borda recheada"], "remover": [String]()],
                ]
            ],
            "delivery_type": "DELIVERY", "delivery_address": ["street": "Rua Augusta", "number": "100"],
            "delivery_fee": 500, "payment_method": method,
        ]
        for (key, value) in changes { order[key] = value is NSNull ? nil : value }
        let data = try! JSONSerialization.data(withJSONObject: order, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    func createOrder(client: String, store: String, method: String, changes: [String: Any] = [:]) async throws -> [String: Any] {
        try await object(.post, "/api/v1/orders", json: Self.orderJSON(client: client, store: store, method: method, changes: changes))
    }

    /// An admin token valid for the whole test, however far the clock is moved.
    static let adminToken = Fixture.tokens.issue(role: "admin", now: Fixture.now, lifetime: 365 * 86_400)

    /// The events of the store's stream, oldest first: (type, data).
    func streamEvents(_ store: String, token: String = HubHarness.adminToken) async throws -> [(type: String, data: [String: Any])] {
        try await streamEvents(path: "/api/v1/stores/\(store)/events", token: token)
    }

    /// The events of the stream served at `path`, oldest first: (type, data).
    func streamEvents(path: String, token: String? = HubHarness.adminToken) async throws -> [(type: String, data: [String: Any])] {
        let page = try await object(.get, "\(path)?after=0&limit=500", token: token)
        let events = try #require(page["events"] as? [[String: Any]])
        return events.map { ($0["type"] as? String ?? "", $0["data"] as? [String: Any] ?? [:]) }
    }

    /// The event types of the stored webhooks of `provider`.
    func storedWebhooks(provider: String) async throws -> [String] {
        let page = try await object(.get, "/api/v1/webhooks?provider=\(provider)&limit=500")
        return (page["data"] as? [[String: Any]] ?? []).compactMap { $0["event_type"] as? String }
    }

    /// Polls iFood's events once, as the periodic job does every 30 s.
    func pollIFood() async throws {
        try await queue.enqueue([queue.makeJob(kind: "ifood.events.poll", queue: "providers")])
        try await run()
    }

    /// A customer places an iFood order at `merchant`, in the sandbox; returns iFood's order id.
    func placeIFoodOrder(merchant: String, orderType: String = "DELIVERY") async throws -> String {
        var request = HTTPClientRequest(url: "\(sandboxURL)/_sandbox/ifood/orders")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(
            ByteBuffer(
                string: #"{"merchantId": "\#(merchant)", "customerName": "Bruno Lima", "orderType": "\#(orderType)", "items": [{"name": "Açaí 500 ml", "quantity": 2, "unitPrice": 12.34}], "deliveryFee": 5.90}"#
            ))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        #expect(response.status.code == 201, "placing an iFood order: \(String(buffer: body))")
        let order = try #require(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])
        return try #require(order["id"] as? String)
    }

    /// The payer pays the Asaas charge, in the sandbox.
    func payAsaas(_ payment: String) async throws {
        var request = HTTPClientRequest(url: "\(sandboxURL)/asaas/v3/sandbox/payment/\(payment)/confirm")
        request.method = .POST
        request.headers.add(name: "access_token", value: SandboxCredentials.defaults.asaasAPIKey)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        #expect(response.status.code == 200, "paying \(payment) in the sandbox")
    }
}

/// Runs `test` with an orders harness on `backend`.
func withHubHarness(
    _ backend: HubDatabase, modules: [any HubModule] = HubModules.all, configure: (inout HubConfiguration) -> Void = { _ in },
    _ test: @Sendable (HubHarness) async throws -> Void
) async throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let clock = ManualJobClock(now: HubHarness.start)
    let now: @Sendable () -> Date = { Date(timeIntervalSince1970: Double(clock.now()) / 1_000_000) }
    // The simulators' time is the hub's: a charge due "today" is today for both.
    let sandbox = Sandbox(
        credentials: .defaults, hubBaseURL: nil, seed: 15, logger: quietLogger, clock: SandboxClock(wallClock: now),
        webhookRetryBaseDelay: .milliseconds(50))
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let sandboxApp = buildSandboxApplication(sandbox: sandbox, host: "127.0.0.1", port: 0, logger: quietLogger) { port in
        portContinuation.yield(port)
    }
    // A sandbox that cannot start ends the wait for its port instead of leaving it waiting.
    try await serving(sandboxApp, trace: HarnessTrace(label: "sandbox"), whenStopped: { portContinuation.finish() }) {
        var iterator = ports.makeAsyncIterator()
        let sandboxURL = "http://127.0.0.1:\(try #require(await iterator.next(), "the sandbox stopped before it listened"))"

        func configuration(database: String) throws -> HubConfiguration {
            var configuration = HubConfiguration()
            // A port known in advance: Twilio signs the URL it calls, so the hub's public URL must be it.
            configuration.port = try SandboxWiring.freeLoopbackPort()
            configuration.publicURL = "http://127.0.0.1:\(configuration.port)"
            configuration.jwtSecret = Fixture.jwtSecret
            configuration.dataDirectory = directory.path
            configuration.workers = false
            configuration.sandboxURL = sandboxURL
            configure(&configuration)
            configuration.database = database
            return configuration
        }
        func run(_ configuration: HubConfiguration) async throws {
            let trace = HarnessTrace(label: "hub \(backend) :\(configuration.port)")
            var preparing = configuration
            _ = try SandboxHub().prepare(&preparing, logger: quietLogger)
            let prepared = preparing
            let (listening, listened) = AsyncStream.makeStream(of: Void.self)
            let app = try await buildApplication(
                configuration: configuration, modules: modules, sandbox: ListeningSandbox(wrapped: SandboxHub(), listening: listened), logger: quietLogger,
                now: now, clock: clock)
            let database = try #require(app.services.first as? any StoreDatabase)
            // A hub that cannot start (its port taken) ends the wait for it to listen.
            try await serving(app, trace: trace, whenStopped: { listened.finish() }) {
                var started = listening.makeAsyncIterator()
                guard await started.next() != nil else { throw HubDidNotListen(port: configuration.port) }
                trace.note("listens")
                let baseURL = "http://127.0.0.1:\(configuration.port)"
                sandbox.environment.webhooks.setHubBaseURL(baseURL)
                let hub = try await HubAssembly.make(
                    configuration: prepared, modules: modules, logger: quietLogger, now: now, database: database, clock: clock)
                let runner = hub.runner(logger: quietLogger, prepare: {})
                try await test(
                    HubHarness(
                        baseURL: baseURL, database: database, sandbox: sandbox, sandboxURL: sandboxURL, clock: clock, runner: runner,
                        queue: hub.queue, dataDirectory: directory.path))
            }
        }

        try await withDatabaseURL(backend, in: directory) { url in
            for attempt in 1...3 {
                do {
                    return try await run(configuration(database: url))
                } catch let error as HubDidNotListen where attempt < 3 {
                    // Another socket took the port between its picking and the hub's bind: pick again.
                    Issue.record(Comment(rawValue: "\(error); trying another port"), severity: .warning)
                }
            }
        }
    }
}

/// Runs `service` in a service group of its own while `body` runs, then stops it as SIGTERM
/// stops the hub — by graceful shutdown, each service in reverse order — and waits until it
/// has. No signal handlers are installed: tests run many services in one process.
/// `whenStopped` runs as soon as the service's run ends, even when it ends by itself.
func serving<R: Sendable>(
    _ service: some Service, trace: HarnessTrace, whenStopped: @escaping @Sendable () -> Void = {},
    _ body: () async throws -> R
) async throws -> R {
    let group = ServiceGroup(configuration: .init(services: [.init(service: service)], logger: quietLogger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
            defer { whenStopped() }
            try await group.run()
        }
        let outcome: Result<R, any Error>
        do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
        trace.note("stopping")
        await group.triggerGracefulShutdown()
        let stopped: Result<Void, any Error>
        do { stopped = .success(try await tasks.waitForAll()) } catch { stopped = .failure(error) }
        trace.note("stopped")
        let result = try outcome.get()
        try stopped.get()
        return result
    }
}

/// With `PONTE_TEST_TRACE=1`, the harness says on standard error where each service under test
/// is (listening, stopping, stopped), to find one that does not stop.
struct HarnessTrace {
    let label: String
    static let enabled = ProcessInfo.processInfo.environment["PONTE_TEST_TRACE"] == "1"

    func note(_ what: String) {
        guard Self.enabled else { return }
        FileHandle.standardError.write(Data("[harness \(label)] \(Date().timeIntervalSince1970) \(what)\n".utf8))
    }
}

/// The hub under test stopped before it listened (its `run()` ended: the port was taken).
struct HubDidNotListen: Error, CustomStringConvertible {
    let port: Int
    var description: String { "the hub under test stopped before it listened on port \(port)" }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The sandbox wiring of a hub under test, which also says when the hub is listening.
struct ListeningSandbox: HubSandbox {
    let wrapped: SandboxHub
    let listening: AsyncStream<Void>.Continuation

    func prepare(_ configuration: inout HubConfiguration, logger: Logger) throws -> (any Service)? {
        try wrapped.prepare(&configuration, logger: logger)
    }

    func hubIsListening(_ configuration: HubConfiguration, port: Int?) {
        wrapped.hubIsListening(configuration, port: port)
        listening.yield()
    }
}

/// A hub's answer, read over HTTP.
struct HubResponse: APIAnswer {
    let status: HTTPResponse.Status
    let contentType: String?
    let body: ByteBuffer
}
