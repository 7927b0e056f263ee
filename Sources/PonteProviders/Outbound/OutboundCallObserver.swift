/// Receives one report per HTTP exchange with a provider, for metrics.
///
/// The hub's Prometheus registry implements it; labels are the provider, the
/// operation name and the status class, never anything taken from the request.
public protocol OutboundCallObserver: Sendable {
    /// - Parameter statusClass: `"2xx"`, `"3xx"`, `"4xx"`, `"5xx"`, or `"error"` when no answer came.
    func callFinished(provider: String, operation: String, statusClass: String, duration: Duration)
}

/// An observer that drops every report.
public struct NoOutboundCallObserver: OutboundCallObserver {
    public init() {}
    public func callFinished(provider: String, operation: String, statusClass: String, duration: Duration) {}
}
