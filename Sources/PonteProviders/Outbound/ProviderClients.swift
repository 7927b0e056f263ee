import AsyncHTTPClient
import Foundation
import Logging

/// Credentials, hosts and timeouts of the providers Ponte calls.
///
/// A provider whose credentials are missing or empty is not configured and gets no
/// client. Endpoints default to the production hosts; `pointed(atSandbox:)` moves them all
/// to a `ponte sandbox`.
public struct ProviderClientSettings: Sendable {
    /// `STRIPE_SECRET_KEY`.
    public var stripeSecretKey: String?
    public var stripeAPIVersion: String? = StripeClient.defaultAPIVersion
    public var stripe: ProviderEndpoint = .stripe()
    /// `ASAAS_API_KEY`.
    public var asaasAPIKey: String?
    public var asaas: ProviderEndpoint = .asaas()
    /// `IFOOD_CLIENT_ID` / `IFOOD_CLIENT_SECRET`.
    public var ifoodClientID: String?
    public var ifoodClientSecret: String?
    public var ifoodPollingAPI: IFoodClient.PollingAPI = .events
    public var ifood: ProviderEndpoint = .ifood()
    /// Venues' OAuth apps, by provider (those with a client id and secret).
    public var oauthApps: [OAuthApp.Provider: OAuthApp] = [:]
    /// `TWILIO_ACCOUNT_SID` / `TWILIO_AUTH_TOKEN`.
    public var twilioAccountSID: String?
    public var twilioAuthToken: String?
    public var twilio: ProviderEndpoint = .twilio()

    public init(
        stripeSecretKey: String? = nil, asaasAPIKey: String? = nil, ifoodClientID: String? = nil,
        ifoodClientSecret: String? = nil, twilioAccountSID: String? = nil, twilioAuthToken: String? = nil
    ) {
        self.stripeSecretKey = stripeSecretKey
        self.asaasAPIKey = asaasAPIKey
        self.ifoodClientID = ifoodClientID
        self.ifoodClientSecret = ifoodClientSecret
        self.twilioAccountSID = twilioAccountSID
        self.twilioAuthToken = twilioAuthToken
    }

    /// These settings with every provider's base URL under `sandboxURL/{provider}`
    /// (`http://127.0.0.1:8090` → `http://127.0.0.1:8090/stripe`, ...).
    public func pointed(atSandbox sandboxURL: String) -> ProviderClientSettings {
        var settings = self
        var base = sandboxURL
        while base.hasSuffix("/") { base.removeLast() }
        settings.stripe.baseURL = base + "/stripe"
        settings.asaas.baseURL = base + "/asaas"
        settings.ifood.baseURL = base + "/ifood"
        settings.twilio.baseURL = base + "/twilio"
        return settings
    }
}

/// The API clients of the configured providers, sharing one transport, logger and
/// metrics observer; each provider has its own circuit breaker and call statistics.
public struct ProviderClients: Sendable {
    public let stripe: StripeClient?
    public let asaas: AsaasClient?
    public let ifood: IFoodClient?
    public let twilio: TwilioClient?
    /// The transport of each configured provider, by provider name, for health reports.
    public let transports: [String: ProviderHTTPClient]
    /// Stripe's transport whether or not the hub has a key of its own, for calls with others'
    /// keys (a venue's connected account).
    private let stripeTransport: ProviderHTTPClient
    private let stripeAPIVersion: String?
    private let oauthApps: [OAuthApp.Provider: OAuthApp]
    private let httpClient: HTTPClient

    /// A provider's health: its circuit and its recent calls.
    public struct Health: Sendable, Equatable {
        public var provider: String
        public var circuit: CircuitBreaker.State
        public var calls: ProviderCallStats.Snapshot
    }

    /// - Parameter httpClient: the transport every client shares; for production, one from
    ///   `ProviderHTTPClient.makeHTTPClient(connectTimeout:)`, shut down by the caller.
    public init(
        settings: ProviderClientSettings, httpClient: HTTPClient = .shared, logger: Logger,
        observer: any OutboundCallObserver = NoOutboundCallObserver(), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        func transport(_ endpoint: ProviderEndpoint) -> ProviderHTTPClient {
            ProviderHTTPClient(endpoint: endpoint, httpClient: httpClient, logger: logger, observer: observer, now: now)
        }
        func configured(_ value: String?) -> String? { value.flatMap { $0.isEmpty ? nil : $0 } }
        var transports: [String: ProviderHTTPClient] = [:]

        oauthApps = settings.oauthApps
        self.httpClient = httpClient
        stripeTransport = transport(settings.stripe)
        stripeAPIVersion = settings.stripeAPIVersion
        if let key = configured(settings.stripeSecretKey) {
            transports[settings.stripe.provider] = stripeTransport
            stripe = StripeClient(secretKey: key, apiVersion: settings.stripeAPIVersion, http: stripeTransport)
        } else {
            stripe = nil
        }
        if let key = configured(settings.asaasAPIKey) {
            let http = transport(settings.asaas)
            transports[settings.asaas.provider] = http
            asaas = AsaasClient(apiKey: key, http: http)
        } else {
            asaas = nil
        }
        if let id = configured(settings.ifoodClientID), let secret = configured(settings.ifoodClientSecret) {
            let http = transport(settings.ifood)
            transports[settings.ifood.provider] = http
            ifood = IFoodClient(clientID: id, clientSecret: secret, http: http, pollingAPI: settings.ifoodPollingAPI, now: now)
        } else {
            ifood = nil
        }
        if let sid = configured(settings.twilioAccountSID), let token = configured(settings.twilioAuthToken) {
            let http = transport(settings.twilio)
            transports[settings.twilio.provider] = http
            twilio = TwilioClient(accountSID: sid, authToken: token, http: http)
        } else {
            twilio = nil
        }
        self.transports = transports
    }

    /// The OAuth client of `provider`'s app, nil when the app is not configured.
    public func oauth(_ provider: OAuthApp.Provider) -> OAuthClient? {
        oauthApps[provider].map { OAuthClient(app: $0, http: httpClient) }
    }

    /// A Stripe client acting with `secretKey` (someone else's account, such as a venue's).
    public func stripe(secretKey: String) -> StripeClient {
        StripeClient(secretKey: secretKey, apiVersion: stripeAPIVersion, http: stripeTransport)
    }

    /// The health of every configured provider, by name.
    public func health() -> [Health] {
        transports.keys.sorted().compactMap { name in
            transports[name].map {
                Health(provider: name, circuit: $0.circuitBreaker.state, calls: $0.stats.snapshot())
            }
        }
    }
}
