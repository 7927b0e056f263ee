import Foundation
import PonteCore

/// An OAuth access token and when it stops working.
public struct AccessToken: Sendable, Equatable {
    public var value: String
    public var expiresAt: Date

    public init(value: String, expiresAt: Date) {
        self.value = value
        self.expiresAt = expiresAt
    }
}

/// Holds one client-credentials access token and renews it before it expires.
///
/// - The token is reused until `refreshMargin` before its expiry (for tokens shorter
///   than twice the margin, until half their lifetime).
/// - Concurrent callers that find no usable token share one token request.
/// - `withToken` invalidates a token the API answered 401 to and retries once with a
///   fresh one, so a token revoked early costs one extra call, not a failed job.
public actor AccessTokenCache {
    /// Requests a new token: its value and lifetime (`expiresIn`).
    public typealias Fetch = @Sendable () async throws -> (token: String, expiresIn: Duration)

    private let refreshMargin: Duration
    private let now: @Sendable () -> Date
    private let fetch: Fetch
    private var current: (token: AccessToken, refreshAt: Date)?
    private var inFlight: Task<AccessToken, any Error>?
    private var generation = 0

    public init(
        refreshMargin: Duration = .seconds(60), now: @escaping @Sendable () -> Date = { Date() }, fetch: @escaping Fetch
    ) {
        self.refreshMargin = refreshMargin
        self.now = now
        self.fetch = fetch
    }

    /// A usable token: the cached one, or a new one (one request for all concurrent callers).
    public func token() async throws -> String {
        if let current, now() < current.refreshAt { return current.token.value }
        let task: Task<AccessToken, any Error>
        if let inFlight {
            task = inFlight
        } else {
            let fetch = fetch
            let now = now
            task = Task {
                let (value, expiresIn) = try await fetch()
                return AccessToken(value: value, expiresAt: now().addingTimeInterval(expiresIn.seconds))
            }
            inFlight = task
            generation += 1
        }
        let generation = generation
        do {
            let token = try await task.value
            if self.generation == generation, inFlight != nil {
                inFlight = nil
                let lifetime = token.expiresAt.timeIntervalSince(now())
                let margin = min(refreshMargin.seconds, max(0, lifetime) / 2)
                current = (token, token.expiresAt.addingTimeInterval(-margin))
            }
            return token.value
        } catch {
            if self.generation == generation { inFlight = nil }
            throw error
        }
    }

    /// Forgets `token` if it is still the cached one (the API refused it).
    public func invalidate(_ token: String) {
        if current?.token.value == token { current = nil }
    }

    /// The cached token, for inspection.
    public var cached: AccessToken? { current?.token }

    /// Runs `call` with a token; when it fails with `ProviderCallError.unauthorized`, gets a
    /// fresh token and runs it once more.
    public nonisolated func withToken<T: Sendable>(_ call: @Sendable (String) async throws -> T) async throws -> T {
        let token = try await token()
        do {
            return try await call(token)
        } catch ProviderCallError.unauthorized {
            await invalidate(token)
            return try await call(try await self.token())
        }
    }
}
