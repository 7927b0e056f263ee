import Prometheus

/// The hub's Prometheus metrics, exported at `/metrics`.
///
/// One registry per application (no process-wide bootstrap), so several hubs in one test
/// process keep separate counts.
public final class HubMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let commitLatency: DurationHistogram
    private let batchSize: ValueHistogram

    public init() {
        commitLatency = registry.makeDurationHistogram(
            name: "ponte_db_commit_seconds",
            buckets: [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                      .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1)],
            help: "Time to commit one batch of webhooks"
        )
        batchSize = registry.makeValueHistogram(
            name: "ponte_db_commit_batch_rows",
            buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
            help: "Webhooks committed per transaction"
        )
    }

    /// Counts one webhook request by provider and outcome (`accepted`, `duplicate`,
    /// `signature_invalid`, `payload_invalid`, `not_configured`, `too_large`, `error`).
    func webhookReceived(provider: String, outcome: String) {
        registry.makeCounter(
            name: "ponte_webhooks_received_total",
            labels: [("provider", provider), ("outcome", outcome)],
            help: "Webhook requests by provider and outcome"
        ).increment()
    }

    func requestFinished(method: String, route: String, status: Int, duration: Duration) {
        registry.makeDurationHistogram(
            name: "ponte_http_request_duration_seconds",
            labels: [("method", method), ("route", route), ("status", String(status))],
            buckets: [.microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
                      .milliseconds(10), .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(2)],
            help: "HTTP request durations by route and status"
        ).record(duration)
    }

    func batchCommitted(rows: Int, seconds: Double) {
        commitLatency.record(.nanoseconds(Int64(seconds * 1e9)))
        batchSize.record(Double(rows))
    }

    /// The Prometheus text exposition of every metric.
    func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
