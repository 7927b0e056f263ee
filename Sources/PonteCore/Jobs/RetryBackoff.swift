/// Exponential backoff with full jitter: before attempt `n + 1`, wait a uniformly random
/// time between zero and `min(cap, base × 2^(n−1))`.
///
/// Full jitter spreads retries from many failed jobs over the whole window, so a provider
/// that comes back is not hit by all of them at once.
public struct RetryBackoff: Sendable, Equatable {
    public var base: Duration
    public var cap: Duration

    public init(base: Duration = .seconds(2), cap: Duration = .seconds(3600)) {
        self.base = base
        self.cap = cap
    }

    /// The longest wait after `attempts` failed attempts (at least 1).
    public func ceiling(afterAttempts attempts: Int) -> Duration {
        let exponent = max(0, min(attempts - 1, 40))
        let baseMicros = max(1, base.microseconds)
        let capMicros = cap.microseconds
        // Shifting past the cap would overflow; stop doubling once it is reached.
        if exponent >= 62 - (63 - baseMicros.leadingZeroBitCount) { return .microseconds(capMicros) }
        return .microseconds(min(capMicros, baseMicros << exponent))
    }

    /// The wait before the next attempt; `unit` is a uniform random number in [0, 1).
    public func delay(afterAttempts attempts: Int, unit: Double) -> Duration {
        let ceiling = Double(ceiling(afterAttempts: attempts).microseconds)
        return .microseconds(Int64(ceiling * min(max(unit, 0), 1)))
    }
}
