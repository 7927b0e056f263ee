import Foundation
import PonteCore
import Synchronization

/// Stops calling a provider that keeps failing, and lets one probe through after a cool-down.
///
/// Closed: calls go through; `failureThreshold` consecutive failures (5xx, timeouts,
/// connection errors — not 4xx, which prove the provider is up) open it. Open: calls fail
/// at once with `ProviderCallError.circuitOpen` until `coolDown` has passed. Half-open:
/// one probe goes through; its success closes the circuit, its failure opens it again.
/// A probe that never reports back (its task was cancelled) frees the slot after `coolDown`.
public final class CircuitBreaker: Sendable {
    /// What the breaker is doing now, for health reports.
    public enum State: Sendable, Equatable {
        case closed(consecutiveFailures: Int)
        case open(until: Date)
        case halfOpen(probeInFlight: Bool)

        /// `closed`, `open` or `half_open`.
        public var name: String {
            switch self {
            case .closed: "closed"
            case .open: "open"
            case .halfOpen: "half_open"
            }
        }
    }

    /// What one exchange says about the provider's health.
    public enum Outcome: Sendable {
        /// The provider answered (2xx, or a 4xx that is the caller's problem).
        case success
        /// 5xx, timeout or connection error.
        case failure
        /// Says nothing either way (429, cancellation).
        case neutral
    }

    private struct Machine {
        var state: State = .closed(consecutiveFailures: 0)
        var probeStartedAt: Date?
    }

    public let failureThreshold: Int
    public let coolDown: Duration
    private let now: @Sendable () -> Date
    private let machine = Mutex(Machine())

    public init(failureThreshold: Int = 5, coolDown: Duration = .seconds(30), now: @escaping @Sendable () -> Date = { Date() }) {
        self.failureThreshold = max(1, failureThreshold)
        self.coolDown = coolDown
        self.now = now
    }

    /// The state now (an open circuit whose cool-down has passed reads as half-open).
    public var state: State {
        let now = now()
        return machine.withLock { machine in
            if case .open(let until) = machine.state, now >= until { return .halfOpen(probeInFlight: false) }
            return machine.state
        }
    }

    /// Admits one call, or throws `ProviderCallError.circuitOpen` with the time to try again.
    public func admit() throws(ProviderCallError) {
        let now = now()
        let coolDownInterval = coolDown.seconds
        let refusal: Date? = machine.withLock { machine in
            switch machine.state {
            case .closed:
                return nil
            case .open(let until):
                guard now >= until else { return until }
                machine.state = .halfOpen(probeInFlight: true)
                machine.probeStartedAt = now
                return nil
            case .halfOpen(let probeInFlight):
                if probeInFlight, let started = machine.probeStartedAt,
                    now < started.addingTimeInterval(coolDownInterval)
                {
                    return started.addingTimeInterval(coolDownInterval)
                }
                machine.state = .halfOpen(probeInFlight: true)
                machine.probeStartedAt = now
                return nil
            }
        }
        if let refusal { throw .circuitOpen(retryAt: refusal) }
    }

    /// Records what an admitted call found.
    public func record(_ outcome: Outcome) {
        let now = now()
        let coolDownInterval = coolDown.seconds
        machine.withLock { machine in
            switch (machine.state, outcome) {
            case (_, .success):
                machine.state = .closed(consecutiveFailures: 0)
                machine.probeStartedAt = nil
            case (.closed(let failures), .failure):
                machine.state =
                    failures + 1 >= failureThreshold
                    ? .open(until: now.addingTimeInterval(coolDownInterval)) : .closed(consecutiveFailures: failures + 1)
            case (.halfOpen, .failure):
                machine.state = .open(until: now.addingTimeInterval(coolDownInterval))
                machine.probeStartedAt = nil
            case (.open, .failure):
                // A call admitted before the circuit opened: the circuit stays open, from now.
                machine.state = .open(until: now.addingTimeInterval(coolDownInterval))
            case (.halfOpen, .neutral):
                machine.state = .halfOpen(probeInFlight: false)
                machine.probeStartedAt = nil
            case (.closed, .neutral), (.open, .neutral):
                break
            }
        }
    }
}
