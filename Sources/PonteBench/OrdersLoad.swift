import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The store-orders benchmark, against a running `ponte serve --sandbox`: online orders are
/// created and charged first; then Asaas `PAYMENT_RECEIVED` webhooks arrive at a steady rate,
/// and each is timed twice — to its acknowledgement (the plain webhook latency) and to the
/// order's `CONFIRMED` event read on the store's stream (Server-Sent Events), where a POS
/// would see it.
public struct OrdersLoad: Sendable {
    public struct Options: Sendable {
        public var baseURL = "http://127.0.0.1:8080"
        /// An admin bearer token.
        public var token = ""
        /// The hub's `ASAAS_WEBHOOK_TOKEN` (the sandbox's by default).
        public var asaasToken = "ponte-sandbox-asaas-token"
        /// Payment webhooks per second.
        public var rate = 200
        public var warmup: Duration = .seconds(2)
        public var duration: Duration = .seconds(10)
        public init() {}
    }

    public struct Report: Sendable, Codable {
        public var rateTarget: Int
        /// Webhooks sent in the measured window.
        public var measured: Int
        public var webhooksPerSecond: Double
        public var ackP50Milliseconds: Double
        public var ackP99Milliseconds: Double
        public var confirmedP50Milliseconds: Double
        public var confirmedP99Milliseconds: Double
        public var confirmedMaxMilliseconds: Double
        /// Webhooks not answered 200, of the whole run.
        public var ackFailed: Int
        /// Orders whose CONFIRMED never reached the stream reader.
        public var missing: Int
        /// Creating and charging the orders beforehand.
        public var setupSeconds: Double

        enum CodingKeys: String, CodingKey {
            case measured, missing
            case rateTarget = "rate_target"
            case webhooksPerSecond = "webhooks_per_second"
            case ackP50Milliseconds = "ack_p50_ms"
            case ackP99Milliseconds = "ack_p99_ms"
            case confirmedP50Milliseconds = "confirmed_p50_ms"
            case confirmedP99Milliseconds = "confirmed_p99_ms"
            case confirmedMaxMilliseconds = "confirmed_max_ms"
            case ackFailed = "ack_failed"
            case setupSeconds = "setup_seconds"
        }
    }

    public let options: Options

    public init(options: Options) {
        self.options = options
    }

    typealias JSON = [String: Any]

    public func run() async throws -> Report {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let report = try await measure(client)
            try await client.shutdown()
            return report
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func measure(_ client: HTTPClient) async throws -> Report {
        let api = API(client: client, baseURL: options.baseURL, token: options.token)
        let setupStarted = ContinuousClock.now
        let clientID = try await api.call("POST", "/api/v1/clients", ["name": "Bench"])["id"] as! String
        let hours = Dictionary(uniqueKeysWithValues: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map { ($0, [["00:00", "24:00"]]) })
        let storeID = try await api.call(
            "POST", "/api/v1/clients/\(clientID)/stores", ["name": "Bench", "time_zone": "America/Sao_Paulo", "operating_hours": hours]
        )["id"] as! String
        let count = Int(Double(options.rate) * seconds(options.warmup + options.duration))
        var orders: [(id: String, total: Int)] = []
        try await withThrowingTaskGroup(of: [(String, Int)].self) { group in
            let lanes = 8
            for lane in 0..<lanes {
                group.addTask {
                    var made: [(String, Int)] = []
                    for index in stride(from: lane, to: count, by: lanes) {
                        let order = try await api.call("POST", "/api/v1/orders", [
                            "client_id": clientID, "store_id": storeID, "customer_cpf": "529.982.247-25", "payment_method": "PIX",
                            "items": [["item_id": "b-\(index)", "name": "Item \(index)", "quantity": 1, "unit_price": 1000 + index]],
                        ])
                        made.append((order["id"] as! String, order["total"] as! Int))
                    }
                    return made
                }
            }
            for try await made in group { orders += made.map { (id: $0.0, total: $0.1) } }
        }
        let payments = try await api.waitForCharges(store: storeID, count: count)
        let setup = seconds(ContinuousClock.now - setupStarted)

        let reader = StreamReader(
            client: client, api: api, path: "/api/v1/stores/\(storeID)/events", eventType: "ORDER_STATUS_CHANGED"
        ) { change in
            change["to"] as? String == "CONFIRMED" ? change["order_id"] as? String : nil
        }
        try await reader.open()
        let timings = try await AsaasWebhookPacer(client: client, baseURL: options.baseURL, asaasToken: options.asaasToken, rate: options.rate)
            .send(orders.compactMap { order in payments[order.id].map { AsaasWebhookPacer.Payment(reference: order.id, paymentID: $0, centavos: order.total) } })
        let measuredIDs = orders.dropFirst(Int(Double(options.rate) * seconds(options.warmup))).map(\.id)
        try await reader.waitFor(measuredIDs, timeout: .seconds(15))
        reader.close()
        let latency = Latencies(ids: measuredIDs, timings: timings, effect: reader.seen.all())
        return Report(
            rateTarget: options.rate, measured: measuredIDs.count, webhooksPerSecond: latency.rate,
            ackP50Milliseconds: latency.ack(0.50), ackP99Milliseconds: latency.ack(0.99),
            confirmedP50Milliseconds: latency.effect(0.50), confirmedP99Milliseconds: latency.effect(0.99),
            confirmedMaxMilliseconds: latency.effectMax, ackFailed: timings.failures, missing: latency.missing, setupSeconds: setup
        )
    }
}

extension API {
    /// The Asaas charge of each of the store's `count` orders, once every one has its charge.
    func waitForCharges(store: String, count: Int) async throws -> [String: String] {
        let deadline = ContinuousClock.now + .seconds(300)
        while ContinuousClock.now < deadline {
            var payments: [String: String] = [:]
            var cursor: String?
            repeat {
                let page = try await call("GET", "/api/v1/orders?store_id=\(store)&limit=500" + (cursor.map { "&cursor=\($0)" } ?? ""))
                for order in page["data"] as? [[String: Any]] ?? [] {
                    if let id = order["id"] as? String, let payment = order["payment_id"] as? String { payments[id] = payment }
                }
                cursor = page["next_cursor"] as? String
            } while cursor != nil
            if payments.count >= count { return payments }
            try await Task.sleep(for: .milliseconds(500))
        }
        throw BenchLoadError(description: "the orders' Asaas charges were not all created within 300 s")
    }
}
