import Foundation
import PonteProviders
import Testing

@Suite struct AsaasWebhookTests {
    let token = "asaas-webhook-token-0123456789"
    // PROVIDERS.md 5.4 body (note the `&` inside the id).
    let body = bytes(
        #"{"id":"evt_05b708f961d739ea7eba7e4db318f621&368604920","event":"PAYMENT_RECEIVED","dateCreated":"2024-06-12 16:45:03","payment":{"object":"payment","id":"pay_080225913252"}}"#
    )

    func request(token: String?, body: [UInt8]? = nil) -> WebhookRequest {
        WebhookRequest(
            url: "https://ponte.example/webhooks/asaas",
            headers: token.map { [(name: "asaas-access-token", value: $0)] } ?? [],
            body: body ?? self.body)
    }

    @Test func asaasAcceptsMatchingTokenAndReadsEvent() throws {
        let events = try AsaasWebhookVerifier(accessToken: token).verify(request(token: token), now: Date())
        #expect(
            events == [
                VerifiedEvent(eventID: "evt_05b708f961d739ea7eba7e4db318f621&368604920", eventType: "PAYMENT_RECEIVED")
            ])
    }

    @Test func asaasRejectsWrongOrTruncatedToken() {
        let verifier = AsaasWebhookVerifier(accessToken: token)
        for wrong in ["wrong", String(token.dropLast()), token + "x"] {
            #expect(
                rejection(verifier, request(token: wrong))
                    == .signatureInvalid("asaas-access-token does not match the configured token"))
        }
    }

    @Test func asaasRejectsMissingHeader() {
        #expect(
            rejection(AsaasWebhookVerifier(accessToken: token), request(token: nil))
                == .signatureInvalid("missing asaas-access-token header"))
    }

    @Test func asaasValidTokenWithoutEventIDIsPayloadInvalid() {
        #expect(
            rejection(
                AsaasWebhookVerifier(accessToken: token),
                request(token: token, body: bytes(#"{"event":"PAYMENT_CREATED"}"#)))
                == .payloadInvalid("body has no \"id\" field"))
    }
}
