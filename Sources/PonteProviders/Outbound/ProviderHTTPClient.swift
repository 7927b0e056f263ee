import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import PonteCore

/// Sends a provider's API calls: timeouts, safe in-call retries, the circuit breaker,
/// call statistics, metrics and one log line per exchange.
///
/// A call is repeated in-call only when repeating cannot repeat its effect
/// (`OutboundRequest.isSafeToRetry`), or when the first attempt certainly had none (the
/// connection failed, or the provider refused it with 429). Waits are short: a
/// `Retry-After` longer than `ProviderEndpoint.maxInCallRetryAfter` ends the call at once
/// with `ProviderCallError.rateLimited`, so the job queue reschedules instead of holding
/// a worker.
public struct ProviderHTTPClient: Sendable {
    /// Reads a provider's error body (any non-2xx response) into its code and message.
    public typealias ErrorReader = @Sendable (OutboundResponse) -> ProviderErrorBody

    public let endpoint: ProviderEndpoint
    public let circuitBreaker: CircuitBreaker
    public let stats: ProviderCallStats
    private let httpClient: HTTPClient
    private let observer: any OutboundCallObserver
    private let logger: Logger
    private let redactor: SecretRedactor
    private let now: @Sendable () -> Date
    private let sleep: @Sendable (Duration) async throws -> Void
    private let random: @Sendable () -> Double
    private let maxResponseBytes: Int

    /// - Parameters:
    ///   - httpClient: the transport; `HTTPClient.shared` by default, better one from
    ///     `makeHTTPClient(connectTimeout:)`. Its connect timeout applies as configured
    ///     (`HTTPClient.shared`: 10 s); every attempt also ends at `endpoint.attemptTimeout`.
    ///   - circuitBreaker: shared by every call to this provider; 5 failures open it for 30 s.
    ///   - now: the clock for the circuit breaker, statistics and `Retry-After` dates.
    ///   - sleep: waits between attempts (tests record the waits instead).
    ///   - random: uniform in [0, 1), for backoff jitter.
    public init(
        endpoint: ProviderEndpoint, httpClient: HTTPClient = .shared, logger: Logger,
        observer: any OutboundCallObserver = NoOutboundCallObserver(), circuitBreaker: CircuitBreaker? = nil,
        stats: ProviderCallStats? = nil, now: @escaping @Sendable () -> Date = { Date() },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }, maxResponseBytes: Int = 8 << 20
    ) {
        self.endpoint = endpoint
        self.httpClient = httpClient
        self.logger = logger
        self.observer = observer
        self.circuitBreaker = circuitBreaker ?? CircuitBreaker(now: now)
        self.stats = stats ?? ProviderCallStats(provider: endpoint.provider)
        self.redactor = SecretRedactor()
        self.now = now
        self.sleep = sleep
        self.random = random
        self.maxResponseBytes = maxResponseBytes
    }

    private init(copying other: ProviderHTTPClient, redactor: SecretRedactor) {
        self.endpoint = other.endpoint
        self.httpClient = other.httpClient
        self.logger = other.logger
        self.observer = other.observer
        self.circuitBreaker = other.circuitBreaker
        self.stats = other.stats
        self.redactor = redactor
        self.now = other.now
        self.sleep = other.sleep
        self.random = other.random
        self.maxResponseBytes = other.maxResponseBytes
    }

    /// An `HTTPClient` for provider calls: connections time out after `connectTimeout`
    /// (a refused connection is retried by the pool until then, and then reported as
    /// `ProviderCallError.connectionFailed`, certainly not sent), and redirects are not
    /// followed (they would carry credentials elsewhere). The caller shuts it down.
    public static func makeHTTPClient(connectTimeout: Duration = .seconds(5)) -> HTTPClient {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: TimeAmount(connectTimeout))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    /// This client, also masking `secrets` wherever a provider's message repeats them.
    public func redacting(_ secrets: [String]) -> ProviderHTTPClient {
        ProviderHTTPClient(copying: self, redactor: redactor.adding(secrets))
    }

    // MARK: - Sending

    /// Sends `request` and returns the 2xx response; anything else is thrown as a
    /// `ProviderCallError` (or `CancellationError`).
    public func send(_ request: OutboundRequest, errorReader: ErrorReader) async throws -> OutboundResponse {
        var attempt = 0
        while true {
            attempt += 1
            do {
                try circuitBreaker.admit()
            } catch {
                stats.recordRefusal(error.description, at: now())
                log(request, attempt: attempt, status: nil, duration: .zero, error: error)
                throw error
            }
            let started = ContinuousClock.now
            let result: Result<OutboundResponse, TransportFailure>
            do {
                result = .success(try await perform(request))
            } catch let failure as TransportFailure {
                result = .failure(failure)
            } catch {
                circuitBreaker.record(.neutral)
                throw error
            }
            let duration = started.duration(to: .now)
            let failure = result.flatMap { response in
                (200..<300).contains(response.status)
                    ? .success(response) : .failure(.answered(response, error(for: response, errorReader)))
            }
            report(request, attempt: attempt, result: failure, duration: duration)
            let callError: ProviderCallError
            switch failure {
            case .success(let response): return response
            case .failure(let transport): callError = transport.callError
            }
            guard let wait = retryWait(request, failure: failure, error: callError, attempt: attempt) else {
                throw callError
            }
            try await sleep(wait)
        }
    }

    /// The wait before attempt `attempt + 1`, or nil to give up now.
    private func retryWait(
        _ request: OutboundRequest, failure: Result<OutboundResponse, TransportFailure>, error: ProviderCallError,
        attempt: Int
    ) -> Duration? {
        let backoff = endpoint.backoff.delay(afterAttempts: attempt, unit: random())
        if case .rateLimited(let retryAfter) = error {
            // A Retry-After too long to wait for in-call goes to the job queue at once.
            if let retryAfter, retryAfter > endpoint.maxInCallRetryAfter { return nil }
            guard attempt < endpoint.maxAttempts else { return nil }
            return retryAfter ?? backoff
        }
        guard attempt < endpoint.maxAttempts else { return nil }
        if case .connectionFailed = error { return backoff }
        guard request.isSafeToRetry else { return nil }
        if case .failure(.answered(let response, _)) = failure, let hintHeader = endpoint.retryHintHeader,
            let hint = response.header(hintHeader)?.lowercased()
        {
            return hint == "true" ? backoff : nil
        }
        switch error {
        case .unavailable, .timedOut: return backoff
        case .rejected(let status, _) where status == 409 && endpoint.retryHintHeader != nil: return backoff
        default: return nil
        }
    }

    /// The typed error for a non-2xx `response`.
    private func error(for response: OutboundResponse, _ errorReader: ErrorReader) -> ProviderCallError {
        var body = errorReader(response)
        body.message = redactor.redact(body.message)
        switch response.status {
        case 401:
            return .unauthorized(status: 401, message: body.message)
        case 429:
            return .rateLimited(retryAfter: response.header("Retry-After").flatMap { RetryAfter.parse($0, now: now()) })
        case 400 where body.code == "rate_limit":
            // Stripe's legacy form of a rate limit.
            return .rateLimited(retryAfter: response.header("Retry-After").flatMap { RetryAfter.parse($0, now: now()) })
        case 500...:
            return .unavailable(status: response.status, detail: body.message)
        default:
            return .rejected(status: response.status, error: body)
        }
    }

    // MARK: - Transport

    /// A failed exchange: no usable answer, or an answer that is not 2xx.
    private enum TransportFailure: Error {
        case failed(ProviderCallError)
        case answered(OutboundResponse, ProviderCallError)

        var callError: ProviderCallError {
            switch self {
            case .failed(let error), .answered(_, let error): error
            }
        }
    }

    private func perform(_ request: OutboundRequest) async throws -> OutboundResponse {
        var url = endpoint.baseURL + request.path
        if !request.query.isEmpty { url += "?" + FormURLEncoded.encode(request.query) }
        var httpRequest = HTTPClientRequest(url: url)
        httpRequest.method = HTTPMethod(rawValue: request.method)
        for header in request.headers { httpRequest.headers.add(name: header.name, value: header.value) }
        if let idempotency = request.idempotency {
            httpRequest.headers.replaceOrAdd(name: idempotency.header, value: idempotency.key)
        }
        if let contentType = request.body.contentType {
            httpRequest.headers.replaceOrAdd(name: "Content-Type", value: contentType)
        }
        if !httpRequest.headers.contains(name: "Accept") { httpRequest.headers.add(name: "Accept", value: "application/json") }
        if let bytes = request.body.bytes { httpRequest.body = .bytes(ByteBuffer(bytes: bytes)) }
        let timeout = TimeAmount(endpoint.attemptTimeout)
        do {
            let response = try await httpClient.execute(httpRequest, timeout: timeout, logger: logger)
            let body = try await response.body.collect(upTo: maxResponseBytes)
            return OutboundResponse(
                status: Int(response.status.code), headers: response.headers.map { (name: $0.name, value: $0.value) },
                body: Array(buffer: body))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw TransportFailure.failed(Self.classify(error))
        }
    }

    /// An AsyncHTTPClient/NIO error as a call error, by what it says about delivery.
    static func classify(_ error: any Error) -> ProviderCallError {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .getConnectionFromPoolTimeout, .socksHandshakeTimeout, .httpProxyHandshakeTimeout,
                .tlsHandshakeTimeout:
                return .connectionFailed(detail: "\(error)")
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return .timedOut(detail: "no answer in time")
            case .cancelled:
                return .timedOut(detail: "cancelled before an answer")
            default:
                return .unavailable(status: nil, detail: "\(error)")
            }
        }
        if error is NIOTooManyBytesError { return .invalidResponse(detail: "response body too big") }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return .connectionFailed(detail: "connect timeout")
        }
        if let error = error as? IOError, [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH].contains(error.errnoCode) {
            return .connectionFailed(detail: "\(error)")
        }
        // NIOPosix's connection error (every address failed) and DNS failures: nothing was sent.
        let typeName = String(reflecting: type(of: error))
        if typeName.hasSuffix("NIOConnectionError") || typeName.contains("Resolver") || typeName.contains("DNS") {
            return .connectionFailed(detail: "could not connect")
        }
        return .unavailable(status: nil, detail: "transport error")
    }

    // MARK: - Reporting

    private func report(
        _ request: OutboundRequest, attempt: Int, result: Result<OutboundResponse, TransportFailure>, duration: Duration
    ) {
        let status: Int?
        let error: ProviderCallError?
        switch result {
        case .success(let response): (status, error) = (response.status, nil)
        case .failure(.answered(let response, let callError)): (status, error) = (response.status, callError)
        case .failure(.failed(let callError)): (status, error) = (nil, callError)
        }
        let statusClass = status.map { "\($0 / 100)xx" } ?? "error"
        observer.callFinished(
            provider: endpoint.provider, operation: request.operation, statusClass: statusClass, duration: duration)

        let breakerOutcome: CircuitBreaker.Outcome
        let statsOutcome: ProviderCallStats.Outcome
        switch status {
        case .some(200..<300): (breakerOutcome, statsOutcome) = (.success, .success)
        case .some(429): (breakerOutcome, statsOutcome) = (.neutral, .rejected)
        case .some(400..<500): (breakerOutcome, statsOutcome) = (.success, .rejected)
        case .some(300..<400): (breakerOutcome, statsOutcome) = (.success, .rejected)
        default: (breakerOutcome, statsOutcome) = (.failure, .failure)
        }
        circuitBreaker.record(breakerOutcome)
        // The health report's "last error" is about the connection: failures, rate limits and
        // refused credentials. A refusal of one request (an unknown id, a declined card) is not.
        var healthError: String?
        if let error, status.map({ [401, 403, 429].contains($0) || $0 >= 500 }) ?? true {
            healthError = "\(request.operation): \(error.description)"
        }
        stats.record(statsOutcome, latency: duration, at: now(), error: healthError)
        log(request, attempt: attempt, status: status, duration: duration, error: error)
    }

    private func log(
        _ request: OutboundRequest, attempt: Int, status: Int?, duration: Duration, error: ProviderCallError?
    ) {
        var metadata: Logger.Metadata = [
            "provider": .string(endpoint.provider),
            "operation": .string(request.operation),
            "method": .string(request.method),
            "path": .string(redactor.redact(request.path)),
            "attempt": .stringConvertible(attempt),
            "duration_ms": .stringConvertible(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000),
        ]
        if let status { metadata["status"] = .stringConvertible(status) }
        if let error { metadata["error"] = .string(redactor.redact(error.description)) }
        if let idempotency = request.idempotency { metadata["idempotency_key"] = .string(idempotency.key) }
        logger.log(level: error == nil ? .debug : .info, "provider call", metadata: metadata)
        if logger.logLevel <= .trace {
            let headers = redactor.redact(headers: request.headers)
            logger.trace(
                "provider call headers",
                metadata: ["headers": .array(headers.map { .string("\($0.name): \($0.value)") })])
        }
    }
}

extension TimeAmount {
    /// `duration`, to the nanosecond.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
