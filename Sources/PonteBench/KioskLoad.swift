import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// The kiosk benchmark, against a running `ponte serve --sandbox`: payment sessions are
/// opened (each charged in the simulated Asaas) first; then their `PAYMENT_RECEIVED`
/// webhooks arrive at a steady rate, and each is timed twice — to its acknowledgement (the
/// plain webhook latency) and to its ticket's `IN_QUEUE` on the location's stream (Server-Sent
/// Events), which comes after the ticket was made, printed on a printer on loopback, and
/// the printer said it is fine.
public struct KioskLoad: Sendable {
    public struct Options: Sendable {
        public var baseURL = "http://127.0.0.1:8080"
        /// An admin bearer token.
        public var token = ""
        /// The hub's `ASAAS_WEBHOOK_TOKEN` (the sandbox's by default).
        public var asaasToken = "ponte-sandbox-asaas-token"
        /// Payment webhooks per second.
        public var rate = 100
        public var warmup: Duration = .seconds(2)
        public var duration: Duration = .seconds(10)
        public init() {}
    }

    public struct Report: Sendable, Codable {
        public var rateTarget: Int
        public var measured: Int
        public var webhooksPerSecond: Double
        public var ackP50Milliseconds: Double
        public var ackP99Milliseconds: Double
        public var inQueueP50Milliseconds: Double
        public var inQueueP99Milliseconds: Double
        public var inQueueMaxMilliseconds: Double
        /// Webhooks not answered 200, of the whole run.
        public var ackFailed: Int
        /// Sessions whose ticket never reached IN_QUEUE on the stream.
        public var missing: Int
        /// Print jobs the loopback printer received (one connection each, status requests included).
        public var printerConnections: Int
        public var setupSeconds: Double

        enum CodingKeys: String, CodingKey {
            case measured, missing
            case rateTarget = "rate_target"
            case webhooksPerSecond = "webhooks_per_second"
            case ackP50Milliseconds = "ack_p50_ms"
            case ackP99Milliseconds = "ack_p99_ms"
            case inQueueP50Milliseconds = "in_queue_p50_ms"
            case inQueueP99Milliseconds = "in_queue_p99_ms"
            case inQueueMaxMilliseconds = "in_queue_max_ms"
            case ackFailed = "ack_failed"
            case printerConnections = "printer_connections"
            case setupSeconds = "setup_seconds"
        }
    }

    public let options: Options

    public init(options: Options) {
        self.options = options
    }

    public func run() async throws -> Report {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let printer = try await LoopbackPrinter.start()
        do {
            let report = try await measure(client, printer: printer)
            try await printer.stop()
            try await client.shutdown()
            return report
        } catch {
            try? await printer.stop()
            try? await client.shutdown()
            throw error
        }
    }

    private func measure(_ client: HTTPClient, printer: LoopbackPrinter) async throws -> Report {
        let api = API(client: client, baseURL: options.baseURL, token: options.token)
        let setupStarted = ContinuousClock.now
        let location = try await api.call(
            "POST", "/api/v1/kiosk/locations",
            ["name": "Bench", "time_zone": "America/Sao_Paulo", "printer": ["type": "tcp", "host": "127.0.0.1", "port": printer.port]]
        )["id"] as! String
        let service = try await api.call(
            "POST", "/api/v1/kiosk/locations/\(location)/services", ["name": "Emissão de 2ª via", "price": 1500, "ticket_prefix": "A"]
        )["id"] as! String
        let count = Int(Double(options.rate) * seconds(options.warmup + options.duration))
        var sessions: [(index: Int, payment: AsaasWebhookPacer.Payment)] = []
        try await withThrowingTaskGroup(of: [(Int, AsaasWebhookPacer.Payment)].self) { group in
            let lanes = 8
            for lane in 0..<lanes {
                group.addTask {
                    var made: [(Int, AsaasWebhookPacer.Payment)] = []
                    for index in stride(from: lane, to: count, by: lanes) {
                        let session = try await api.call("POST", "/api/v1/payment-sessions", [
                            "service_id": service, "customer_name": "Cliente \(index)", "customer_cpf": "529.982.247-25", "payment_method": "pix",
                        ])
                        guard let id = session["id"] as? String, let transaction = session["transaction_id"] as? String else {
                            throw BenchLoadError(description: "session \(index) has no charge: \(session)")
                        }
                        made.append((index, .init(reference: id, paymentID: transaction, centavos: session["amount"] as? Int ?? 1500)))
                    }
                    return made
                }
            }
            for try await made in group { sessions += made.map { (index: $0.0, payment: $0.1) } }
        }
        let payments = sessions.sorted { $0.index < $1.index }.map(\.payment)
        let setup = seconds(ContinuousClock.now - setupStarted)

        let reader = StreamReader(
            client: client, api: api, path: "/api/v1/kiosk/locations/\(location)/events", eventType: "TICKET_STATUS_CHANGED"
        ) { change in
            guard let ticket = change["ticket"] as? [String: Any], ticket["status"] as? String == "IN_QUEUE" else { return nil }
            return ticket["session_id"] as? String
        }
        try await reader.open()
        let timings = try await AsaasWebhookPacer(client: client, baseURL: options.baseURL, asaasToken: options.asaasToken, rate: options.rate)
            .send(payments)
        let measuredIDs = payments.dropFirst(Int(Double(options.rate) * seconds(options.warmup))).map(\.reference)
        try await reader.waitFor(measuredIDs, timeout: .seconds(15))
        reader.close()
        let latency = Latencies(ids: measuredIDs, timings: timings, effect: reader.seen.all())
        return Report(
            rateTarget: options.rate, measured: measuredIDs.count, webhooksPerSecond: latency.rate,
            ackP50Milliseconds: latency.ack(0.50), ackP99Milliseconds: latency.ack(0.99),
            inQueueP50Milliseconds: latency.effect(0.50), inQueueP99Milliseconds: latency.effect(0.99), inQueueMaxMilliseconds: latency.effectMax,
            ackFailed: timings.failures, missing: latency.missing, printerConnections: printer.connections, setupSeconds: setup)
    }
}

/// A network ticket printer on loopback for the benchmark: it answers every `DLE EOT n`
/// status request with "online, cover closed, paper present" (0x12) and takes the rest.
final class LoopbackPrinter: Sendable {
    let port: Int
    private let channel: any Channel
    private let accepted: Counter

    private init(channel: any Channel, accepted: Counter) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
        self.accepted = accepted
    }

    var connections: Int { accepted.value }

    static func start() async throws -> LoopbackPrinter {
        let accepted = Counter()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                accepted.add()
                return channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(StatusAnswerer()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return LoopbackPrinter(channel: channel, accepted: accepted)
    }

    func stop() async throws {
        try await channel.close()
    }

    /// Answers `10 04 n` (n = 1…4) with 0x12, even when a request is split across reads.
    final class StatusAnswerer: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        /// The last two bytes seen.
        private var tail: [UInt8] = []

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            var answers = 0
            for byte in buffer.readableBytesView {
                if tail.count == 2, tail[0] == 0x10, tail[1] == 0x04, (1...4).contains(byte) {
                    answers += 1
                    tail.removeAll()
                    continue
                }
                tail.append(byte)
                if tail.count > 2 { tail.removeFirst() }
            }
            if answers > 0 {
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: [UInt8](repeating: 0x12, count: answers))), promise: nil)
            }
        }
    }
}
