import Testing

@testable import PonteStore

/// The bell that wakes the runner's loops. Two loops share one (lease renewal and maintenance),
/// each waiting with its own timeout.
@Suite struct DoorbellTests {
    /// Starts `count` waits of ten minutes on `bell` and returns once all are registered; fails
    /// after five seconds.
    private func longWaits(on bell: Doorbell, count: Int) async throws -> [Task<Void, Never>] {
        let waits = (0..<count).map { _ in Task { await bell.wait(timeout: .seconds(600)) } }
        let deadline = ContinuousClock.now + .seconds(5)
        while bell.waiting != count {
            try #require(ContinuousClock.now < deadline, "expected \(count) waits, found \(bell.waiting)")
            await Task.yield()
        }
        return waits
    }

    @Test func aWaitThatTimesOutEndsNoOtherWait() async throws {
        let bell = Doorbell()
        let long = try await longWaits(on: bell, count: 1)[0]

        // Returns by its own timeout; the long wait must still be waiting afterwards.
        await bell.wait(timeout: .milliseconds(20))
        #expect(bell.waiting == 1)

        bell.ring()
        await long.value
        #expect(bell.waiting == 0)
    }

    @Test func ringEndsEveryWaitAndOnlyThen() async throws {
        let bell = Doorbell()
        let waits = try await longWaits(on: bell, count: 2)
        bell.ring()
        for wait in waits { await wait.value }
        #expect(bell.waiting == 0)
    }

    @Test func aRingWithNobodyWaitingEndsTheNextWaitAtOnce() async {
        let bell = Doorbell()
        bell.ring()
        let started = ContinuousClock.now
        await bell.wait(timeout: .seconds(30))
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(bell.waiting == 0)
    }

    @Test func cancellingAWaitEndsOnlyThatWait() async throws {
        let bell = Doorbell()
        let waits = try await longWaits(on: bell, count: 2)
        let (kept, cancelled) = (waits[0], waits[1])
        cancelled.cancel()
        await cancelled.value
        #expect(bell.waiting == 1)
        bell.ring()
        await kept.value
    }
}
