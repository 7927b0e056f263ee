import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import PonteProviders
import ServiceLifecycle
import Synchronization

/// A webhook a simulator wants to send to the hub.
public struct SandboxWebhook: Sendable {
    /// How the body is encoded, which decides how it is signed.
    public enum Body: Sendable {
        /// A JSON document (Stripe, Asaas, iFood).
        case json([UInt8])
        /// Form fields (Twilio), signed together with the URL.
        case form([(name: String, value: String)])
    }

    public var provider: SandboxProvider
    /// The provider's event id, for the delivery log.
    public var eventID: String
    public var eventType: String
    public var body: Body
    /// Where to send it: nil means the hub's `/webhooks/{provider}`; an absolute URL is
    /// used as given (Twilio's per-message `StatusCallback`).
    public var url: String?

    public init(provider: SandboxProvider, eventID: String, eventType: String, body: Body, url: String? = nil) {
        self.provider = provider
        self.eventID = eventID
        self.eventType = eventType
        self.body = body
        self.url = url
    }
}

/// Sends simulators' webhooks to the hub, signed the way each provider signs them, with
/// the provider-like retries and the webhook faults of the `FaultBook`.
///
/// A delivery counts as done on a 2xx (Asaas: only on 200); anything else is retried with
/// doubling delays, six attempts in all, then given up and left in the delivery log.
public final class WebhookOutbox: Service, Sendable {
    /// One line of the delivery log.
    public struct Delivery: Codable, Sendable, Equatable {
        public enum Status: String, Codable, Sendable {
            case pending, delivered, failed, dropped
            case notSent = "not_sent"
        }
        public var provider: SandboxProvider
        public var eventID: String
        public var eventType: String
        public var url: String?
        public var fault: String
        public var status: Status
        public var attempts: Int
        public var lastStatusCode: Int?
        public var lastError: String?

        enum CodingKeys: String, CodingKey {
            case provider, url, fault, status, attempts
            case eventID = "event_id"
            case eventType = "event_type"
            case lastStatusCode = "last_status_code"
            case lastError = "last_error"
        }
    }

    /// The most deliveries the log keeps; older lines are dropped first.
    static let logLimit = 2_000
    static let maxAttempts = 6

    private let hubBaseURL: Mutex<String?>
    private let credentials: SandboxCredentials
    private let faults: FaultBook
    private let logger: Logger
    private let retryBaseDelay: Duration
    /// A webhook waiting for delivery: its line in the log, and whether it is held back.
    private struct Queued: Sendable {
        var index: Int
        var webhook: SandboxWebhook
        var reordered: Bool
    }

    private let stream: AsyncStream<Queued>
    private let continuation: AsyncStream<Queued>.Continuation
    private let log = Mutex<(next: Int, lines: [Int: Delivery])>((0, [:]))

    /// - Parameters:
    ///   - hubBaseURL: the hub's base URL (`http://127.0.0.1:8080`); nil keeps webhooks in
    ///     the log as `not_sent`.
    ///   - retryBaseDelay: the first retry's delay; each next one doubles.
    public init(
        hubBaseURL: String?, credentials: SandboxCredentials, faults: FaultBook, logger: Logger,
        retryBaseDelay: Duration = .milliseconds(500)
    ) {
        self.hubBaseURL = Mutex(hubBaseURL.map(Self.trimmed))
        self.credentials = credentials
        self.faults = faults
        self.logger = logger
        self.retryBaseDelay = retryBaseDelay
        (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// Points webhooks at another hub (e.g. once a hub started on port 0 knows its port).
    public func setHubBaseURL(_ url: String?) {
        hubBaseURL.withLock { $0 = url.map(Self.trimmed) }
    }

    private static func trimmed(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    /// Queues `webhook` for delivery; returns at once.
    public func send(_ webhook: SandboxWebhook) {
        let fault = faults.webhookFault(for: webhook.provider)
        let url = webhook.url ?? hubBaseURL.withLock { $0 }.map { "\($0)/webhooks/\(webhook.provider.rawValue)" }
        let status: Delivery.Status = url == nil ? .notSent : (fault == .drop ? .dropped : .pending)
        let index = log.withLock { log in
            let index = log.next
            log.next += 1
            log.lines[index] = Delivery(
                provider: webhook.provider, eventID: webhook.eventID, eventType: webhook.eventType, url: url,
                fault: "\(fault)", status: status, attempts: 0
            )
            log.lines[index - Self.logLimit] = nil
            return index
        }
        guard status == .pending else {
            logger.info(
                "sandbox webhook not sent",
                metadata: ["provider": "\(webhook.provider)", "event_id": "\(webhook.eventID)", "reason": "\(status.rawValue)"]
            )
            return
        }
        continuation.yield(Queued(index: index, webhook: webhook, reordered: fault == .reorder))
        if fault == .duplicate {
            let copy = log.withLock { log in
                let copy = log.next
                log.next += 1
                log.lines[copy] = log.lines[index]
                return copy
            }
            continuation.yield(Queued(index: copy, webhook: webhook, reordered: false))
        }
    }

    /// The delivery log, oldest first.
    public func deliveries() -> [Delivery] {
        log.withLock { log in log.lines.sorted { $0.key < $1.key }.map(\.value) }
    }

    /// Delivers until graceful shutdown; each webhook in its own task, so a slow or failing
    /// hub endpoint does not hold back the others. Reordered webhooks wait a second first.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for await queued in stream.cancelOnGracefulShutdown() {
                group.addTask {
                    if queued.reordered { try? await Task.sleep(for: .seconds(1)) }
                    await self.deliver(queued.webhook, index: queued.index)
                }
            }
            group.cancelAll()
        }
    }

    // MARK: Delivery

    private func deliver(_ webhook: SandboxWebhook, index: Int) async {
        guard let url = log.withLock({ $0.lines[index]?.url }) else { return }
        var delay = retryBaseDelay
        for attempt in 1...Self.maxAttempts {
            if Task.isCancelled { return }
            let outcome: (code: Int?, error: String?)
            do {
                let response = try await HTTPClient.shared.execute(
                    signedRequest(webhook, url: url), timeout: .seconds(10), logger: logger
                )
                outcome = (Int(response.status.code), nil)
            } catch {
                outcome = (nil, "\(error)")
            }
            let delivered = outcome.code.map { accepts($0, provider: webhook.provider) } ?? false
            update(index) { line in
                line.attempts = attempt
                line.lastStatusCode = outcome.code
                line.lastError = outcome.error
                line.status = delivered ? .delivered : (attempt == Self.maxAttempts ? .failed : .pending)
            }
            if delivered { return }
            logger.notice(
                "sandbox webhook delivery failed",
                metadata: [
                    "provider": "\(webhook.provider)", "event_id": "\(webhook.eventID)", "attempt": "\(attempt)",
                    "status": "\(outcome.code.map(String.init) ?? "-")", "error": "\(outcome.error ?? "-")",
                ]
            )
            guard attempt < Self.maxAttempts else { return }
            try? await Task.sleep(for: delay)
            delay *= 2
        }
    }

    /// Asaas counts only 200 as success; the others any 2xx.
    private func accepts(_ status: Int, provider: SandboxProvider) -> Bool {
        provider == .asaas ? status == 200 : (200..<300).contains(status)
    }

    private func update(_ index: Int, _ change: (inout Delivery) -> Void) {
        log.withLock { log in
            if var line = log.lines[index] {
                change(&line)
                log.lines[index] = line
            }
        }
    }

    /// The request with the provider's signature, computed now (Stripe's timestamp is the
    /// time of the attempt, as Stripe signs each attempt afresh).
    func signedRequest(_ webhook: SandboxWebhook, url: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "User-Agent", value: "ponte-sandbox/\(webhook.provider.rawValue)")
        let bytes: [UInt8]
        switch webhook.body {
        case .json(let json):
            bytes = json
            request.headers.add(name: "Content-Type", value: "application/json")
        case .form(let fields):
            bytes = Array(FormURLEncoded.encode(fields).utf8)
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        }
        switch (webhook.provider, webhook.body) {
        case (.stripe, _):
            let header = StripeSignature.header(
                secret: credentials.stripeWebhookSecret, timestamp: Int(Date().timeIntervalSince1970), body: bytes
            )
            request.headers.add(name: StripeSignature.headerName, value: header)
        case (.asaas, _):
            request.headers.add(name: "asaas-access-token", value: credentials.asaasWebhookToken)
        case (.ifood, _):
            request.headers.add(
                name: IFoodSignature.headerName, value: IFoodSignature.signature(secret: credentials.ifoodClientSecret, body: bytes)
            )
        case (.twilio, .form(let fields)):
            request.headers.add(
                name: TwilioSignature.headerName,
                value: TwilioSignature.signature(authToken: credentials.twilioAuthToken, url: url, params: fields)
            )
        case (.twilio, .json(let json)):
            // JSON callbacks carry the body's hash in the URL; the signature covers the URL only.
            let separator = url.contains("?") ? "&" : "?"
            let hashedURL = url + separator + "\(TwilioSignature.bodyHashParameter)=" + TwilioSignature.bodySHA256(json)
            request.url = hashedURL
            request.headers.add(
                name: TwilioSignature.headerName,
                value: TwilioSignature.signature(authToken: credentials.twilioAuthToken, url: hashedURL, params: [])
            )
        case (.square, _), (.mailchimp, _), (.quickbooks, _):
            // Their simulators serve OAuth and a connection test only, and send no webhooks yet.
            break
        }
        request.body = .bytes(ByteBuffer(bytes: bytes))
        return request
    }
}
