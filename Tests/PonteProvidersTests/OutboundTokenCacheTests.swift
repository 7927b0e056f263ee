import Foundation
import PonteProviders
import Synchronization
import Testing

@Suite struct OutboundTokenCacheTests {
    /// Hands out `token-1`, `token-2`, ... and counts requests.
    final class TokenSource: Sendable {
        let count = Mutex(0)
        let lifetime: Duration
        let gate: AsyncStream<Void>?

        init(lifetime: Duration = .seconds(3600), gate: AsyncStream<Void>? = nil) {
            self.lifetime = lifetime
            self.gate = gate
        }

        var requests: Int { count.withLock { $0 } }

        func fetch() async throws -> (token: String, expiresIn: Duration) {
            let number = count.withLock {
                $0 += 1
                return $0
            }
            if let gate { for await _ in gate { break } }
            return ("token-\(number)", lifetime)
        }
    }

    @Test func tokenIsReusedUntilTheMarginBeforeExpiry() async throws {
        let clock = TestClock()
        let source = TokenSource(lifetime: .seconds(3600))
        let cache = AccessTokenCache(refreshMargin: .seconds(60), now: clock.function) { try await source.fetch() }
        #expect(try await cache.token() == "token-1")
        clock.advance(by: 3539)
        #expect(try await cache.token() == "token-1")
        #expect(source.requests == 1)
        clock.advance(by: 1)
        #expect(try await cache.token() == "token-2")
        #expect(source.requests == 2)
    }

    @Test func concurrentCallersShareOneTokenRequest() async throws {
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let source = TokenSource(gate: gate)
        let cache = AccessTokenCache(now: TestClock().function) { try await source.fetch() }
        let tokens = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await cache.token() } }
            // Let every caller reach the cache before the single request completes.
            while source.requests == 0 { await Task.yield() }
            for _ in 0..<50 { await Task.yield() }
            open.yield()
            open.finish()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(tokens == Array(repeating: "token-1", count: 20))
        #expect(source.requests == 1)
    }

    @Test func failedRequestIsNotCachedAndReachesEveryWaiter() async throws {
        let attempts = Mutex(0)
        let cache = AccessTokenCache(now: TestClock().function) {
            let attempt = attempts.withLock {
                $0 += 1
                return $0
            }
            if attempt == 1 { throw ProviderCallError.unavailable(status: 503, detail: "down") }
            return ("fresh", .seconds(3600))
        }
        await #expect(throws: ProviderCallError.unavailable(status: 503, detail: "down")) { try await cache.token() }
        #expect(try await cache.token() == "fresh")
    }

    @Test func unauthorizedCallGetsAFreshTokenOnce() async throws {
        let source = TokenSource()
        let cache = AccessTokenCache(now: TestClock().function) { try await source.fetch() }
        let used = Mutex<[String]>([])
        let result = try await cache.withToken { token in
            used.withLock { $0.append(token) }
            if token == "token-1" { throw ProviderCallError.unauthorized(status: 401, message: "expired") }
            return "ok"
        }
        #expect(result == "ok")
        #expect(used.withLock { $0 } == ["token-1", "token-2"])

        // A second 401 is not retried again.
        let calls = Mutex(0)
        await #expect(throws: ProviderCallError.unauthorized(status: 401, message: "no")) {
            _ = try await cache.withToken { _ -> String in
                calls.withLock { $0 += 1 }
                throw ProviderCallError.unauthorized(status: 401, message: "no")
            }
        }
        #expect(calls.withLock { $0 } == 2)
    }
}
