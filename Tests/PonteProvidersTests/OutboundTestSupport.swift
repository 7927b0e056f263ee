import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PonteCore
import PonteProviders
import Synchronization
import Testing

/// A request the loopback server received.
struct RecordedRequest: Sendable {
    var method: String
    var path: String
    var query: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var bodyText: String { String(decoding: body, as: UTF8.self) }
    var form: [(name: String, value: String)] { FormURLEncoded.parse(body) }
    var queryPairs: [(name: String, value: String)] { FormURLEncoded.parse(Array(query.utf8)) }
}

/// What the loopback server answers.
struct ScriptedResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)] = []
    var body: String = ""
    /// Waits this long before answering (for timeouts).
    var delay: Duration? = nil

    static func json(_ status: Int, _ body: String, headers: [(name: String, value: String)] = []) -> ScriptedResponse {
        ScriptedResponse(status: status, headers: [(name: "Content-Type", value: "application/json")] + headers, body: body)
    }
}

/// A real HTTP server on 127.0.0.1 (random port) answering from a script.
final class LoopbackServer: Sendable {
    typealias Handler = @Sendable (RecordedRequest, Int) async throws -> ScriptedResponse
    private let received = Mutex<[RecordedRequest]>([])
    let handler: Handler

    init(_ handler: @escaping Handler) { self.handler = handler }

    var requests: [RecordedRequest] { received.withLock { $0 } }

    /// The requests received, once there are at least `count` or five seconds have passed: a
    /// client that timed out may have given up before a loaded machine's server read its request.
    func requests(atLeast count: Int) async -> [RecordedRequest] {
        let deadline = ContinuousClock.now + .seconds(5)
        while requests.count < count, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return requests
    }

    /// Records `request`; returns how many requests came before it.
    fileprivate func record(_ request: RecordedRequest) -> Int {
        received.withLock {
            $0.append(request)
            return $0.count - 1
        }
    }
}

let quietLogger = Logger(label: "test.quiet", factory: { _ in SwiftLogNoOpLogHandler() })

/// Runs `body` with a live loopback server answering through `handler` (given each request
/// and its index among all requests) and the server's base URL.
func withLoopbackServer<T: Sendable>(
    _ handler: @escaping LoopbackServer.Handler, _ body: @Sendable (LoopbackServer, String) async throws -> T
) async throws -> T {
    let server = LoopbackServer(handler)
    let responder = CallbackResponder<BasicRequestContext> { request, _ in
        let bytes = try await request.body.collect(upTo: 1 << 20)
        let recorded = RecordedRequest(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
            headers: request.headers.map { (name: $0.name.canonicalName, value: $0.value) },
            body: Array(buffer: bytes))
        let index = server.record(recorded)
        let scripted = try await server.handler(recorded, index)
        if let delay = scripted.delay { try await Task.sleep(for: delay) }
        var fields = HTTPFields()
        for header in scripted.headers {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: scripted.status), headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(string: scripted.body)))
    }
    let app = Application(
        responder: responder, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
        logger: quietLogger)
    return try await app.test(.live) { client in
        let port = try #require(client.port)
        return try await body(server, "http://127.0.0.1:\(port)")
    }
}

/// A settable clock.
final class TestClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = Mutex(start) }

    var now: Date { current.withLock { $0 } }
    var function: @Sendable () -> Date { { self.now } }
    func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// Records the waits between attempts instead of sleeping.
final class SleepRecorder: Sendable {
    private let waits = Mutex<[Duration]>([])
    var recorded: [Duration] { waits.withLock { $0 } }
    var function: @Sendable (Duration) async throws -> Void {
        { duration in self.waits.withLock { $0.append(duration) } }
    }
}

/// Every metric report.
final class MetricsRecorder: OutboundCallObserver {
    struct Report: Sendable, Equatable {
        var provider: String
        var operation: String
        var statusClass: String
    }
    private let reports = Mutex<[Report]>([])
    var recorded: [Report] { reports.withLock { $0 } }

    func callFinished(provider: String, operation: String, statusClass: String, duration: Duration) {
        reports.withLock { $0.append(Report(provider: provider, operation: operation, statusClass: statusClass)) }
    }
}

/// Every log line, rendered with its metadata.
final class LogRecorder: Sendable {
    private let lines = Mutex<[String]>([])
    var recorded: [String] { lines.withLock { $0 } }

    var logger: Logger {
        var logger = Logger(label: "test.outbound") { _ in Handler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func append(_ line: String) { lines.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            recorder.append("\(event.level) \(event.message) \(rendered)")
        }
    }
}

/// One transport for every test. Loopback connections are accepted by the kernel at once,
/// but a machine busy with the whole suite may run the client's event loop late: 2 s.
let testHTTPClient = ProviderHTTPClient.makeHTTPClient(connectTimeout: .seconds(2))

/// A transport to `baseURL` with short timeouts and recorded waits, logs and metrics. (The
/// endpoint's connect timeout only adds to each attempt's deadline; the transport's bounds
/// the connect itself.)
struct TestTransport {
    let clock = TestClock()
    let sleeps = SleepRecorder()
    let logs = LogRecorder()
    let metrics = MetricsRecorder()

    func client(
        _ baseURL: String, provider: String = "test", maxAttempts: Int = 3, readTimeout: Duration = .seconds(5),
        retryHintHeader: String? = nil, breaker: CircuitBreaker? = nil
    ) -> ProviderHTTPClient {
        ProviderHTTPClient(
            endpoint: ProviderEndpoint(
                provider: provider, baseURL: baseURL, connectTimeout: .milliseconds(200), readTimeout: readTimeout,
                maxAttempts: maxAttempts, backoff: RetryBackoff(base: .milliseconds(10), cap: .milliseconds(50)),
                retryHintHeader: retryHintHeader),
            httpClient: testHTTPClient, logger: logs.logger, observer: metrics, circuitBreaker: breaker, now: clock.function,
            sleep: sleeps.function, random: { 0.5 })
    }
}

/// Reads a body the same way for every provider in tests.
let plainErrorReader: ProviderHTTPClient.ErrorReader = { response in
    ProviderErrorBody(message: String(decoding: response.body, as: UTF8.self))
}

/// The error `body` throws, or nil.
func callError(_ body: () async throws -> Void) async -> ProviderCallError? {
    do {
        try await body()
        return nil
    } catch let error as ProviderCallError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}
