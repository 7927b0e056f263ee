import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import PonteProviders

/// Drives `POST /webhooks/stripe` over keep-alive HTTP/1.1 connections with distinct,
/// validly signed events, and measures throughput and latency.
public struct WebhookLoad: Sendable {
    public struct Options: Sendable {
        public var host = "127.0.0.1"
        public var port = 8080
        public var secret = "whsec_bench_secret"
        public var connections = 64
        public var warmup: Duration = .seconds(2)
        public var duration: Duration = .seconds(10)
        /// Approximate body size in bytes.
        public var bodySize = 1024
        public init() {}
    }

    /// What one run measured.
    public struct Report: Sendable, Codable {
        public var connections: Int
        public var seconds: Double
        public var requests: Int
        public var accepted: Int
        public var failed: Int
        public var requestsPerSecond: Double
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double
        public var maxMilliseconds: Double

        enum CodingKeys: String, CodingKey {
            case connections, seconds, requests, accepted, failed
            case requestsPerSecond = "requests_per_second"
            case p50Milliseconds = "p50_ms"
            case p99Milliseconds = "p99_ms"
            case maxMilliseconds = "max_ms"
        }
    }

    public let options: Options

    public init(options: Options) {
        self.options = options
    }

    public func run() async throws -> Report {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let report = try await run(on: group.next())
            try await group.shutdownGracefully()
            return report
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private func run(on loop: any EventLoop) async throws -> Report {
        let start = NIODeadline.now()
        let measureFrom = start + .nanoseconds(Int64(options.warmup.components.seconds) * 1_000_000_000)
        let end = measureFrom + .nanoseconds(Int64(options.duration.components.seconds) * 1_000_000_000)
        let runID = String(UInt32.random(in: 0...UInt32.max), radix: 36)

        var futures: [EventLoopFuture<ConnectionStats>] = []
        for index in 0..<options.connections {
            let promise = loop.makePromise(of: ConnectionStats.self)
            let plan = ConnectionPlan(
                host: options.host, port: options.port, secret: options.secret, bodySize: options.bodySize,
                eventPrefix: "evt_bench_\(runID)_\(index)_", measureFrom: measureFrom, end: end
            )
            let connect = ClientBootstrap(group: loop)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(LoadConnectionHandler(plan: plan, promise: promise))
                    }
                }
                .connect(host: options.host, port: options.port)
            connect.whenFailure { promise.fail($0) }
            futures.append(promise.futureResult)
        }
        var all = ConnectionStats()
        for future in futures {
            all.merge(try await future.get())
        }
        return all.report(connections: options.connections, seconds: Double(options.duration.components.seconds))
    }
}

/// What each connection needs to know to generate its requests.
struct ConnectionPlan: Sendable {
    let host: String
    let port: Int
    let secret: String
    let bodySize: Int
    let eventPrefix: String
    let measureFrom: NIODeadline
    let end: NIODeadline
}

/// Latencies in microseconds and outcome counts, for the measured window only.
struct ConnectionStats: Sendable {
    var latencies: [UInt32] = []
    var accepted = 0
    var failed = 0

    mutating func merge(_ other: ConnectionStats) {
        latencies += other.latencies
        accepted += other.accepted
        failed += other.failed
    }

    func report(connections: Int, seconds: Double) -> WebhookLoad.Report {
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let index = min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)
            return Double(sorted[max(0, index)]) / 1000
        }
        let requests = accepted + failed
        return WebhookLoad.Report(
            connections: connections, seconds: seconds, requests: requests, accepted: accepted, failed: failed,
            requestsPerSecond: Double(requests) / seconds,
            p50Milliseconds: percentile(0.50), p99Milliseconds: percentile(0.99),
            maxMilliseconds: Double(sorted.last ?? 0) / 1000
        )
    }
}

/// One keep-alive connection: send a signed event, wait for the answer, record, repeat until the end.
final class LoadConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let plan: ConnectionPlan
    private let promise: EventLoopPromise<ConnectionStats>
    private var stats = ConnectionStats()
    private var sequence = 0
    private var sentAt = NIODeadline.now()
    private var status: UInt = 0
    private let padding: String

    init(plan: ConnectionPlan, promise: EventLoopPromise<ConnectionStats>) {
        self.plan = plan
        self.promise = promise
        self.padding = String(repeating: "x", count: max(0, plan.bodySize - 330))
    }

    func channelActive(context: ChannelHandlerContext) {
        send(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = head.status.code
        case .body:
            break
        case .end:
            let now = NIODeadline.now()
            if sentAt >= plan.measureFrom {
                if status == 200 { stats.accepted += 1 } else { stats.failed += 1 }
                stats.latencies.append(UInt32(min(Int64(UInt32.max), (now - sentAt).nanoseconds / 1000)))
            }
            if now < plan.end {
                send(context: context)
            } else {
                promise.succeed(stats)
                context.close(promise: nil)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.succeed(stats)  // no-op if already completed
    }

    private func send(context: ChannelHandlerContext) {
        sequence += 1
        let created = Int(Date().timeIntervalSince1970)
        let body = """
            {"id":"\(plan.eventPrefix)\(sequence)","object":"event","api_version":"2026-10-28.endive","created":\(created),\
            "type":"payment_intent.succeeded","livemode":false,"pending_webhooks":1,"request":{"id":null,"idempotency_key":null},\
            "data":{"object":{"id":"pi_\(plan.eventPrefix)\(sequence)","object":"payment_intent","amount":2590,"currency":"brl",\
            "status":"succeeded","metadata":{"order_id":"A-\(sequence)","store":"sp01","note":"\(padding)"}}}}
            """
        let bytes = Array(body.utf8)
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/webhooks/stripe")
        head.headers.add(name: "Host", value: "\(plan.host):\(plan.port)")
        head.headers.add(name: "Content-Type", value: "application/json")
        head.headers.add(name: "Content-Length", value: String(bytes.count))
        head.headers.add(name: "Stripe-Signature", value: StripeSignature.header(secret: plan.secret, timestamp: created, body: bytes))
        sentAt = NIODeadline.now()
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
