/// Secrets by provider; nil means "not configured" (-> 404 PROVIDER_NOT_CONFIGURED).
public struct WebhookSecrets: Sendable, Equatable {
    /// STRIPE_WEBHOOK_SECRET (`whsec_...`, used as-is).
    public var stripe: String?
    /// SQUARE_WEBHOOK_SIGNATURE_KEY.
    public var squareSignatureKey: String?
    /// SQUARE_WEBHOOK_URL: the notification URL as configured at Square; nil means the request's public URL.
    public var squareNotificationURL: String?
    /// QUICKBOOKS_WEBHOOK_TOKEN (the verifier token).
    public var quickbooks: String?
    /// TWILIO_AUTH_TOKEN.
    public var twilio: String?
    /// IFOOD_CLIENT_SECRET.
    public var ifood: String?
    /// ASAAS_WEBHOOK_TOKEN.
    public var asaas: String?
    /// MAILCHIMP_WEBHOOK_SECRET (expected in the `secret` query parameter).
    public var mailchimp: String?
    /// STANDARD_WEBHOOK_SECRET (`whsec_` + base64).
    public var standard: String?

    /// Creates a set of secrets; every provider is unconfigured unless given.
    public init(
        stripe: String? = nil,
        squareSignatureKey: String? = nil,
        squareNotificationURL: String? = nil,
        quickbooks: String? = nil,
        twilio: String? = nil,
        ifood: String? = nil,
        asaas: String? = nil,
        mailchimp: String? = nil,
        standard: String? = nil
    ) {
        self.stripe = stripe
        self.squareSignatureKey = squareSignatureKey
        self.squareNotificationURL = squareNotificationURL
        self.quickbooks = quickbooks
        self.twilio = twilio
        self.ifood = ifood
        self.asaas = asaas
        self.mailchimp = mailchimp
        self.standard = standard
    }
}
