/// How a provider connection is doing, by the thresholds of the integration service (seed 004):
///
/// - healthy: the connection test passes, success rate ≥ 90 %, latency < 5 s;
/// - degraded: success rate 50–90 %, or latency 5–10 s;
/// - unhealthy: the connection test fails, an open circuit, success rate < 50 %, or latency > 10 s;
/// - unknown: configured, but no recent call and no connection test to judge by;
/// - not configured: no credentials, so Ponte cannot call it.
public enum IntegrationHealth: String, Sendable, Codable, Equatable {
    case healthy
    case degraded
    case unhealthy
    case unknown
    case notConfigured = "not_configured"

    /// What was observed of one provider.
    public struct Observation: Sendable, Equatable {
        public var configured: Bool
        /// Nil when no connection test ran.
        public var connectionTestPassed: Bool?
        /// Share of recent calls that succeeded, 0...1; nil without recent calls.
        public var successRate: Double?
        /// Average latency of recent calls (or of the connection test), in seconds.
        public var latencySeconds: Double?
        /// An open circuit breaker: calls are being refused.
        public var circuitOpen: Bool

        public init(
            configured: Bool, connectionTestPassed: Bool? = nil, successRate: Double? = nil, latencySeconds: Double? = nil,
            circuitOpen: Bool = false
        ) {
            self.configured = configured
            self.connectionTestPassed = connectionTestPassed
            self.successRate = successRate
            self.latencySeconds = latencySeconds
            self.circuitOpen = circuitOpen
        }
    }

    public static let healthySuccessRate = 0.9
    public static let unhealthySuccessRate = 0.5
    public static let degradedLatencySeconds = 5.0
    public static let unhealthyLatencySeconds = 10.0

    public static func classify(_ observation: Observation) -> IntegrationHealth {
        guard observation.configured else { return .notConfigured }
        if observation.connectionTestPassed == false || observation.circuitOpen { return .unhealthy }
        if observation.successRate == nil, observation.connectionTestPassed == nil { return .unknown }
        let rate = observation.successRate ?? 1
        let latency = observation.latencySeconds ?? 0
        if rate < unhealthySuccessRate || latency > unhealthyLatencySeconds { return .unhealthy }
        if rate < healthySuccessRate || latency >= degradedLatencySeconds { return .degraded }
        return .healthy
    }
}
