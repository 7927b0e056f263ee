import PonteCore
import PonteProviders
import PonteStore
import Prometheus
import Synchronization

/// The hub's Prometheus metrics, exported at `/metrics`.
///
/// One registry per application (no process-wide bootstrap), so several hubs in one test
/// process keep separate counts.
public final class HubMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let commitLatency: DurationHistogram
    private let batchSize: ValueHistogram
    /// The per-request and per-job series already made, by their label values: the registry
    /// checks the name and help text on every `make…` call, too slow to do once per request.
    private let webhookCounters = Mutex<[[String]: Counter]>([:])
    private let requestDurations = Mutex<[[String]: DurationHistogram]>([:])
    private let jobOutcomes = Mutex<[[String]: Counter]>([:])
    private let jobDurations = Mutex<[[String]: DurationHistogram]>([:])

    public init() {
        commitLatency = registry.makeDurationHistogram(
            descriptor: Names.dbCommitSeconds,
            buckets: [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                      .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1)]
        )
        batchSize = registry.makeValueHistogram(
            descriptor: Names.dbCommitBatchRows,
            buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256]
        )
    }

    /// Counts one webhook request by provider and outcome (`accepted`, `duplicate`,
    /// `signature_invalid`, `payload_invalid`, `not_configured`, `too_large`, `error`).
    func webhookReceived(provider: String, outcome: String) {
        Self.series([provider, outcome], in: webhookCounters) {
            registry.makeCounter(
                descriptor: Names.webhooksReceivedTotal,
                labels: [("provider", provider), ("outcome", outcome)]
            )
        }.increment()
    }

    func requestFinished(method: String, route: String, status: Int, duration: Duration) {
        let statusText = String(status)
        Self.series([method, route, statusText], in: requestDurations) {
            registry.makeDurationHistogram(
                descriptor: Names.httpRequestDurationSeconds,
                labels: [("method", method), ("route", route), ("status", statusText)],
                buckets: [.microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
                          .milliseconds(10), .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(2)]
            )
        }.record(duration)
    }

    /// The series for `labels` from `cache`, made once.
    private static func series<Series: Sendable>(
        _ labels: [String], in cache: borrowing Mutex<[[String]: Series]>, make: () -> Series
    ) -> Series {
        if let series = cache.withLock({ $0[labels] }) { return series }
        let series = make()  // the registry returns the same series for the same labels
        cache.withLock { $0[labels] = series }
        return series
    }

    func batchCommitted(rows: Int, seconds: Double) {
        commitLatency.record(.nanoseconds(Int64(seconds * 1e9)))
        batchSize.record(Double(rows))
    }

    // MARK: Jobs

    func jobsEnqueued(queue: String, count: Int) {
        registry.makeCounter(descriptor: Names.jobsEnqueuedTotal, labels: [("queue", queue)])
            .increment(by: Int64(count))
    }

    /// Counts one attempt by outcome (`succeeded`, `retried`, `dead`, `released`) and records
    /// its run time.
    func jobFinished(queue: String, kind: String, result: JobResult, seconds: Double) {
        let outcome: String
        switch result {
        case .succeeded: outcome = "succeeded"
        case .retry: outcome = "retried"
        case .dead: outcome = "dead"
        case .release: outcome = "released"
        }
        Self.series([queue, outcome], in: jobOutcomes) {
            registry.makeCounter(descriptor: Names.jobsCompletedTotal, labels: [("queue", queue), ("outcome", outcome)])
        }.increment()
        if outcome == "retried" {
            registry.makeCounter(descriptor: Names.jobsRetriedTotal, labels: [("queue", queue)]).increment()
        }
        if outcome == "dead" {
            registry.makeCounter(descriptor: Names.jobsDeadLetteredTotal, labels: [("queue", queue)]).increment()
        }
        Self.series([queue, kind], in: jobDurations) {
            registry.makeDurationHistogram(
                descriptor: Names.jobRunSeconds, labels: [("queue", queue), ("kind", kind)],
                buckets: [.microseconds(100), .milliseconds(1), .milliseconds(5), .milliseconds(20), .milliseconds(100),
                          .milliseconds(500), .seconds(2), .seconds(10), .seconds(60)]
            )
        }.record(.microseconds(Int64(seconds * 1_000_000)))
    }

    /// Labels of queue gauges set at the last scrape, so vanished ones drop to zero.
    private let queueGaugeLabels = Mutex<Set<[String]>>([])

    /// Sets queue depth and oldest-pending-age gauges from fresh counts (called per scrape).
    func updateQueues(_ counts: [QueueCount], now: Int64) {
        var seen = Set<[String]>()
        var oldest: [[String]: Int64] = [:]
        for count in counts {
            let labels = [count.queue, count.priority.rawValue, count.status.rawValue]
            seen.insert(labels)
            depthGauge(labels).set(Double(count.count))
            if count.status == .pending, let due = count.oldestDueAt {
                oldest[[count.queue, count.priority.rawValue]] = due
            }
        }
        let previous = queueGaugeLabels.withLock { stored in
            defer { stored = seen }
            return stored
        }
        for labels in previous.subtracting(seen) { depthGauge(labels).set(Double(0)) }
        for priority in JobPriority.allCases {
            for queue in Set(counts.map(\.queue)).union(previous.map { $0[0] }) {
                let age = oldest[[queue, priority.rawValue]].map { Double(max(0, now - $0)) / 1_000_000 } ?? 0
                registry.makeGauge(
                    descriptor: Names.queueOldestPendingAgeSeconds, labels: [("queue", queue), ("priority", priority.rawValue)]
                ).set(age)
            }
        }
    }

    private func depthGauge(_ labels: [String]) -> Gauge {
        registry.makeGauge(
            descriptor: Names.queueJobs, labels: [("queue", labels[0]), ("priority", labels[1]), ("status", labels[2])]
        )
    }

    /// Every metric's name (the base, then the unit suffix) and help text. (Computed: the
    /// descriptor type is not `Sendable`.)
    enum Names {
        static var dbCommitSeconds: MetricNameDescriptor {
            MetricNameDescriptor(metricName: "ponte_db_commit", unitName: "seconds", helpText: "Time to commit one batch of webhooks")
        }
        static var dbCommitBatchRows: MetricNameDescriptor {
            MetricNameDescriptor(metricName: "ponte_db_commit_batch", unitName: "rows", helpText: "Webhooks committed per transaction")
        }
        static var webhooksReceivedTotal: MetricNameDescriptor {
            MetricNameDescriptor(metricName: "ponte_webhooks_received", unitName: "total", helpText: "Webhook requests by provider and outcome")
        }
        static var httpRequestDurationSeconds: MetricNameDescriptor {
            MetricNameDescriptor(metricName: "ponte_http_request_duration", unitName: "seconds", helpText: "HTTP request durations by route and status")
        }
        static var jobsEnqueuedTotal: MetricNameDescriptor {
            MetricNameDescriptor(metricName: "ponte_jobs_enqueued", unitName: "total", helpText: "Jobs enqueued")
        }
        static var jobsCompletedTotal: MetricNameDescriptor {
            MetricNameDescriptor(metricName: "ponte_jobs_completed", unitName: "total", helpText: "Job attempts by outcome: succeeded, retried, dead (dead-lettered), released (not run: rate limit or shutdown)")
        }
        static var jobsRetriedTotal: MetricNameDescriptor {
            MetricNameDescriptor(metricName: "ponte_jobs_retried", unitName: "total", helpText: "Job attempts that failed and will be retried")
        }
        static var jobsDeadLetteredTotal: MetricNameDescriptor {
            MetricNameDescriptor(metricName: "ponte_jobs_dead_lettered", unitName: "total", helpText: "Jobs dead-lettered")
        }
        static var jobRunSeconds: MetricNameDescriptor {
            MetricNameDescriptor(metricName: "ponte_job_run", unitName: "seconds", helpText: "Time a job's handler ran")
        }
        static var queueOldestPendingAgeSeconds: MetricNameDescriptor {
            MetricNameDescriptor(metricName: "ponte_queue_oldest_pending_age", unitName: "seconds", helpText: "Age of the oldest due pending job")
        }
        static var queueJobs: MetricNameDescriptor {
            MetricNameDescriptor(metricName: "ponte_queue", unitName: "jobs", helpText: "Jobs by queue, priority and status (pending, running, dead)")
        }
        static var providerCallsTotal: MetricNameDescriptor {
            MetricNameDescriptor(metricName: "ponte_provider_calls", unitName: "total", helpText: "Calls to providers by operation and status class")
        }
        static var providerCallDurationSeconds: MetricNameDescriptor {
            MetricNameDescriptor(metricName: "ponte_provider_call_duration", unitName: "seconds", helpText: "Latency of calls to providers")
        }
    }

    /// The Prometheus text exposition of every metric.
    func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}

// MARK: Provider calls

extension HubMetrics: OutboundCallObserver {
    /// Counts one HTTP exchange with a provider and records its latency, by provider,
    /// operation and status class (`2xx`, `4xx`, `5xx`, `error`).
    public func callFinished(provider: String, operation: String, statusClass: String, duration: Duration) {
        let labels = [("provider", provider), ("operation", operation), ("status_class", statusClass)]
        registry.makeCounter(
            descriptor: Names.providerCallsTotal, labels: labels
        ).increment()
        registry.makeDurationHistogram(
            descriptor: Names.providerCallDurationSeconds, labels: labels,
            buckets: [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                      .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10)]
        ).record(duration)
    }
}
