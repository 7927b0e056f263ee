import Hummingbird
import Logging

/// Per-request state: Hummingbird's core context plus the request id and, once
/// authenticated, the caller's token claims.
public struct PonteRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The id in every log line of this request, also returned as `X-Request-Id`.
    public var requestID: String
    public var claims: AdminTokens.Claims?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = RequestID.next()
        self.claims = nil
        self.logger[metadataKey: "request_id"] = .string(requestID)
    }
}

/// Short, unique-enough request ids: a per-process random prefix and a counter.
enum RequestID {
    private static let prefix = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    private static let counter = AtomicCounter()

    static func next() -> String {
        "\(prefix)-\(String(counter.next(), radix: 36))"
    }
}
