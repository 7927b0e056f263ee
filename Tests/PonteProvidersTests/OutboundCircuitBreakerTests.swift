import Foundation
import PonteProviders
import Testing

@Suite struct OutboundCircuitBreakerTests {
    private func admitted(_ breaker: CircuitBreaker) -> Bool {
        do {
            try breaker.admit()
            return true
        } catch {
            return false
        }
    }

    @Test func opensAfterConsecutiveFailuresOnly() {
        let clock = TestClock()
        let breaker = CircuitBreaker(failureThreshold: 3, coolDown: .seconds(30), now: clock.function)
        breaker.record(.failure)
        breaker.record(.failure)
        breaker.record(.success)  // a success (or a 4xx) resets the count
        breaker.record(.failure)
        breaker.record(.neutral)  // a 429 says nothing
        breaker.record(.failure)
        #expect(breaker.state == .closed(consecutiveFailures: 2))
        #expect(admitted(breaker))
        breaker.record(.failure)
        #expect(breaker.state == .open(until: clock.now.addingTimeInterval(30)))
        #expect(!admitted(breaker))
    }

    @Test func halfOpenLetsOneProbeThroughAndItsSuccessCloses() {
        let clock = TestClock()
        let breaker = CircuitBreaker(failureThreshold: 1, coolDown: .seconds(30), now: clock.function)
        breaker.record(.failure)
        clock.advance(by: 29)
        #expect(!admitted(breaker))
        clock.advance(by: 1)
        #expect(breaker.state == .halfOpen(probeInFlight: false))
        #expect(admitted(breaker))
        #expect(breaker.state == .halfOpen(probeInFlight: true))
        #expect(!admitted(breaker))  // only one probe
        breaker.record(.success)
        #expect(breaker.state == .closed(consecutiveFailures: 0))
        #expect(admitted(breaker))
    }

    @Test func failedProbeReopensForAnotherCoolDown() {
        let clock = TestClock()
        let breaker = CircuitBreaker(failureThreshold: 1, coolDown: .seconds(10), now: clock.function)
        breaker.record(.failure)
        clock.advance(by: 10)
        #expect(admitted(breaker))
        breaker.record(.failure)
        #expect(breaker.state == .open(until: clock.now.addingTimeInterval(10)))
        #expect(!admitted(breaker))
        clock.advance(by: 10)
        #expect(admitted(breaker))
    }

    @Test func probeThatNeverReportsFreesTheSlotAfterACoolDown() {
        let clock = TestClock()
        let breaker = CircuitBreaker(failureThreshold: 1, coolDown: .seconds(10), now: clock.function)
        breaker.record(.failure)
        clock.advance(by: 10)
        #expect(admitted(breaker))
        clock.advance(by: 5)
        #expect(!admitted(breaker))
        clock.advance(by: 5)
        #expect(admitted(breaker))
    }

    @Test func refusalCarriesTheTimeToTryAgain() {
        let clock = TestClock()
        let breaker = CircuitBreaker(failureThreshold: 1, coolDown: .seconds(30), now: clock.function)
        breaker.record(.failure)
        clock.advance(by: 12)
        #expect(throws: ProviderCallError.circuitOpen(retryAt: clock.now.addingTimeInterval(18))) { try breaker.admit() }
        #expect(breaker.state.name == "open")
    }
}
