import Foundation
import Synchronization

/// A rolling record of one provider's recent calls, for `/api/v1/integrations/health`.
///
/// Keeps the last `capacity` exchanges; rates and latencies are over those, the totals
/// since start.
public final class ProviderCallStats: Sendable {
    /// How one exchange ended.
    public enum Outcome: Sendable, Equatable {
        /// 2xx.
        case success
        /// A 4xx (including 429): the provider answered, the request was refused.
        case rejected
        /// 5xx, timeout or connection error.
        case failure
    }

    /// What the health report shows.
    public struct Snapshot: Sendable, Equatable {
        public var provider: String
        /// Exchanges since start.
        public var totalCalls: Int
        /// Exchanges in the window.
        public var windowCalls: Int
        /// 2xx share of the window, 0...1; nil when the window is empty.
        public var successRate: Double?
        /// 5xx/timeout/connection-error share of the window, 0...1; nil when the window is empty.
        public var failureRate: Double?
        public var averageLatency: Duration?
        public var p95Latency: Duration?
        public var lastSuccessAt: Date?
        public var lastError: LastError?
    }

    /// The most recent failure.
    public struct LastError: Sendable, Equatable {
        public var message: String
        public var at: Date
    }

    private struct Entry {
        var outcome: Outcome
        var latency: Duration
    }

    private struct Window {
        var entries: [Entry] = []
        var next = 0
        var total = 0
        var lastSuccessAt: Date?
        var lastError: LastError?
    }

    public let provider: String
    public let capacity: Int
    private let window = Mutex(Window())

    public init(provider: String, capacity: Int = 100) {
        self.provider = provider
        self.capacity = max(1, capacity)
    }

    /// Records one exchange; `error` is its (already redacted) message when it failed.
    public func record(_ outcome: Outcome, latency: Duration, at date: Date, error: String? = nil) {
        let capacity = capacity
        window.withLock { window in
            let entry = Entry(outcome: outcome, latency: latency)
            if window.entries.count < capacity {
                window.entries.append(entry)
            } else {
                window.entries[window.next] = entry
            }
            window.next = (window.next + 1) % capacity
            window.total += 1
            if outcome == .success { window.lastSuccessAt = date }
            if let error { window.lastError = LastError(message: error, at: date) }
        }
    }

    /// Records a call refused before it was sent (open circuit): no exchange, but the
    /// health report shows why calls are failing.
    public func recordRefusal(_ message: String, at date: Date) {
        window.withLock { $0.lastError = LastError(message: message, at: date) }
    }

    public func snapshot() -> Snapshot {
        window.withLock { window in
            let entries = window.entries
            let count = entries.count
            var snapshot = Snapshot(
                provider: provider, totalCalls: window.total, windowCalls: count, lastSuccessAt: window.lastSuccessAt,
                lastError: window.lastError
            )
            guard count > 0 else { return snapshot }
            snapshot.successRate = Double(entries.count { $0.outcome == .success }) / Double(count)
            snapshot.failureRate = Double(entries.count { $0.outcome == .failure }) / Double(count)
            let latencies = entries.map(\.latency).sorted()
            snapshot.averageLatency = latencies.reduce(Duration.zero, +) / count
            // Nearest rank: the smallest latency with at least 95 % of the window at or below it.
            let rank = Int((Double(count) * 0.95).rounded(.up))
            snapshot.p95Latency = latencies[max(0, min(count - 1, rank - 1))]
            return snapshot
        }
    }
}
