import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

// What the payment benchmarks (store orders, kiosk tickets) share: the hub's API, Asaas
// webhooks sent at a steady rate and timed to their acknowledgement, a stream reader that
// notes when each payment's effect arrives, and the latencies of both.

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func milliseconds(_ duration: Duration) -> Double { seconds(duration) * 1000 }

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let rank = Int((p * Double(sorted.count)).rounded(.up)) - 1
    return (sorted[min(max(rank, 0), sorted.count - 1)] * 100).rounded() / 100
}

/// The first time each id was seen, from many tasks.
final class TimesByID: @unchecked Sendable {
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

public struct BenchLoadError: Error, CustomStringConvertible {
    public let description: String
}

/// The hub's API, as a benchmark calls it.
struct API: Sendable {
    let client: HTTPClient
    let baseURL: String
    /// An admin bearer token.
    let token: String

    func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw BenchLoadError(description: "\(method) \(path) answered \(response.status.code): \(String(buffer: bytes))")
        }
        return (try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) as? [String: Any]) ?? [:]
    }
}

/// Asaas `PAYMENT_RECEIVED` webhooks, one per payment, at a steady rate; each timed from its
/// sending to its acknowledgement.
struct AsaasWebhookPacer: Sendable {
    struct Payment: Sendable {
        /// The charge's `externalReference` (the order or session it pays).
        let reference: String
        let paymentID: String
        let centavos: Int
    }

    struct Timings {
        let sent: [String: ContinuousClock.Instant]
        let acked: [String: ContinuousClock.Instant]
        /// Webhooks not answered 200.
        let failures: Int
        let ended: ContinuousClock.Instant
    }

    let client: HTTPClient
    let baseURL: String
    let asaasToken: String
    let rate: Int

    func send(_ payments: [Payment]) async throws -> Timings {
        let sentAt = TimesByID()
        let ackedAt = TimesByID()
        let failures = Counter()
        let start = ContinuousClock.now + .milliseconds(200)
        let interval = 1.0 / Double(rate)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, payment) in payments.enumerated() {
                try await Task.sleep(until: start + .seconds(Double(index) * interval), clock: .continuous)
                group.addTask {
                    let body = """
                        {"id":"evt_bench_\(payment.reference)","event":"PAYMENT_RECEIVED","payment":{"id":"\(payment.paymentID)","externalReference":"\(payment.reference)","status":"RECEIVED","value":\(Double(payment.centavos) / 100)}}
                        """
                    var request = HTTPClientRequest(url: baseURL + "/webhooks/asaas")
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.headers.add(name: "asaas-access-token", value: asaasToken)
                    request.body = .bytes(ByteBuffer(string: body))
                    sentAt.set(payment.reference, ContinuousClock.now)
                    do {
                        let response = try await client.execute(request, timeout: .seconds(10))
                        _ = try await response.body.collect(upTo: 1 << 16)
                        if response.status == .ok { ackedAt.set(payment.reference, ContinuousClock.now) } else { failures.add() }
                    } catch {
                        failures.add()
                    }
                }
            }
            try await group.waitForAll()
        }
        return Timings(sent: sentAt.all(), acked: ackedAt.all(), failures: failures.value, ended: ContinuousClock.now)
    }
}

/// The acknowledgement and effect latencies of the measured payments, in milliseconds.
struct Latencies {
    private let acks: [Double]
    private let effects: [Double]
    let missing: Int
    /// Webhooks per second over the measured window.
    let rate: Double

    init(ids: [String], timings: AsaasWebhookPacer.Timings, effect: [String: ContinuousClock.Instant]) {
        var acks: [Double] = []
        var effects: [Double] = []
        var missing = 0
        for id in ids {
            guard let sent = timings.sent[id] else { continue }
            if let acked = timings.acked[id] { acks.append(milliseconds(acked - sent)) }
            if let seen = effect[id] { effects.append(milliseconds(seen - sent)) } else { missing += 1 }
        }
        self.acks = acks.sorted()
        self.effects = effects.sorted()
        self.missing = missing
        let first = ids.first.flatMap { timings.sent[$0] } ?? timings.ended
        rate = Double(ids.count) / max(seconds(timings.ended - first), 0.001)
    }

    func ack(_ p: Double) -> Double { percentile(acks, p) }
    func effect(_ p: Double) -> Double { percentile(effects, p) }
    var effectMax: Double { effects.last ?? 0 }
}

/// A stream read as a POS or a panel reads it (Server-Sent Events): notes when each event of
/// `eventType` whose data `key` picks an id from arrives.
final class StreamReader: @unchecked Sendable {
    let client: HTTPClient
    let api: API
    let path: String
    let eventType: String
    let key: @Sendable ([String: Any]) -> String?
    let seen = TimesByID()
    private var task: Task<Void, any Error>?

    init(client: HTTPClient, api: API, path: String, eventType: String, key: @escaping @Sendable ([String: Any]) -> String?) {
        self.client = client
        self.api = api
        self.path = path
        self.eventType = eventType
        self.key = key
    }

    func open() async throws {
        let last = try await api.call("GET", "\(path)?after=0&limit=1")["last_seq"] as? Int ?? 0
        var request = HTTPClientRequest(url: api.baseURL + path)
        request.headers.add(name: "Authorization", value: "Bearer \(api.token)")
        request.headers.add(name: "Accept", value: "text/event-stream")
        request.headers.add(name: "Last-Event-ID", value: String(last))
        let response = try await client.execute(request, timeout: .seconds(3600))
        guard response.status == .ok else { throw BenchLoadError(description: "the stream \(path) answered \(response.status.code)") }
        let seen = self.seen
        let key = self.key
        let marker = "event: \(eventType)"
        task = Task {
            var pending = ""
            for try await chunk in response.body {
                let now = ContinuousClock.now
                pending += String(buffer: chunk)
                while let end = pending.range(of: "\n\n") {
                    let frame = pending[..<end.lowerBound]
                    pending = String(pending[end.upperBound...])
                    guard frame.contains(marker) else { continue }
                    for line in frame.split(separator: "\n") where line.hasPrefix("data: ") {
                        // `data:` is the stream event; its own `data` is what happened.
                        guard let data = line.dropFirst(6).data(using: .utf8),
                            let event = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                            let change = event["data"] as? [String: Any], let id = key(change)
                        else { continue }
                        seen.set(id, now)
                    }
                }
            }
        }
    }

    func waitFor(_ ids: [String], timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let seen = self.seen.all()
            if ids.allSatisfy({ seen[$0] != nil }) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    func close() { task?.cancel() }
}
