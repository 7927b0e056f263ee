/// The credentials the simulators accept and sign with.
///
/// The sandbox and the hub read the same variables, so started with the same environment
/// they agree: the hub's API calls authenticate, and the webhooks the sandbox signs verify.
/// A variable that is not set takes a fixed, obviously-fake default, so `ponte serve
/// --sandbox` works with no credentials at all.
public struct SandboxCredentials: Sendable, Equatable {
    /// `STRIPE_SECRET_KEY`: the `Authorization: Bearer` key of Stripe's API.
    public var stripeSecretKey: String
    /// `STRIPE_WEBHOOK_SECRET`: the `whsec_` secret Stripe signs webhooks with.
    public var stripeWebhookSecret: String
    /// `ASAAS_API_KEY`: the `access_token` header of Asaas's API.
    public var asaasAPIKey: String
    /// `ASAAS_WEBHOOK_TOKEN`: sent verbatim in `asaas-access-token` on every webhook.
    public var asaasWebhookToken: String
    /// `IFOOD_CLIENT_ID`.
    public var ifoodClientID: String
    /// `IFOOD_CLIENT_SECRET`: the OAuth client secret, also the webhook HMAC key.
    public var ifoodClientSecret: String
    /// `TWILIO_ACCOUNT_SID`: the Basic-auth user and the `{AccountSid}` of the paths.
    public var twilioAccountSID: String
    /// `TWILIO_AUTH_TOKEN`: the Basic-auth password, also the webhook HMAC-SHA1 key.
    public var twilioAuthToken: String
    /// `SQUARE_APP_ID`: the OAuth `client_id` (Square's "Application ID").
    public var squareAppID: String
    /// `SQUARE_APP_SECRET`: the OAuth `client_secret`, also `Authorization: Client <secret>` of revoke.
    public var squareAppSecret: String
    /// `MAILCHIMP_CLIENT_ID`: the OAuth `client_id` of the registered app.
    public var mailchimpClientID: String
    /// `MAILCHIMP_CLIENT_SECRET`: the OAuth `client_secret`.
    public var mailchimpClientSecret: String
    /// `MAILCHIMP_API_KEY`: an API key (`<key>-<dc>`) the Marketing API also accepts, by HTTP Basic.
    public var mailchimpAPIKey: String
    /// `QUICKBOOKS_CLIENT_ID`: the OAuth `client_id`, the Basic-auth user of the token endpoint.
    public var quickbooksClientID: String
    /// `QUICKBOOKS_CLIENT_SECRET`: the OAuth `client_secret`, the Basic-auth password.
    public var quickbooksClientSecret: String

    /// The defaults used when a variable is not set. None of them is a real credential.
    public static let defaults = SandboxCredentials(
        stripeSecretKey: "sk_test_ponte_sandbox",
        stripeWebhookSecret: "whsec_ponte_sandbox",
        asaasAPIKey: "$aact_hmlg_ponte_sandbox",
        asaasWebhookToken: "ponte-sandbox-asaas-token",
        ifoodClientID: "ponte-sandbox-ifood-client",
        ifoodClientSecret: "ponte-sandbox-ifood-secret",
        twilioAccountSID: "AC00000000000000000000000000000000",
        twilioAuthToken: "ponte_sandbox_twilio_auth_token",
        squareAppID: "sandbox-sq0idb-ponte-sandbox-app",
        squareAppSecret: "sandbox-sq0csb-ponte-sandbox-secret",
        mailchimpClientID: "ponte-sandbox-mailchimp-client",
        mailchimpClientSecret: "ponte-sandbox-mailchimp-secret",
        mailchimpAPIKey: "00000000000000000000000000000000-us6",
        quickbooksClientID: "ponte-sandbox-quickbooks-client",
        quickbooksClientSecret: "ponte-sandbox-quickbooks-secret"
    )

    /// The environment variable each credential is read from.
    nonisolated(unsafe) public static let variables: [(name: String, keyPath: WritableKeyPath<SandboxCredentials, String>)] = [
        ("STRIPE_SECRET_KEY", \.stripeSecretKey),
        ("STRIPE_WEBHOOK_SECRET", \.stripeWebhookSecret),
        ("ASAAS_API_KEY", \.asaasAPIKey),
        ("ASAAS_WEBHOOK_TOKEN", \.asaasWebhookToken),
        ("IFOOD_CLIENT_ID", \.ifoodClientID),
        ("IFOOD_CLIENT_SECRET", \.ifoodClientSecret),
        ("TWILIO_ACCOUNT_SID", \.twilioAccountSID),
        ("TWILIO_AUTH_TOKEN", \.twilioAuthToken),
        ("SQUARE_APP_ID", \.squareAppID),
        ("SQUARE_APP_SECRET", \.squareAppSecret),
        ("MAILCHIMP_CLIENT_ID", \.mailchimpClientID),
        ("MAILCHIMP_CLIENT_SECRET", \.mailchimpClientSecret),
        ("MAILCHIMP_API_KEY", \.mailchimpAPIKey),
        ("QUICKBOOKS_CLIENT_ID", \.quickbooksClientID),
        ("QUICKBOOKS_CLIENT_SECRET", \.quickbooksClientSecret),
    ]

    public init(
        stripeSecretKey: String, stripeWebhookSecret: String, asaasAPIKey: String, asaasWebhookToken: String,
        ifoodClientID: String, ifoodClientSecret: String, twilioAccountSID: String, twilioAuthToken: String,
        squareAppID: String, squareAppSecret: String, mailchimpClientID: String, mailchimpClientSecret: String,
        mailchimpAPIKey: String, quickbooksClientID: String, quickbooksClientSecret: String
    ) {
        self.stripeSecretKey = stripeSecretKey
        self.stripeWebhookSecret = stripeWebhookSecret
        self.asaasAPIKey = asaasAPIKey
        self.asaasWebhookToken = asaasWebhookToken
        self.ifoodClientID = ifoodClientID
        self.ifoodClientSecret = ifoodClientSecret
        self.twilioAccountSID = twilioAccountSID
        self.twilioAuthToken = twilioAuthToken
        self.squareAppID = squareAppID
        self.squareAppSecret = squareAppSecret
        self.mailchimpClientID = mailchimpClientID
        self.mailchimpClientSecret = mailchimpClientSecret
        self.mailchimpAPIKey = mailchimpAPIKey
        self.quickbooksClientID = quickbooksClientID
        self.quickbooksClientSecret = quickbooksClientSecret
    }

    /// The credentials in `environment`, each unset or empty one taking its default.
    public static func from(environment: [String: String]) -> SandboxCredentials {
        var credentials = SandboxCredentials.defaults
        for (name, keyPath) in variables {
            if let value = environment[name], !value.isEmpty { credentials[keyPath: keyPath] = value }
        }
        return credentials
    }

    /// The variables `environment` leaves unset, whose defaults are in use.
    public static func defaulted(in environment: [String: String]) -> [String] {
        variables.map(\.name).filter { (environment[$0] ?? "").isEmpty }
    }
}
