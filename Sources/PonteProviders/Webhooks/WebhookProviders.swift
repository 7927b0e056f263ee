/// The registry of inbound webhook providers.
public enum WebhookProviders {
    /// Every provider name Ponte knows, configured or not.
    public static let known: [String] = [
        "stripe", "square", "quickbooks", "twilio", "ifood", "asaas", "mailchimp", "standard",
    ]

    /// Verifiers for the providers that have a secret.
    ///
    /// An empty secret counts as not configured: an HMAC keyed with "" (or a
    /// token equal to "") would accept requests anyone can forge.
    public static func verifiers(_ secrets: WebhookSecrets) -> [String: any WebhookVerifier] {
        var result: [String: any WebhookVerifier] = [:]
        func add(_ secret: String?, _ make: (String) -> any WebhookVerifier) {
            guard let secret, !secret.isEmpty else { return }
            let verifier = make(secret)
            result[verifier.provider] = verifier
        }
        add(secrets.stripe) { StripeWebhookVerifier(secret: $0) }
        add(secrets.squareSignatureKey) {
            SquareWebhookVerifier(signatureKey: $0, notificationURL: secrets.squareNotificationURL)
        }
        add(secrets.quickbooks) { QuickBooksWebhookVerifier(verifierToken: $0) }
        add(secrets.twilio) { TwilioWebhookVerifier(authToken: $0) }
        add(secrets.ifood) { IFoodWebhookVerifier(clientSecret: $0) }
        add(secrets.asaas) { AsaasWebhookVerifier(accessToken: $0) }
        add(secrets.mailchimp) { MailchimpWebhookVerifier(secret: $0) }
        add(secrets.standard) { StandardWebhookVerifier(secret: $0) }
        return result
    }
}
