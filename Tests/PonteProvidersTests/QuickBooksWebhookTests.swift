import Foundation
import PonteProviders
import Testing

@Suite struct QuickBooksWebhookTests {
    // PROVIDERS.md 3.1 self-computed vector.
    let token = "verifier-token-test"
    let body = bytes(
        #"{"eventNotifications":[{"realmId":"1185883450","dataChangeEvent":{"entities":[{"name":"Customer","id":"1","operation":"Create","lastUpdated":"2015-10-05T14:42:19-0700"}]}}]}"#
    )
    let vector = "lAS6c3c7hDd7XEFzaqbcj+/6OSNmjf8eHEHl+BYZqnw="

    func request(signature: String?, body: [UInt8]) -> WebhookRequest {
        WebhookRequest(
            url: "https://ponte.example/webhooks/quickbooks",
            headers: signature.map { [(name: "intuit-signature", value: $0)] } ?? [],
            body: body)
    }

    func signed(_ json: String) -> WebhookRequest {
        let body = bytes(json)
        return request(signature: QuickBooksSignature.signature(token: token, body: body), body: body)
    }

    @Test func quickBooksAcceptsDocumentedVector() throws {
        let events = try QuickBooksWebhookVerifier(verifierToken: token).verify(
            request(signature: vector, body: body), now: Date())
        #expect(
            events == [
                VerifiedEvent(
                    eventID: "1185883450:Customer:1:Create:2015-10-05T14:42:19-0700", eventType: "Customer.Create")
            ])
    }

    @Test func quickBooksSignerReproducesDocumentedVector() {
        #expect(QuickBooksSignature.signature(token: token, body: body) == vector)
    }

    @Test func quickBooksLegacyPayloadWithTwoEntitiesYieldsTwoEvents() throws {
        let request = signed(
            #"{"eventNotifications":[{"realmId":"42","dataChangeEvent":{"entities":["#
                + #"{"name":"Invoice","id":"132","operation":"Update","lastUpdated":"2017-04-16T06:18:04.000Z"},"#
                + #"{"name":"Payment","id":"7","operation":"Void","lastUpdated":"2017-04-16T06:19:00.000Z"}]}}]}"#)
        let events = try QuickBooksWebhookVerifier(verifierToken: token).verify(request, now: Date())
        #expect(
            events == [
                VerifiedEvent(eventID: "42:Invoice:132:Update:2017-04-16T06:18:04.000Z", eventType: "Invoice.Update"),
                VerifiedEvent(eventID: "42:Payment:7:Void:2017-04-16T06:19:00.000Z", eventType: "Payment.Void"),
            ])
    }

    @Test func quickBooksCloudEventsArrayYieldsOneEventPerElement() throws {
        let request = signed(
            #" [{"specversion":"1.0","id":"ce-1","source":"intuit.abc","type":"qbo.customer.merged.v1","#
                + #""intuitaccountid":"42","data":{"deletedid":"27"}},"#
                + #"{"specversion":"1.0","id":"ce-2","type":"qbo.invoice.created.v1","data":{}}]"#)
        let events = try QuickBooksWebhookVerifier(verifierToken: token).verify(request, now: Date())
        #expect(
            events == [
                VerifiedEvent(eventID: "ce-1", eventType: "qbo.customer.merged.v1"),
                VerifiedEvent(eventID: "ce-2", eventType: "qbo.invoice.created.v1"),
            ])
    }

    @Test func quickBooksEmptyPayloadsArePayloadInvalid() {
        let verifier = QuickBooksWebhookVerifier(verifierToken: token)
        for json in ["[]", #"{"eventNotifications":[]}"#, "{}", #"{"eventNotifications":[{"realmId":"1"}]}"#] {
            #expect(rejection(verifier, signed(json))?.isPayloadInvalid == true, "\(json)")
        }
    }

    @Test func quickBooksValidSignatureWithoutEventIDIsPayloadInvalid() {
        let verifier = QuickBooksWebhookVerifier(verifierToken: token)
        let noEntityID =
            #"{"eventNotifications":[{"realmId":"1","dataChangeEvent":{"entities":[{"name":"Customer","operation":"Create","lastUpdated":"x"}]}}]}"#
        let noCloudID = #"[{"type":"qbo.customer.created.v1"}]"#
        #expect(rejection(verifier, signed(noEntityID))?.isPayloadInvalid == true)
        #expect(rejection(verifier, signed(noCloudID)) == .payloadInvalid("CloudEvent [0] has no \"id\""))
    }

    @Test func quickBooksRejectsTamperedBody() {
        let tampered = bytes(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "Create", with: "Delete"))
        #expect(
            rejection(QuickBooksWebhookVerifier(verifierToken: token), request(signature: vector, body: tampered))
                == .signatureInvalid("intuit-signature does not match the body"))
    }

    @Test func quickBooksRejectsWrongToken() {
        #expect(
            rejection(QuickBooksWebhookVerifier(verifierToken: "other"), request(signature: vector, body: body))?
                .isSignatureInvalid == true)
    }

    @Test func quickBooksRejectsMissingHeader() {
        #expect(
            rejection(QuickBooksWebhookVerifier(verifierToken: token), request(signature: nil, body: body))
                == .signatureInvalid("missing intuit-signature header"))
    }
}
