import Foundation
import NIOCore
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
///
/// It speaks HTTP/1.1 on raw bytes (a fixed-length request from a template, and a minimal
/// reader of `Content-Length` answers), so that the load generator's own cost stays small
/// beside the hub it shares the machine with.
final class LoadConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let plan: ConnectionPlan
    private let promise: EventLoopPromise<ConnectionStats>
    private var stats = ConnectionStats()
    private var event: SignedEventTemplate
    private var sequence = 0
    private var sentAt = NIODeadline.now()
    private var received: ByteBuffer?

    init(plan: ConnectionPlan, promise: EventLoopPromise<ConnectionStats>) {
        self.plan = plan
        self.promise = promise
        self.event = SignedEventTemplate(eventPrefix: plan.eventPrefix, bodySize: plan.bodySize)
    }

    func channelActive(context: ChannelHandlerContext) {
        send(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if received == nil {
            received = bytes
        } else {
            received!.writeBuffer(&bytes)
        }
        while let status = HTTPResponseReader.nextStatus(from: &received!) {
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
                return
            }
        }
        if received!.readableBytes == 0 { received = nil }
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
        event.fill(sequence: sequence, created: created)
        let signature = StripeSignature.header(secret: plan.secret, timestamp: created, body: event.body)
        var buffer = context.channel.allocator.buffer(capacity: event.body.count + 256)
        buffer.writeString(
            "POST /webhooks/stripe HTTP/1.1\r\nHost: \(plan.host):\(plan.port)\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(event.body.count)\r\nStripe-Signature: \(signature)\r\n\r\n"
        )
        buffer.writeBytes(event.body)
        sentAt = NIODeadline.now()
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }
}

/// A ~`bodySize`-byte Stripe event whose sequence number and creation time are rewritten in
/// place for each request, so every request is a distinct event of the same length.
struct SignedEventTemplate {
    private(set) var body: [UInt8]
    private let sequenceSlots: [Int]
    private let createdSlot: Int
    private static let width = 10
    private static let placeholder = String(repeating: "0", count: width)

    init(eventPrefix: String, bodySize: Int) {
        let padding = String(repeating: "x", count: max(0, bodySize - 330))
        let marker = Self.placeholder
        let text = """
            {"id":"\(eventPrefix)\(marker)","object":"event","api_version":"2026-10-28.endive","created":\(marker),\
            "type":"payment_intent.succeeded","livemode":false,"pending_webhooks":1,"request":{"id":null,"idempotency_key":null},\
            "data":{"object":{"id":"pi_\(eventPrefix)\(marker)","object":"payment_intent","amount":2590,"currency":"brl",\
            "status":"succeeded","metadata":{"order_id":"A-\(marker)","store":"sp01","note":"\(padding)"}}}}
            """
        body = Array(text.utf8)
        var slots: [Int] = []
        let pattern = Array(marker.utf8)
        var index = 0
        while index + pattern.count <= body.count {
            if body[index..<index + pattern.count].elementsEqual(pattern) {
                slots.append(index)
                index += pattern.count
            } else {
                index += 1
            }
        }
        // In order of appearance: the event id, "created", the PaymentIntent id, the order id.
        createdSlot = slots[1]
        sequenceSlots = [slots[0], slots[2], slots[3]]
    }

    mutating func fill(sequence: Int, created: Int) {
        for slot in sequenceSlots { write(sequence, at: slot) }
        write(created, at: createdSlot)
    }

    private mutating func write(_ number: Int, at offset: Int) {
        var value = number
        for position in stride(from: offset + Self.width - 1, through: offset, by: -1) {
            body[position] = UInt8(ascii: "0") + UInt8(value % 10)
            value /= 10
        }
    }
}

/// Reads HTTP/1.1 responses framed by `Content-Length` off a byte stream.
enum HTTPResponseReader {
    private static let headerEnd: [UInt8] = Array("\r\n\r\n".utf8)
    private static let lengthName: [UInt8] = Array("content-length:".utf8)

    /// The status of the next complete response in `buffer`, consuming it; nil until one is complete.
    static func nextStatus(from buffer: inout ByteBuffer) -> Int? {
        let view = buffer.readableBytesView
        guard let headEnd = firstIndex(of: headerEnd, in: view) else { return nil }
        let head = view[view.startIndex..<headEnd]
        guard head.count >= 12 else { return -1 }
        var status = 0
        for byte in head.dropFirst(9).prefix(3) { status = status * 10 + Int(byte &- UInt8(ascii: "0")) }
        let total = (headEnd - view.startIndex) + headerEnd.count + contentLength(head)
        guard buffer.readableBytes >= total else { return nil }
        buffer.moveReaderIndex(forwardBy: total)
        return status
    }

    private static func firstIndex(of pattern: [UInt8], in view: ByteBufferView) -> Int? {
        guard view.count >= pattern.count else { return nil }
        var index = view.startIndex
        let last = view.endIndex - pattern.count
        while index <= last {
            if view[index] == pattern[0] && view[index..<index + pattern.count].elementsEqual(pattern) { return index }
            index += 1
        }
        return nil
    }

    private static func contentLength(_ head: ByteBufferView.SubSequence) -> Int {
        var lineStart = head.startIndex
        while lineStart < head.endIndex {
            let lineEnd = head[lineStart...].firstIndex(of: UInt8(ascii: "\r")) ?? head.endIndex
            let line = head[lineStart..<lineEnd]
            if line.count > lengthName.count,
                zip(line.prefix(lengthName.count), lengthName).allSatisfy({ $0 | 0x20 == $1 })
            {
                var value = 0
                for byte in line.dropFirst(lengthName.count) where byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                    value = value * 10 + Int(byte - UInt8(ascii: "0"))
                }
                return value
            }
            lineStart = lineEnd + 2
        }
        return 0
    }
}
