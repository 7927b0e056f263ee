import Foundation
import PonteProviders
import Testing

@Suite struct WebhookProvidersTests {
    @Test func registryKnowsEightProviders() {
        #expect(
            WebhookProviders.known == [
                "stripe", "square", "quickbooks", "twilio", "ifood", "asaas", "mailchimp", "standard",
            ])
    }

    @Test func registryReturnsNothingWhenNothingIsConfigured() {
        #expect(WebhookProviders.verifiers(WebhookSecrets()).isEmpty)
    }

    @Test func registryReturnsOnlyConfiguredProviders() {
        let secrets = WebhookSecrets(stripe: "whsec_x", squareNotificationURL: "https://x/square", asaas: "token")
        let verifiers = WebhookProviders.verifiers(secrets)
        #expect(Set(verifiers.keys) == ["stripe", "asaas"])
    }

    @Test func registryTreatsEmptySecretsAsNotConfigured() {
        #expect(WebhookProviders.verifiers(WebhookSecrets(stripe: "", twilio: "tok")).keys.sorted() == ["twilio"])
    }

    @Test func registryBuildsEveryKnownProviderUnderItsOwnName() {
        let all = WebhookSecrets(
            stripe: "a", squareSignatureKey: "b", quickbooks: "c", twilio: "d", ifood: "e", asaas: "f",
            mailchimp: "g", standard: "not base64!")
        let verifiers = WebhookProviders.verifiers(all)
        #expect(verifiers.keys.sorted() == WebhookProviders.known.sorted())
        for (name, verifier) in verifiers {
            #expect(verifier.provider == name)
        }
    }

    @Test func registryUsesConfiguredSquareNotificationURL() throws {
        let body = bytes(#"{"event_id":"e1","type":"t"}"#)
        let signature = SquareSignature.signature(key: "k", url: "https://public.example/sq", body: body)
        let verifiers = WebhookProviders.verifiers(
            WebhookSecrets(squareSignatureKey: "k", squareNotificationURL: "https://public.example/sq"))
        let request = WebhookRequest(
            url: "http://127.0.0.1:8080/webhooks/square",
            headers: [(name: "x-square-hmacsha256-signature", value: signature)], body: body)
        #expect(try verifiers["square"]?.verify(request, now: Date()).first?.eventID == "e1")
    }
}
