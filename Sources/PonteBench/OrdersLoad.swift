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
        let api = API(client: client, options: options)
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

        let reader = StoreStreamReader(client: client, options: options, store: storeID)
        try await reader.open()
        let sentAt = TimesByOrder()
        let ackedAt = TimesByOrder()
        let failures = Counter()
        let start = ContinuousClock.now + .milliseconds(200)
        let interval = 1.0 / Double(options.rate)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, order) in orders.enumerated() {
                let due = start + .seconds(Double(index) * interval)
                try await Task.sleep(until: due, clock: .continuous)
                guard let payment = payments[order.id] else { continue }
                group.addTask {
                    let body = """
                        {"id":"evt_bench_\(order.id)","event":"PAYMENT_RECEIVED","payment":{"id":"\(payment)","externalReference":"\(order.id)","status":"RECEIVED","value":\(Double(order.total) / 100)}}
                        """
                    var request = HTTPClientRequest(url: options.baseURL + "/webhooks/asaas")
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.headers.add(name: "asaas-access-token", value: options.asaasToken)
                    request.body = .bytes(ByteBuffer(string: body))
                    sentAt.set(order.id, ContinuousClock.now)
                    do {
                        let response = try await client.execute(request, timeout: .seconds(10))
                        _ = try await response.body.collect(upTo: 1 << 16)
                        if response.status == .ok { ackedAt.set(order.id, ContinuousClock.now) } else { failures.add() }
                    } catch {
                        failures.add()
                    }
                }
            }
            try await group.waitForAll()
        }
        let sendEnded = ContinuousClock.now
        let measuredIDs = orders.dropFirst(Int(Double(options.rate) * seconds(options.warmup))).map(\.id)
        try await reader.waitFor(measuredIDs, timeout: .seconds(15))
        reader.close()

        let sent = sentAt.all()
        let acked = ackedAt.all()
        let confirmed = reader.confirmed.all()
        var ack: [Double] = []
        var toConfirmed: [Double] = []
        var missing = 0
        for id in measuredIDs {
            guard let sentTime = sent[id] else { continue }
            if let ackTime = acked[id] { ack.append(milliseconds(ackTime - sentTime)) }
            if let confirmedTime = confirmed[id] { toConfirmed.append(milliseconds(confirmedTime - sentTime)) } else { missing += 1 }
        }
        ack.sort()
        toConfirmed.sort()
        let measuredStart = sent[measuredIDs.first ?? ""] ?? start
        return Report(
            rateTarget: options.rate, measured: measuredIDs.count,
            webhooksPerSecond: Double(measuredIDs.count) / max(seconds(sendEnded - measuredStart), 0.001),
            ackP50Milliseconds: percentile(ack, 0.50), ackP99Milliseconds: percentile(ack, 0.99),
            confirmedP50Milliseconds: percentile(toConfirmed, 0.50), confirmedP99Milliseconds: percentile(toConfirmed, 0.99),
            confirmedMaxMilliseconds: toConfirmed.last ?? 0, ackFailed: failures.value, missing: missing, setupSeconds: setup
        )
    }
}

// MARK: Helpers

private func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

private func milliseconds(_ duration: Duration) -> Double { seconds(duration) * 1000 }

private func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let rank = Int((p * Double(sorted.count)).rounded(.up)) - 1
    return (sorted[min(max(rank, 0), sorted.count - 1)] * 100).rounded() / 100
}

/// Times keyed by order id, from many tasks.
final class TimesByOrder: @unchecked Sendable {
    private let lock = NSLock()
    private var times: [String: ContinuousClock.Instant] = [:]

    func set(_ id: String, _ time: ContinuousClock.Instant) {
        lock.lock()
        if times[id] == nil { times[id] = time }
        lock.unlock()
    }

    func all() -> [String: ContinuousClock.Instant] {
        lock.lock()
        defer { lock.unlock() }
        return times
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() {
        lock.lock()
        count += 1
        lock.unlock()
    }
    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}

/// The hub's API, as the benchmark calls it.
struct API: Sendable {
    let client: HTTPClient
    let options: OrdersLoad.Options

    func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: options.baseURL + path)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Authorization", value: "Bearer \(options.token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw OrdersLoadError(description: "\(method) \(path) answered \(response.status.code): \(String(buffer: bytes))")
        }
        return (try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) as? [String: Any]) ?? [:]
    }

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
        throw OrdersLoadError(description: "the orders' Asaas charges were not all created within 300 s")
    }
}

/// The store's stream as a POS reads it (Server-Sent Events), noting when each order's
/// `CONFIRMED` arrives.
final class StoreStreamReader: @unchecked Sendable {
    let client: HTTPClient
    let options: OrdersLoad.Options
    let store: String
    let confirmed = TimesByOrder()
    private var task: Task<Void, any Error>?

    init(client: HTTPClient, options: OrdersLoad.Options, store: String) {
        self.client = client
        self.options = options
        self.store = store
    }

    func open() async throws {
        let api = API(client: client, options: options)
        let last = try await api.call("GET", "/api/v1/stores/\(store)/events?after=0&limit=1")["last_seq"] as? Int ?? 0
        var request = HTTPClientRequest(url: options.baseURL + "/api/v1/stores/\(store)/events")
        request.headers.add(name: "Authorization", value: "Bearer \(options.token)")
        request.headers.add(name: "Accept", value: "text/event-stream")
        request.headers.add(name: "Last-Event-ID", value: String(last))
        let response = try await client.execute(request, timeout: .seconds(3600))
        guard response.status == .ok else { throw OrdersLoadError(description: "the store stream answered \(response.status.code)") }
        let confirmed = self.confirmed
        task = Task {
            var pending = ""
            for try await chunk in response.body {
                let now = ContinuousClock.now
                pending += String(buffer: chunk)
                while let end = pending.range(of: "\n\n") {
                    let frame = pending[..<end.lowerBound]
                    pending = String(pending[end.upperBound...])
                    guard frame.contains("event: ORDER_STATUS_CHANGED") else { continue }
                    for line in frame.split(separator: "\n") where line.hasPrefix("data: ") {
                        // `data:` is the stream event; its own `data` is the status change.
                        guard let data = line.dropFirst(6).data(using: .utf8),
                            let event = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                            let change = event["data"] as? [String: Any],
                            change["to"] as? String == "CONFIRMED", let id = change["order_id"] as? String
                        else { continue }
                        confirmed.set(id, now)
                    }
                }
            }
        }
    }

    func waitFor(_ ids: [String], timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let seen = confirmed.all()
            if ids.allSatisfy({ seen[$0] != nil }) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    func close() { task?.cancel() }
}

public struct OrdersLoadError: Error, CustomStringConvertible {
    public let description: String
}
