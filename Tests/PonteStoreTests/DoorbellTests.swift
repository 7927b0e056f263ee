import Testing

@testable import PonteJobs

/// The bell that wakes the runner's loops. Two loops share one (lease renewal and maintenance),
/// each waiting with its own timeout.
@Suite struct DoorbellTests {
    /// Waits until `bell` has `count` registered waits; fails after five seconds.
    private func waitUntil(_ bell: Doorbell, has count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while bell.waiting != count {
            try #require(ContinuousClock.now < deadline, "expected \(count) waits, found \(bell.waiting)")
            await Task.yield()
        }
    }

    @Test func aWaitThatTimesOutEndsNoOtherWait() async throws {
        let bell = Doorbell()
        let long = Task { await bell.wait(timeout: .seconds(600)) }
        try await waitUntil(bell, has: 1)

        // Returns by its own timeout; the long wait must still be waiting afterwards.
        await bell.wait(timeout: .milliseconds(20))
        #expect(bell.waiting == 1)

        bell.ring()
        await long.value
        #expect(bell.waiting == 0)
    }

    @Test func ringEndsEveryWaitAndOnlyThen() async throws {
        let bell = Doorbell()
        let first = Task { await bell.wait(timeout: .seconds(600)) }
        let second = Task { await bell.wait(timeout: .seconds(600)) }
        try await waitUntil(bell, has: 2)
        bell.ring()
        await first.value
        await second.value
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
        let kept = Task { await bell.wait(timeout: .seconds(600)) }
        let cancelled = Task { await bell.wait(timeout: .seconds(600)) }
        try await waitUntil(bell, has: 2)
        cancelled.cancel()
        await cancelled.value
        #expect(bell.waiting == 1)
        bell.ring()
        await kept.value
    }
}
