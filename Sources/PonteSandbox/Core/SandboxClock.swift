import Foundation
import Synchronization

/// The simulators' clock: the real time plus an offset that the control API can advance.
///
/// Advancing it is how a test makes an Asaas charge overdue or lets an unconfirmed iFood
/// order expire without waiting. Simulators register what happens when time moves.
public final class SandboxClock: Sendable {
    private struct State {
        var offset: TimeInterval = 0
        var observers: [@Sendable (Date) -> Void] = []
    }
    private let state = Mutex(State())
    private let wallClock: @Sendable () -> Date

    public init(wallClock: @escaping @Sendable () -> Date = Date.init) {
        self.wallClock = wallClock
    }

    /// The simulated current time.
    public func now() -> Date {
        wallClock().addingTimeInterval(state.withLock { $0.offset })
    }

    /// The simulated current time in Unix seconds.
    public func unixSeconds() -> Int {
        Int(now().timeIntervalSince1970)
    }

    /// How far the simulated time is ahead of the real one.
    public var offset: TimeInterval { state.withLock { $0.offset } }

    /// Moves the simulated time forward by `seconds` and tells every observer the new time.
    public func advance(by seconds: TimeInterval) {
        let observers = state.withLock { state in
            state.offset += max(0, seconds)
            return state.observers
        }
        let now = now()
        for observer in observers { observer(now) }
    }

    /// Calls `observer` with the new time after every `advance(by:)`.
    public func onAdvance(_ observer: @escaping @Sendable (Date) -> Void) {
        state.withLock { $0.observers.append(observer) }
    }
}
