import Foundation
import Synchronization

/// What can go wrong with one simulated provider, settable through the control API.
///
/// API faults are decided per request: `errorRate` answers 500 before anything happens;
/// `rateLimitRate` answers 429 with `Retry-After` before anything happens; `timeoutRate`
/// *performs* the request and then holds the answer for `timeoutSeconds`, which is the
/// case that tests idempotency: the effect happened, the caller never heard of it.
/// Webhook faults are decided per event: dropped (never delivered), duplicated (delivered
/// twice), reordered (held back and delivered after the next event).
public struct FaultSettings: Codable, Sendable, Equatable {
    public var errorRate: Double = 0
    public var rateLimitRate: Double = 0
    public var retryAfterSeconds: Int = 1
    public var timeoutRate: Double = 0
    public var timeoutSeconds: Double = 30
    public var latencyMilliseconds: Int = 0
    public var webhookDropRate: Double = 0
    public var webhookDuplicateRate: Double = 0
    public var webhookReorderRate: Double = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case errorRate = "error_rate"
        case rateLimitRate = "rate_limit_rate"
        case retryAfterSeconds = "retry_after_seconds"
        case timeoutRate = "timeout_rate"
        case timeoutSeconds = "timeout_seconds"
        case latencyMilliseconds = "latency_ms"
        case webhookDropRate = "webhook_drop_rate"
        case webhookDuplicateRate = "webhook_duplicate_rate"
        case webhookReorderRate = "webhook_reorder_rate"
    }

    /// Missing fields keep their defaults, so `{"error_rate": 0.3}` is a complete setting.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = FaultSettings()
        errorRate = try container.decodeIfPresent(Double.self, forKey: .errorRate) ?? defaults.errorRate
        rateLimitRate = try container.decodeIfPresent(Double.self, forKey: .rateLimitRate) ?? defaults.rateLimitRate
        retryAfterSeconds =
            try container.decodeIfPresent(Int.self, forKey: .retryAfterSeconds) ?? defaults.retryAfterSeconds
        timeoutRate = try container.decodeIfPresent(Double.self, forKey: .timeoutRate) ?? defaults.timeoutRate
        timeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .timeoutSeconds) ?? defaults.timeoutSeconds
        latencyMilliseconds =
            try container.decodeIfPresent(Int.self, forKey: .latencyMilliseconds) ?? defaults.latencyMilliseconds
        webhookDropRate = try container.decodeIfPresent(Double.self, forKey: .webhookDropRate) ?? defaults.webhookDropRate
        webhookDuplicateRate =
            try container.decodeIfPresent(Double.self, forKey: .webhookDuplicateRate) ?? defaults.webhookDuplicateRate
        webhookReorderRate =
            try container.decodeIfPresent(Double.self, forKey: .webhookReorderRate) ?? defaults.webhookReorderRate
    }

    /// What is wrong with these settings, if anything, in words for the caller.
    public func problems() -> [String] {
        var problems: [String] = []
        let rates: [(String, Double)] = [
            ("error_rate", errorRate), ("rate_limit_rate", rateLimitRate), ("timeout_rate", timeoutRate),
            ("webhook_drop_rate", webhookDropRate), ("webhook_duplicate_rate", webhookDuplicateRate),
            ("webhook_reorder_rate", webhookReorderRate),
        ]
        for (name, rate) in rates where !(0...1).contains(rate) {
            problems.append("\(name) must be between 0 and 1 (got \(rate))")
        }
        if errorRate + rateLimitRate + timeoutRate > 1 {
            problems.append("error_rate + rate_limit_rate + timeout_rate must not exceed 1")
        }
        if !(0...3600).contains(retryAfterSeconds) { problems.append("retry_after_seconds must be 0...3600") }
        if !(0...300).contains(timeoutSeconds) { problems.append("timeout_seconds must be 0...300") }
        if !(0...60_000).contains(latencyMilliseconds) { problems.append("latency_ms must be 0...60000") }
        return problems
    }
}

/// The fault decided for one API request.
public enum APIFault: Sendable, Equatable {
    case none
    case serverError
    case rateLimited(retryAfterSeconds: Int)
    case timeout(seconds: Double)

    /// `server_error`, `rate_limited`, `timeout` (`none` for none).
    public var name: String {
        switch self {
        case .none: "none"
        case .serverError: "server_error"
        case .rateLimited: "rate_limited"
        case .timeout: "timeout"
        }
    }
}

/// The fault decided for one outgoing webhook.
public enum WebhookFault: Sendable, Equatable {
    case none
    case drop
    case duplicate
    case reorder
}

/// The fault settings of every simulator, and the dice that apply them.
///
/// With a seed the dice are reproducible (`PONTE_SANDBOX_SEED`), which is what a chaos
/// test that must be rerun wants.
public final class FaultBook: Sendable {
    private struct State {
        var settings: [SandboxProvider: FaultSettings] = [:]
        var dice: SplitMix64
        var injected: [SandboxProvider: [String: Int]] = [:]
    }
    private let state: Mutex<State>

    public init(seed: UInt64? = nil) {
        state = Mutex(State(dice: SplitMix64(seed: seed ?? UInt64.random(in: .min ... .max))))
    }

    public func settings(for provider: SandboxProvider) -> FaultSettings {
        state.withLock { $0.settings[provider] ?? FaultSettings() }
    }

    public func all() -> [SandboxProvider: FaultSettings] {
        state.withLock { state in
            Dictionary(uniqueKeysWithValues: SandboxProvider.allCases.map { ($0, state.settings[$0] ?? FaultSettings()) })
        }
    }

    public func set(_ settings: FaultSettings, for provider: SandboxProvider) {
        state.withLock { $0.settings[provider] = settings }
    }

    /// Back to no faults anywhere.
    public func reset() {
        state.withLock { $0.settings = [:] }
    }

    /// Rolls the dice for one API request to `provider`.
    public func apiFault(for provider: SandboxProvider) -> APIFault {
        state.withLock { state in
            let settings = state.settings[provider] ?? FaultSettings()
            let roll = state.dice.nextUnit()
            let fault: APIFault
            if roll < settings.errorRate {
                fault = .serverError
            } else if roll < settings.errorRate + settings.rateLimitRate {
                fault = .rateLimited(retryAfterSeconds: settings.retryAfterSeconds)
            } else if roll < settings.errorRate + settings.rateLimitRate + settings.timeoutRate {
                fault = .timeout(seconds: settings.timeoutSeconds)
            } else {
                fault = .none
            }
            if fault != .none { state.injected[provider, default: [:]][fault.name, default: 0] += 1 }
            return fault
        }
    }

    /// Rolls the dice for one webhook from `provider`.
    public func webhookFault(for provider: SandboxProvider) -> WebhookFault {
        state.withLock { state in
            let settings = state.settings[provider] ?? FaultSettings()
            let roll = state.dice.nextUnit()
            let fault: WebhookFault
            if roll < settings.webhookDropRate {
                fault = .drop
            } else if roll < settings.webhookDropRate + settings.webhookDuplicateRate {
                fault = .duplicate
            } else if roll < settings.webhookDropRate + settings.webhookDuplicateRate + settings.webhookReorderRate {
                fault = .reorder
            } else {
                fault = .none
            }
            if fault != .none { state.injected[provider, default: [:]]["webhook_\(fault)", default: 0] += 1 }
            return fault
        }
    }

    /// How many faults of each kind were injected, by provider (`server_error`, `rate_limited`,
    /// `timeout`, `webhook_drop`, `webhook_duplicate`, `webhook_reorder`).
    public func injected() -> [SandboxProvider: [String: Int]] {
        state.withLock { $0.injected }
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in [0, 1).
    mutating func nextUnit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }
}
