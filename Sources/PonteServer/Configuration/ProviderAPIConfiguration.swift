/// How the hub calls providers' APIs: credentials, and base URLs when they are not the
/// providers' production ones (a `ponte sandbox`, a provider's own sandbox host).
///
/// Secrets shared with webhook verification (`TWILIO_AUTH_TOKEN`, `IFOOD_CLIENT_SECRET`)
/// live in `WebhookSecrets` only, read from there.
public struct ProviderAPIConfiguration: Sendable, Equatable {
    /// STRIPE_SECRET_KEY (`sk_live_…` / `sk_test_…`).
    public var stripeSecretKey: String?
    /// ASAAS_API_KEY (sent in the `access_token` header).
    public var asaasAPIKey: String?
    /// IFOOD_CLIENT_ID (with IFOOD_CLIENT_SECRET, for the client-credentials token).
    public var ifoodClientID: String?
    /// TWILIO_ACCOUNT_SID (with TWILIO_AUTH_TOKEN, for Basic auth).
    public var twilioAccountSID: String?

    /// STRIPE_API_BASE_URL, default `https://api.stripe.com`.
    public var stripeBaseURL: String?
    /// ASAAS_API_BASE_URL, default `https://api.asaas.com` (the sandbox host is
    /// `https://api-sandbox.asaas.com`).
    public var asaasBaseURL: String?
    /// IFOOD_API_BASE_URL, default `https://merchant-api.ifood.com.br`.
    public var ifoodBaseURL: String?
    /// TWILIO_API_BASE_URL, default `https://api.twilio.com`.
    public var twilioBaseURL: String?

    /// Venues' OAuth apps (seed 004's names): SQUARE_APP_ID / SQUARE_APP_SECRET,
    /// MAILCHIMP_CLIENT_ID / MAILCHIMP_CLIENT_SECRET, QUICKBOOKS_CLIENT_ID / QUICKBOOKS_CLIENT_SECRET.
    public var squareAppID: String?
    public var squareAppSecret: String?
    public var mailchimpClientID: String?
    public var mailchimpClientSecret: String?
    public var quickbooksClientID: String?
    public var quickbooksClientSecret: String?
    /// SQUARE_API_BASE_URL, MAILCHIMP_API_BASE_URL, QUICKBOOKS_API_BASE_URL: one host for the
    /// provider's OAuth and API calls (a sandbox); unset, the production hosts.
    public var squareBaseURL: String?
    public var mailchimpBaseURL: String?
    public var quickbooksBaseURL: String?

    public init() {}
}
