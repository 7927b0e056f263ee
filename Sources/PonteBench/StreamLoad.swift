import Foundation
import NIOCore
import NIOPosix

/// Fans events out through a running hub's event streams: many Server-Sent Events readers on
/// keep-alive HTTP/1.1 connections, and appends at a steady rate over a pool of writer
/// connections, measuring from each append's send to each reader's receipt.
public struct StreamLoad: Sendable {
    public struct Options: Sendable {
        public var host = "127.0.0.1"
        public var port = 8080
        /// An admin bearer token (`ponte token create --role admin`).
        public var token = ""
        /// Server-Sent Events connections; reader i reads stream i % streams.
        public var readers = 1000
        public var streams = 100
        /// Appends per second, round-robin over the streams.
        public var rate = 2000
        /// Keep-alive connections the appends are sent on, one request at a time each.
        public var writers = 16
        public var warmup: Duration = .seconds(2)
        public var duration: Duration = .seconds(10)
        public init() {}
    }

    /// What one run measured. Latencies run from just before an append's request was written
    /// to the read that brought its event to a reader, for appends sent during the measured window.
    public struct Report: Sendable, Codable {
        public var readers: Int
        public var streams: Int
        public var rateTarget: Int
        /// Appends sent during the measured window and answered 201.
        public var appended: Int
        /// Appends of the whole run (warm-up included) not answered 201, or not answered at all.
        public var appendFailed: Int
        public var appendsPerSecond: Double
        /// Events of the measured window received by readers (each event once per reader).
        public var delivered: Int
        /// Appended in the window × readers of the event's stream.
        public var expectedDeliveries: Int
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double
        public var maxMilliseconds: Double
        /// Sequence gaps plus duplicates, over all readers.
        public var outOfOrder: Int
        public var durationSeconds: Double
        /// The first thing that went wrong (an append's answer, a closed connection), if any.
        public var firstError: String?

        enum CodingKeys: String, CodingKey {
            case readers, streams, appended, delivered
            case rateTarget = "rate_target"
            case appendFailed = "append_failed"
            case appendsPerSecond = "appends_per_second"
            case expectedDeliveries = "expected_deliveries"
            case p50Milliseconds = "p50_ms"
            case p99Milliseconds = "p99_ms"
            case maxMilliseconds = "max_ms"
            case outOfOrder = "out_of_order"
            case durationSeconds = "duration_seconds"
            case firstError = "first_error"
        }
    }

    public let options: Options

    public init(options: Options) {
        self.options = options
    }

    public func run() async throws -> Report {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let promise = loop.makePromise(of: Report.self)
        let options = self.options
        loop.execute { StreamRun(options: options, loop: loop, promise: promise).start() }
        do {
            let report = try await promise.futureResult.get()
            try await group.shutdownGracefully()
            return report
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }
}

/// Why a run could not be measured (a connection refused, a stream that would not open, …).
public struct StreamLoadError: Error, CustomStringConvertible {
    public let description: String
}

/// One run, on its event loop: opens the readers and writers, paces the appends, waits for the
/// readers to catch up, closes every connection and reports.
///
/// Phases: connecting (bounded by `connectTimeout`), appending (warm-up, then the measured
/// window), draining (until every reader has every answered append, at most `drainTimeout`).
final class StreamRun {
    private enum Phase { case connecting, appending, draining, finished }

    static let connectTimeout: TimeAmount = .seconds(8)
    static let drainTimeout: TimeAmount = .seconds(5)
    /// Reader connections being opened at once, so the hub's accept queue does not overflow.
    static let maxConnecting = 64

    let options: StreamLoad.Options
    let loop: any EventLoop
    private let promise: EventLoopPromise<StreamLoad.Report>
    /// Per stream: a reader's `GET` and the start of an append's `POST` (up to the length's digits).
    private let readRequests: [[UInt8]]
    let appendHeads: [[UInt8]]
    private let readersPerStream: [Int]

    private var phase = Phase.connecting
    private var channels: [any Channel] = []
    private var readers: [StreamReaderHandler] = []
    private var connecting = 0
    private var readyReaders = 0
    private var writers: [StreamAppendHandler] = []
    private var activeWriters = 0
    private var idleWriters: [StreamAppendHandler] = []

    private var startedAt = NIODeadline.now()
    private var appendEnd = NIODeadline.distantFuture
    private let nanosecondsPerEvent: Double
    private var dispatched = 0
    private var timerPending = false
    /// The measured window, in wall-clock microseconds (the clock `sent_at_us` is read from).
    private(set) var windowStart = Int64.max
    private(set) var windowEnd = Int64.max

    private var answeredPerStream: [Int]
    private var appendedInWindow: [Int]
    private var appendFailed = 0
    private var inFlight = 0
    private var delivered = 0
    private var outOfOrder = 0
    private var latencies: [UInt32] = []
    private var firstError: String?

    init(options: StreamLoad.Options, loop: any EventLoop, promise: EventLoopPromise<StreamLoad.Report>) {
        self.options = options
        self.loop = loop
        self.promise = promise
        let runID = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let names = (0..<options.streams).map { "bench:\(runID):\($0)" }
        let host = "\(options.host):\(options.port)"
        readRequests = names.map {
            Array(
                ("GET /api/v1/streams/\($0)/events HTTP/1.1\r\nHost: \(host)\r\nAccept: text/event-stream\r\n"
                    + "Authorization: Bearer \(options.token)\r\n\r\n").utf8
            )
        }
        appendHeads = names.map {
            Array(
                ("POST /api/v1/streams/\($0)/events HTTP/1.1\r\nHost: \(host)\r\nAuthorization: Bearer \(options.token)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: ").utf8
            )
        }
        readersPerStream = (0..<options.streams).map { stream in
            options.readers / options.streams + (stream < options.readers % options.streams ? 1 : 0)
        }
        nanosecondsPerEvent = 1e9 / Double(options.rate)
        answeredPerStream = Array(repeating: 0, count: options.streams)
        appendedInWindow = Array(repeating: 0, count: options.streams)
    }

    func start() {
        startedAt = .now()
        _ = loop.assumeIsolated().scheduleTask(deadline: startedAt + Self.connectTimeout) {
            guard self.phase == .connecting else { return }
            self.fail(
                "after \(Self.connectTimeout.nanoseconds / 1_000_000_000) s, \(self.readyReaders) of \(self.options.readers) "
                    + "readers had their stream open and \(self.activeWriters) of \(self.options.writers) writers were connected"
            )
        }
        for index in 0..<options.writers { openWriter(index) }
        openMoreReaders()
    }

    // MARK: Connections

    private func bootstrap() -> ClientBootstrap {
        ClientBootstrap(group: loop)
            .connectTimeout(Self.connectTimeout)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
    }

    private func openMoreReaders() {
        while phase == .connecting && connecting < Self.maxConnecting && readers.count < options.readers {
            let index = readers.count
            let handler = StreamReaderHandler(
                index: index, stream: index % options.streams, request: readRequests[index % options.streams], run: self
            )
            readers.append(handler)
            connecting += 1
            connect(handler, what: "reader \(index)")
        }
    }

    private func openWriter(_ index: Int) {
        let handler = StreamAppendHandler(index: index, run: self)
        writers.append(handler)
        connect(handler, what: "writer \(index)")
    }

    private func connect(_ handler: some ChannelInboundHandler & AnyObject, what: String) {
        let bound = NIOLoopBound(handler, eventLoop: loop)
        bootstrap()
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(bound.value) }
            }
            .connect(host: options.host, port: options.port)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    if self.phase == .finished { channel.close(promise: nil) } else { self.channels.append(channel) }
                case .failure(let error):
                    self.fail("\(what) could not connect to \(self.options.host):\(self.options.port): \(error)")
                }
            }
    }

    func readerReady(_ reader: StreamReaderHandler) {
        guard phase == .connecting else { return }
        connecting -= 1
        readyReaders += 1
        openMoreReaders()
        startIfConnected()
    }

    func writerActive(_ writer: StreamAppendHandler) {
        guard phase == .connecting else { return }
        activeWriters += 1
        idleWriters.append(writer)
        startIfConnected()
    }

    /// A reader's connection broke or answered something other than a stream.
    func readerFailed(_ reader: StreamReaderHandler, _ message: String) {
        switch phase {
        case .connecting: fail("reader \(reader.index): \(message)")
        case .appending, .draining: firstError = firstError ?? "reader \(reader.index): \(message)"
        case .finished: break
        }
    }

    /// A writer's connection closed; `lost` is whether an append was awaiting its answer.
    func writerClosed(_ writer: StreamAppendHandler, lost: Bool) {
        switch phase {
        case .connecting: fail("writer \(writer.index): the hub closed the connection")
        case .appending, .draining:
            firstError = firstError ?? "writer \(writer.index): the hub closed the connection"
            idleWriters.removeAll { $0 === writer }
            if lost {
                inFlight -= 1
                appendFailed += 1
            }
        case .finished: break
        }
    }

    // MARK: Appending

    private func startIfConnected() {
        guard phase == .connecting, readyReaders == options.readers, activeWriters == options.writers else { return }
        phase = .appending
        startedAt = .now()
        let wallStart = wallMicroseconds()
        windowStart = wallStart + options.warmup.totalNanoseconds / 1000
        windowEnd = windowStart + options.duration.totalNanoseconds / 1000
        appendEnd = startedAt + .nanoseconds(options.warmup.totalNanoseconds + options.duration.totalNanoseconds)
        _ = loop.assumeIsolated().scheduleTask(deadline: appendEnd) { self.startDraining() }
        pump()
    }

    /// Sends every append that is due on idle writers; wakes up again when the next one is due.
    private func pump() {
        guard phase == .appending else { return }
        let now = NIODeadline.now()
        guard now < appendEnd else { return }
        while let writer = idleWriters.last {
            let due = startedAt + .nanoseconds(Int64(Double(dispatched) * nanosecondsPerEvent))
            if due > now {
                if !timerPending {
                    timerPending = true
                    _ = loop.assumeIsolated().scheduleTask(deadline: due) {
                        self.timerPending = false
                        self.pump()
                    }
                }
                return
            }
            idleWriters.removeLast()
            inFlight += 1
            writer.send(stream: dispatched % options.streams)
            dispatched += 1
        }
    }

    func appendAnswered(_ writer: StreamAppendHandler, status: Int, stream: Int, sentAt: Int64, body: String) {
        guard phase != .finished else { return }
        inFlight -= 1
        if status == 201 {
            answeredPerStream[stream] += 1
            if sentAt >= windowStart && sentAt < windowEnd { appendedInWindow[stream] += 1 }
        } else {
            appendFailed += 1
            firstError = firstError ?? "an append was answered \(status): \(body)"
        }
        idleWriters.append(writer)
        pump()
    }

    // MARK: Delivery

    /// A reader received its next event (`fresh`), or one it had already seen.
    func received(sentAt: Int64, at receivedAt: Int64, fresh: Bool, outOfOrder disorder: Int) {
        outOfOrder += disorder
        guard fresh, sentAt >= windowStart, sentAt < windowEnd else { return }
        delivered += 1
        latencies.append(UInt32(clamping: max(0, receivedAt - sentAt)))
    }

    private func startDraining() {
        guard phase == .appending else { return }
        phase = .draining
        idleWriters = []
        let deadline = NIODeadline.now() + Self.drainTimeout
        func check() {
            guard phase == .draining else { return }
            let behind = readers.filter { !$0.closed && $0.lastSeq < answeredPerStream[$0.stream] }.count
            if inFlight == 0 && behind == 0 { return finish() }
            if NIODeadline.now() >= deadline {
                firstError =
                    firstError
                    ?? "\(Self.drainTimeout.nanoseconds / 1_000_000_000) s after the last append, \(behind) readers lacked events "
                    + "and \(inFlight) appends were unanswered"
                return finish()
            }
            _ = loop.assumeIsolated().scheduleTask(in: .milliseconds(10)) { check() }
        }
        check()
    }

    // MARK: The end

    private func finish() {
        guard phase != .finished else { return }
        phase = .finished
        appendFailed += inFlight
        var expected = 0
        for stream in 0..<options.streams { expected += appendedInWindow[stream] * readersPerStream[stream] }
        let appended = appendedInWindow.reduce(0, +)
        let seconds = Double(options.duration.totalNanoseconds) / 1e9
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let index = min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)
            return Double(sorted[max(0, index)]) / 1000
        }
        let report = StreamLoad.Report(
            readers: options.readers, streams: options.streams, rateTarget: options.rate, appended: appended,
            appendFailed: appendFailed, appendsPerSecond: Double(appended) / seconds, delivered: delivered,
            expectedDeliveries: expected, p50Milliseconds: percentile(0.50), p99Milliseconds: percentile(0.99),
            maxMilliseconds: Double(sorted.last ?? 0) / 1000, outOfOrder: outOfOrder, durationSeconds: seconds,
            firstError: firstError
        )
        closeAll { self.promise.succeed(report) }
    }

    private func fail(_ message: String) {
        guard phase != .finished else { return }
        phase = .finished
        closeAll { self.promise.fail(StreamLoadError(description: message)) }
    }

    /// Closes every connection, then calls `done`.
    private func closeAll(then done: @escaping () -> Void) {
        let closing = channels.map { $0.close() }
        channels = []
        readers = []
        writers = []
        idleWriters = []
        EventLoopFuture.andAllComplete(closing, on: loop).assumeIsolated().whenComplete { _ in done() }
    }
}

/// One Server-Sent Events reader: sends its `GET`, decodes the chunked body, splits it into
/// frames and hands each event's sequence and `sent_at_us` to the run.
final class StreamReaderHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let index: Int
    let stream: Int
    private let request: [UInt8]
    private let run: StreamRun
    private var http = HTTPResponseStream()
    private var status = 0
    /// Decoded body bytes not yet split into frames.
    private var body: ByteBuffer?
    private var opened = false
    private(set) var lastSeq: Int64 = 0
    private(set) var closed = false

    init(index: Int, stream: Int, request: [UInt8], run: StreamRun) {
        self.index = index
        self.stream = stream
        self.request = request
        self.run = run
    }

    func channelActive(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: request.count)
        buffer.writeBytes(request)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let receivedAt = wallMicroseconds()
        var bytes = unwrapInboundIn(data)
        var ended = false
        do {
            try http.feed(
                &bytes,
                onHead: { self.status = $0 },
                onBody: { part in
                    if self.body == nil { self.body = part } else { self.body!.writeBuffer(&part) }
                },
                onEnd: { ended = true }
            )
        } catch {
            return broken(context: context, "unreadable response: \(error)")
        }
        if status != 0 && status != 200 {
            if ended || (body?.readableBytes ?? 0) > 300 {
                let text = body.map { String(buffer: $0).prefix(300) } ?? ""
                broken(context: context, "the stream was answered \(status): \(text)")
            }
            return
        }
        if ended { return broken(context: context, "the stream's response ended") }
        if body != nil { readFrames(receivedAt: receivedAt) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        broken(context: context, "\(error)")
    }

    func channelInactive(context: ChannelHandlerContext) {
        guard !closed else { return }
        closed = true
        run.readerFailed(self, "the hub closed the connection after seq \(lastSeq)")
    }

    private func broken(context: ChannelHandlerContext, _ message: String) {
        guard !closed else { return }
        closed = true
        run.readerFailed(self, message)
        context.close(promise: nil)
    }

    /// Takes every complete frame (ending in a blank line) off `body`.
    private func readFrames(receivedAt: Int64) {
        var frames: [(seq: Int64, sentAt: Int64)] = []
        var sawRetry = false
        let consumed = body!.withUnsafeReadableBytes { raw -> Int in
            var frameStart = 0
            var index = 0
            while index + 1 < raw.count {
                guard raw[index] == UInt8(ascii: "\n") && raw[index + 1] == UInt8(ascii: "\n") else {
                    index += 1
                    continue
                }
                let frame = SSEFrame(raw, from: frameStart, to: index)
                if frame.retry { sawRetry = true }
                if let seq = frame.id { frames.append((seq, frame.sentAt ?? 0)) }
                index += 2
                frameStart = index
            }
            return frameStart
        }
        body!.moveReaderIndex(forwardBy: consumed)
        if body!.readableBytes == 0 { body = nil } else { body!.discardReadBytes() }
        if sawRetry && !opened {
            opened = true
            run.readerReady(self)
        }
        for (seq, sentAt) in frames {
            if seq == lastSeq + 1 {
                lastSeq = seq
                run.received(sentAt: sentAt, at: receivedAt, fresh: true, outOfOrder: 0)
            } else if seq > lastSeq {
                lastSeq = seq  // a gap: the events in between never came
                run.received(sentAt: sentAt, at: receivedAt, fresh: true, outOfOrder: 1)
            } else {
                run.received(sentAt: sentAt, at: receivedAt, fresh: false, outOfOrder: 1)
            }
        }
    }
}

/// The fields of one Server-Sent Events frame that the benchmark reads.
struct SSEFrame {
    var id: Int64?
    var sentAt: Int64?
    var retry = false

    private static let idField = Array("id:".utf8)
    private static let dataField = Array("data:".utf8)
    private static let retryField = Array("retry:".utf8)
    private static let sentAtKey = Array("\"sent_at_us\":".utf8)

    /// Reads the frame in `raw[from..<to]` (its lines, without the blank line that ends it).
    init(_ raw: UnsafeRawBufferPointer, from: Int, to end: Int) {
        var lineStart = from
        while lineStart < end {
            var lineEnd = lineStart
            while lineEnd < end && raw[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            if Self.has(Self.idField, raw, at: lineStart, end: lineEnd) {
                id = Self.integer(raw, from: lineStart + Self.idField.count, end: lineEnd)
            } else if Self.has(Self.dataField, raw, at: lineStart, end: lineEnd) {
                if let key = Self.find(Self.sentAtKey, raw, from: lineStart + Self.dataField.count, end: lineEnd) {
                    sentAt = Self.integer(raw, from: key + Self.sentAtKey.count, end: lineEnd)
                }
            } else if Self.has(Self.retryField, raw, at: lineStart, end: lineEnd) {
                retry = true
            }
            lineStart = lineEnd + 1
        }
    }

    private static func has(_ prefix: [UInt8], _ raw: UnsafeRawBufferPointer, at start: Int, end: Int) -> Bool {
        guard end - start >= prefix.count else { return false }
        for offset in 0..<prefix.count where raw[start + offset] != prefix[offset] { return false }
        return true
    }

    private static func find(_ pattern: [UInt8], _ raw: UnsafeRawBufferPointer, from start: Int, end: Int) -> Int? {
        var index = start
        while index + pattern.count <= end {
            if raw[index] == pattern[0] && has(pattern, raw, at: index, end: end) { return index }
            index += 1
        }
        return nil
    }

    /// The whole number after optional spaces at `start`.
    private static func integer(_ raw: UnsafeRawBufferPointer, from start: Int, end: Int) -> Int64? {
        var index = start
        while index < end && raw[index] == UInt8(ascii: " ") { index += 1 }
        var value: Int64 = 0
        var digits = 0
        while index < end, raw[index] >= UInt8(ascii: "0"), raw[index] <= UInt8(ascii: "9"), digits < 18 {
            value = value * 10 + Int64(raw[index] - UInt8(ascii: "0"))
            digits += 1
            index += 1
        }
        return digits > 0 ? value : nil
    }
}

/// One writer connection: an append at a time, `sent_at_us` read just before it is written.
final class StreamAppendHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let index: Int
    private let run: StreamRun
    private var context: ChannelHandlerContext?
    private var http = HTTPResponseStream()
    private var status = 0
    private var errorBody = ""
    /// The append awaiting its answer.
    private var pending: (stream: Int, sentAt: Int64)?

    init(index: Int, run: StreamRun) {
        self.index = index
        self.run = run
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        run.writerActive(self)
    }

    func send(stream: Int) {
        guard let context else { return }
        let sentAt = wallMicroseconds()
        let body = "{\"type\":\"BENCH\",\"data\":{\"sent_at_us\":\(sentAt)}}"
        let head = run.appendHeads[stream]
        var buffer = context.channel.allocator.buffer(capacity: head.count + body.utf8.count + 8)
        buffer.writeBytes(head)
        buffer.writeString("\(body.utf8.count)\r\n\r\n")
        buffer.writeString(body)
        pending = (stream, sentAt)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        do {
            try http.feed(
                &bytes,
                onHead: { status in
                    self.status = status
                    self.errorBody = ""
                },
                onBody: { part in
                    if self.status != 201 && self.errorBody.utf8.count < 300 { self.errorBody += String(buffer: part) }
                },
                onEnd: {
                    guard let (stream, sentAt) = self.pending else { return }
                    self.pending = nil
                    self.run.appendAnswered(self, status: self.status, stream: stream, sentAt: sentAt, body: self.errorBody)
                }
            )
        } catch {
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.context = nil
        let lost = pending != nil
        pending = nil
        run.writerClosed(self, lost: lost)
    }
}

/// Reads HTTP/1.1 responses off a byte stream: their status, then their body as it arrives,
/// framed by `Content-Length`, chunked, or until the connection closes.
struct HTTPResponseStream {
    private enum State {
        case head
        case fixed(remaining: Int)
        case chunkSize(size: Int, pastDigits: Bool)
        case chunkData(remaining: Int)
        case chunkEnd
        case trailer(lineLength: Int)
        case untilClose
    }

    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    private var state = State.head
    private var input: ByteBuffer?

    private static let headEnd: [UInt8] = Array("\r\n\r\n".utf8)

    /// Reads what `bytes` completes: `onHead` with each response's status, `onBody` with its
    /// body's bytes (in pieces), `onEnd` when the response is complete.
    mutating func feed(
        _ bytes: inout ByteBuffer, onHead: (Int) -> Void, onBody: (inout ByteBuffer) -> Void, onEnd: () -> Void
    ) throws {
        if input == nil { input = bytes } else { input!.writeBuffer(&bytes) }
        defer {
            if input!.readableBytes == 0 { input = nil } else { input!.discardReadBytes() }
        }
        parsing: while true {
            switch state {
            case .head:
                guard let head = try Self.head(input!.readableBytesView) else { break parsing }
                input!.moveReaderIndex(forwardBy: head.length)
                onHead(head.status)
                if head.chunked {
                    state = .chunkSize(size: 0, pastDigits: false)
                } else if let length = head.contentLength {
                    if length == 0 { onEnd() } else { state = .fixed(remaining: length) }
                } else {
                    state = .untilClose
                }
            case .fixed(let remaining), .chunkData(let remaining):
                guard input!.readableBytes > 0 else { break parsing }
                let count = min(remaining, input!.readableBytes)
                var part = input!.readSlice(length: count)!
                onBody(&part)
                if case .fixed = state {
                    if count == remaining {
                        state = .head
                        onEnd()
                    } else {
                        state = .fixed(remaining: remaining - count)
                    }
                } else {
                    state = count == remaining ? .chunkEnd : .chunkData(remaining: remaining - count)
                }
            case .chunkSize(var size, var pastDigits):
                var complete = false
                while let byte = input!.readInteger(as: UInt8.self) {
                    if byte == UInt8(ascii: "\n") {
                        complete = true
                        break
                    } else if byte == UInt8(ascii: "\r") || byte == UInt8(ascii: ";") {
                        pastDigits = true
                    } else if !pastDigits {
                        guard let digit = Self.hexDigit(byte), size < 1 << 40 else {
                            throw Malformed(description: "a chunk size is not a hexadecimal number")
                        }
                        size = size * 16 + digit
                    }
                }
                guard complete else {
                    state = .chunkSize(size: size, pastDigits: pastDigits)
                    break parsing
                }
                state = size == 0 ? .trailer(lineLength: 0) : .chunkData(remaining: size)
            case .chunkEnd:
                var complete = false
                while let byte = input!.readInteger(as: UInt8.self) {
                    if byte == UInt8(ascii: "\n") {
                        complete = true
                        break
                    }
                }
                guard complete else { break parsing }
                state = .chunkSize(size: 0, pastDigits: false)
            case .trailer(var lineLength):
                var blank = false
                while let byte = input!.readInteger(as: UInt8.self) {
                    if byte == UInt8(ascii: "\n") {
                        if lineLength == 0 {
                            blank = true
                            break
                        }
                        lineLength = 0
                    } else if byte != UInt8(ascii: "\r") {
                        lineLength += 1
                    }
                }
                guard blank else {
                    state = .trailer(lineLength: lineLength)
                    break parsing
                }
                state = .head
                onEnd()
            case .untilClose:
                guard input!.readableBytes > 0 else { break parsing }
                var part = input!.readSlice(length: input!.readableBytes)!
                onBody(&part)
            }
        }
    }

    private struct Head {
        var status: Int
        var length: Int
        var contentLength: Int?
        var chunked: Bool
    }

    private static let contentLengthName = Array("content-length:".utf8)
    private static let transferEncodingName = Array("transfer-encoding:".utf8)
    private static let chunkedValue = Array("chunked".utf8)

    /// The response head at the start of `view`, nil until its blank line has arrived.
    private static func head(_ view: ByteBufferView) throws -> Head? {
        let bytes = Array(view.prefix(16 * 1024))
        guard let end = firstIndex(of: headEnd, in: bytes[...]) else {
            if bytes.count >= 16 * 1024 { throw Malformed(description: "a response head longer than 16 KiB") }
            return nil
        }
        guard end >= 12, bytes.starts(with: Array("HTTP/1.".utf8)) else {
            throw Malformed(description: "not an HTTP/1.x response")
        }
        var status = 0
        for byte in bytes[9..<12] {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { throw Malformed(description: "no status code") }
            status = status * 10 + Int(byte - UInt8(ascii: "0"))
        }
        var head = Head(status: status, length: end + headEnd.count, contentLength: nil, chunked: false)
        var lineStart = (bytes[..<end].firstIndex(of: UInt8(ascii: "\n")) ?? end) + 1
        while lineStart < end {
            let lineEnd = bytes[lineStart..<end].firstIndex(of: UInt8(ascii: "\r")) ?? end
            let line = bytes[lineStart..<lineEnd].map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 }
            if line.starts(with: contentLengthName) {
                var value = 0
                for byte in line.dropFirst(contentLengthName.count) where byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                    value = value * 10 + Int(byte - UInt8(ascii: "0"))
                }
                head.contentLength = value
            } else if line.starts(with: transferEncodingName) {
                head.chunked = firstIndex(of: chunkedValue, in: line[...]) != nil
            }
            lineStart = lineEnd + 2
        }
        return head
    }

    private static func firstIndex(of pattern: [UInt8], in bytes: ArraySlice<UInt8>) -> Int? {
        guard bytes.count >= pattern.count else { return nil }
        var index = bytes.startIndex
        while index <= bytes.endIndex - pattern.count {
            if bytes[index] == pattern[0] && bytes[index..<index + pattern.count].elementsEqual(pattern) { return index }
            index += 1
        }
        return nil
    }

    private static func hexDigit(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }
}

/// Microseconds since the epoch, by the wall clock (readers compare it with the writers' `sent_at_us`).
func wallMicroseconds() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1_000_000).rounded())
}

extension Duration {
    var totalNanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
