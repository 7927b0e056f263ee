import PonteCore

/// Where a provider's API lives and how long Ponte waits for it.
///
/// One per provider; every call of that provider's client shares it. The defaults are
/// the production hosts; the sandbox is the same API under `http://127.0.0.1:PORT/{provider}`.
public struct ProviderEndpoint: Sendable, Equatable {
    /// The provider's name in logs, metrics and health reports (`stripe`, `asaas`, ...).
    public var provider: String
    /// Scheme, host and optional path prefix, without a trailing slash
    /// (`https://api.stripe.com`, `http://127.0.0.1:8090/stripe`).
    public var baseURL: String
    /// How long opening a connection may take.
    public var connectTimeout: Duration
    /// How long the provider may take to answer once the request is on its way.
    public var readTimeout: Duration
    /// Attempts within one call, the first included (1 = never retry in-call).
    public var maxAttempts: Int
    /// The wait between in-call attempts (full jitter); kept short, because longer waits
    /// belong to the job queue, which reschedules instead of holding a worker.
    public var backoff: RetryBackoff
    /// The longest `Retry-After` honoured in-call; a longer one ends the call with
    /// `ProviderCallError.rateLimited(retryAfter:)` so the job queue waits instead.
    public var maxInCallRetryAfter: Duration
    /// A response header through which the provider says whether a retry may succeed
    /// (Stripe's `Stripe-Should-Retry`); when set, a 409 is retried unless the header says `false`.
    public var retryHintHeader: String?

    public init(
        provider: String, baseURL: String, connectTimeout: Duration = .seconds(5), readTimeout: Duration = .seconds(30),
        maxAttempts: Int = 3, backoff: RetryBackoff = RetryBackoff(base: .milliseconds(250), cap: .seconds(2)),
        maxInCallRetryAfter: Duration = .seconds(2), retryHintHeader: String? = nil
    ) {
        self.provider = provider
        var baseURL = baseURL
        while baseURL.hasSuffix("/") { baseURL.removeLast() }
        self.baseURL = baseURL
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.maxAttempts = max(1, maxAttempts)
        self.backoff = backoff
        self.maxInCallRetryAfter = maxInCallRetryAfter
        self.retryHintHeader = retryHintHeader
    }

    /// The longest one attempt may take, connection included.
    public var attemptTimeout: Duration { connectTimeout + readTimeout }
}

// MARK: - Production defaults

extension ProviderEndpoint {
    /// Stripe's API: connect 5 s, read 30 s; honours `Stripe-Should-Retry`.
    public static func stripe(baseURL: String = "https://api.stripe.com") -> ProviderEndpoint {
        ProviderEndpoint(
            provider: "stripe", baseURL: baseURL, connectTimeout: .seconds(5), readTimeout: .seconds(30),
            retryHintHeader: "Stripe-Should-Retry"
        )
    }

    /// Asaas's API (`/v3/...` below it): connect 5 s, read 30 s.
    public static func asaas(baseURL: String = "https://api.asaas.com") -> ProviderEndpoint {
        ProviderEndpoint(provider: "asaas", baseURL: baseURL, connectTimeout: .seconds(5), readTimeout: .seconds(30))
    }

    /// iFood's Merchant API, every module below one host: connect 5 s, read 15 s.
    public static func ifood(baseURL: String = "https://merchant-api.ifood.com.br") -> ProviderEndpoint {
        ProviderEndpoint(provider: "ifood", baseURL: baseURL, connectTimeout: .seconds(5), readTimeout: .seconds(15))
    }

    /// Twilio's REST API (`/2010-04-01/...` below it): connect 5 s, read 15 s.
    public static func twilio(baseURL: String = "https://api.twilio.com") -> ProviderEndpoint {
        ProviderEndpoint(provider: "twilio", baseURL: baseURL, connectTimeout: .seconds(5), readTimeout: .seconds(15))
    }
}
