import Hummingbird
import Logging

/// Per-request state: Hummingbird's core context (with its request id, `id`, which is in every
/// log line of the request and returned as `X-Request-Id`) plus, once authenticated, the
/// caller's token claims.
public struct PonteRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var claims: AdminTokens.Claims?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.claims = nil
    }
}
