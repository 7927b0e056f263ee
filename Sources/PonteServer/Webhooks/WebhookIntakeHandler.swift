import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTPTypes
import PonteKit
import PonteProviders
import PonteStore
import Synchronization

/// Answers `POST /webhooks/{provider}` on the connection's event loop, ahead of the router.
///
/// Webhooks are most of the hub's traffic, and their work is short: read the body, check the
/// signature, hand the events to the inbox, answer once they are committed. Here that costs
/// no task, router or middleware per request. The rules are the router's (`WebhookReception`),
/// and the answer carries the same headers, metrics and logs as one from the router.
///
/// Requests on a connection are answered in the order they came. Any other request goes on to
/// the router, and while the router owes an answer, webhooks follow it there. While a webhook
/// here waits for its commit, what arrives waits, and once something has, the connection is
/// not read until the webhook is answered.
final class WebhookIntakeHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// A webhook request being read.
    private struct Exchange {
        let provider: String
        let request: HTTPRequest
        let started: ContinuousClock.Instant
        let logger: Logger
        let requestID: String
        /// The provider's verifier, or why the request is refused before its body is read (the
        /// body is then skipped).
        let verifier: Result<any WebhookVerifier, APIError>
        var body: ByteBuffer

        var isRefused: Bool {
            if case .failure = verifier { return true }
            return false
        }
    }

    private enum State {
        case idle
        case reading(Exchange)
        case storing
        /// Answered before the body ended (it was too large); the rest of it is dropped.
        case discarding
        /// Answered with `Connection: close`; nothing more is read.
        case closing
    }

    static let route = "/webhooks/{provider}"
    private static let prefix = "/webhooks/"
    private static let requestIDHeader = HTTPField.Name("X-Request-Id")!

    private let reception: WebhookReception
    private let logger: Logger
    private var state = State.idle
    /// Requests passed to the router whose answer has not ended yet.
    private var routerOwes = 0
    /// The parts now arriving belong to a request passed to the router.
    private var passingOn = false
    /// Parts that arrived while a webhook waited for its commit.
    private var held: [HTTPRequestPart] = []
    private var readWanted = false
    private var quiesceWanted = false

    init(reception: WebhookReception, logger: Logger) {
        self.reception = reception
        self.logger = logger
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch state {
        case .storing: held.append(part)
        case .closing: break
        case .discarding: if case .end = part { state = .idle }
        case .idle, .reading: handle(part, context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // On graceful shutdown the router's connection handler closes idle connections; a
        // webhook in progress here must be answered first.
        if event is ChannelShouldQuiesceEvent, isBusy {
            quiesceWanted = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A request cut off while its body was arriving will not be stored.
        if case .reading(let exchange) = state, !exchange.isRefused {
            reception.inbox.cancelArrival()
        }
        state = .closing
        context.fireChannelInactive()
    }

    private var isBusy: Bool {
        switch state {
        case .reading, .storing: true
        case .idle, .discarding, .closing: false
        }
    }

    private func handle(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let request):
            if routerOwes == 0, request.method == .post, let provider = Self.provider(in: request.path) {
                begin(request, provider: provider, context: context)
            } else {
                routerOwes += 1
                passingOn = true
                context.fireChannelRead(wrapInboundOut(part))
            }
        case .body(var bytes):
            if passingOn {
                context.fireChannelRead(wrapInboundOut(part))
            } else if case .reading(var exchange) = state {
                guard !exchange.isRefused else { return }
                guard exchange.body.readableBytes + bytes.readableBytes <= reception.maxBodyBytes else {
                    reception.inbox.cancelArrival()
                    refuseTooLarge(exchange, context: context)
                    return
                }
                state = .idle  // lets the buffer grow in place
                exchange.body.writeBuffer(&bytes)
                state = .reading(exchange)
            }
        case .end:
            if passingOn {
                passingOn = false
                context.fireChannelRead(wrapInboundOut(part))
            } else if case .reading(let exchange) = state {
                finish(exchange, context: context)
            }
        }
    }

    private func begin(_ request: HTTPRequest, provider: String, context: ChannelHandlerContext) {
        let requestID = RequestID().description
        var logger = self.logger
        logger[metadataKey: "hb.request.id"] = .string(requestID)
        let verifier = Result { () throws(APIError) in try reception.verifier(for: provider) }
        let declared = request.headerFields[.contentLength].flatMap(Int.init) ?? 0
        let exchange = Exchange(
            provider: provider, request: request, started: .now, logger: logger, requestID: requestID, verifier: verifier,
            body: context.channel.allocator.buffer(capacity: min(declared, reception.maxBodyBytes))
        )
        guard !exchange.isRefused else {
            state = .reading(exchange)
            return
        }
        if declared > reception.maxBodyBytes {
            refuseTooLarge(exchange, context: context)
            return
        }
        reception.inbox.expectArrival()
        state = .reading(exchange)
    }

    private func finish(_ exchange: Exchange, context: ChannelHandlerContext) {
        let verifier: any WebhookVerifier
        switch exchange.verifier {
        case .success(let found): verifier = found
        case .failure(let refusal):
            answer(WebhookAnswer(refusal), to: exchange, context: context)
            return
        }
        let decision: WebhookReception.Decision
        do {
            decision = try reception.decide(
                provider: exchange.provider, verifier: verifier, method: "POST", pathAndQuery: exchange.request.path ?? "/",
                authority: exchange.request.authority, headers: exchange.request.headerFields, body: exchange.body,
                logger: exchange.logger
            )
        } catch {
            reception.inbox.cancelArrival()
            answer(WebhookAnswer(error), to: exchange, context: context)
            return
        }
        switch decision {
        case .answer(let answer):
            reception.inbox.cancelArrival()
            self.answer(answer, to: exchange, context: context)
        case .store(let records, let events):
            state = .storing
            let reception = self.reception
            let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            reception.inbox.submit(records, announced: true) { result in
                let answer: WebhookAnswer
                switch result {
                case .success(let outcomes):
                    answer = reception.acknowledgement(provider: exchange.provider, events: events, outcomes: outcomes, logger: exchange.logger)
                case .failure(let error):
                    answer = WebhookAnswer(reception.notStored(provider: exchange.provider, error: error, logger: exchange.logger))
                }
                bound.eventLoop.execute {
                    let (handler, context) = bound.value
                    handler.answer(answer, to: exchange, context: context)
                }
            }
        }
    }

    // MARK: Answering

    /// Answers 413 at once; the rest of the body is read and dropped.
    private func refuseTooLarge(_ exchange: Exchange, context: ChannelHandlerContext) {
        state = .discarding
        answer(WebhookAnswer(reception.tooLarge(provider: exchange.provider)), to: exchange, then: .discarding, context: context)
    }

    private func answer(_ answer: WebhookAnswer, to exchange: Exchange, then next: State = .idle, context: ChannelHandlerContext) {
        let body = ByteBuffer(string: answer.body)
        var fields = HTTPFields()
        fields[.contentType] = answer.contentType
        fields[.contentLength] = String(body.readableBytes)
        fields[Self.requestIDHeader] = exchange.requestID
        fields[.date] = HTTPDate.now()
        fields[.server] = "ponte"
        let closing = Self.asksToClose(exchange.request)
        if closing { fields[.connection] = "close" }
        context.write(wrapOutboundOut(.head(HTTPResponse(status: answer.status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        record(answer.status, exchange: exchange)

        if closing {
            state = .closing
            held.removeAll()
            context.close(promise: nil)
            return
        }
        state = next
        guard case .idle = next else { return }
        if !held.isEmpty {
            while !held.isEmpty, !isStoring {
                handle(held.removeFirst(), context: context)
            }
            // The router's channel takes in what was read at the end of a read; these parts
            // were read earlier, while this webhook waited.
            context.fireChannelReadComplete()
        }
        guard !isStoring else { return }
        if readWanted {
            readWanted = false
            context.read()
        }
        if quiesceWanted, !isBusy {
            quiesceWanted = false
            context.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }

    private var isStoring: Bool {
        if case .storing = state { return true }
        return false
    }

    /// The duration metric and the request log line, as the router's middleware writes them.
    private func record(_ status: HTTPResponse.Status, exchange: Exchange) {
        let path = exchange.request.path.map { String($0.split(separator: "?", maxSplits: 1)[0]) } ?? ""
        HubMiddleware.finished(
            method: "POST", path: path, route: Self.route, status: status.code, duration: ContinuousClock.now - exchange.started,
            metrics: reception.metrics, logger: exchange.logger
        )
    }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { routerOwes -= 1 }
        context.write(data, promise: promise)
    }

    /// While a webhook waits for its commit, reading goes on until something arrives: an idle
    /// keep-alive connection (the usual case: the sender waits for the answer) then costs no
    /// change of the socket's interest in reading, twice per request. Once parts are held, no
    /// more is read until the webhook is answered.
    func read(context: ChannelHandlerContext) {
        if isStoring && !held.isEmpty {
            readWanted = true
        } else {
            context.read()
        }
    }

    // MARK: Requests

    /// The provider named by a `/webhooks/{provider}[?query]` path, or nil for any other path.
    static func provider(in path: String?) -> String? {
        guard let path, path.hasPrefix(prefix) else { return nil }
        let rest = path.utf8.dropFirst(prefix.utf8.count).prefix { $0 != UInt8(ascii: "?") }
        guard !rest.isEmpty,
            rest.allSatisfy({ ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") })
        else { return nil }
        return String(decoding: rest, as: UTF8.self)
    }

    /// `Connection: close` from the client.
    private static func asksToClose(_ request: HTTPRequest) -> Bool {
        guard let connection = request.headerFields[.connection] else { return false }
        return connection.lowercased().split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces) == "close" }
    }
}

/// The `Date` header's value, formatted once a second.
enum HTTPDate {
    private static let cache = Mutex<(second: Int, text: String)>((-1, ""))
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func now() -> String {
        let second = Int(Date().timeIntervalSince1970)
        return cache.withLock { cache in
            if cache.second != second { cache = (second, format(second)) }
            return cache.text
        }
    }

    /// RFC 9110's IMF-fixdate, e.g. `Mon, 23 Nov 2026 02:56:40 GMT`.
    static func format(_ second: Int) -> String {
        var time = time_t(second)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
