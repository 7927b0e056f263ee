import Foundation
import PonteProviders
import Testing

@Suite struct IFoodWebhookTests {
    // PROVIDERS.md 6.3 official vector.
    let secret = "dummysecret"
    let body = bytes(
        #"{"code":"PLC","createdAt":"2023-02-20T18:19:03.20162269Z","fullCode":"PLACED","id":"a38ba215-f949-4b2c-982a-0582a9d0c10e","merchantId":"cad65e8f-6fc6-438a-b159-e64a902a6b9a","orderId":"2c97e104-35ed-4c18-85d7-854a40b6b9e3"}"#
    )
    let vector = "6f9ed23a7b505a3b6907c5f6eb2ad1b056fbf35a643d365a9a072ed7aabca153"

    func request(signature: String?, body: [UInt8]? = nil) -> WebhookRequest {
        WebhookRequest(
            url: "https://ponte.example/webhooks/ifood",
            headers: signature.map { [(name: "X-IFood-Signature", value: $0)] } ?? [],
            body: body ?? self.body)
    }

    @Test func iFoodAcceptsOfficialVector() throws {
        let events = try IFoodWebhookVerifier(clientSecret: secret).verify(request(signature: vector), now: Date())
        #expect(events == [VerifiedEvent(eventID: "a38ba215-f949-4b2c-982a-0582a9d0c10e", eventType: "PLACED")])
    }

    @Test func iFoodSignerReproducesOfficialVector() {
        #expect(IFoodSignature.signature(secret: secret, body: body) == vector)
    }

    @Test func iFoodComparesHexCaseInsensitively() throws {
        #expect(
            try IFoodWebhookVerifier(clientSecret: secret).verify(request(signature: vector.uppercased()), now: Date())
                .count == 1)
    }

    @Test func iFoodRejectsReformattedBody() {
        // Same JSON with extra spaces: a different byte string, so the signature must fail.
        let spaced = bytes(String(decoding: body, as: UTF8.self).replacingOccurrences(of: ",", with: ", "))
        #expect(
            rejection(IFoodWebhookVerifier(clientSecret: secret), request(signature: vector, body: spaced))
                == .signatureInvalid("X-IFood-Signature does not match the body"))
    }

    @Test func iFoodRejectsWrongSecret() {
        #expect(
            rejection(IFoodWebhookVerifier(clientSecret: "othersecret"), request(signature: vector))?.isSignatureInvalid
                == true)
    }

    @Test func iFoodRejectsMissingHeader() {
        #expect(
            rejection(IFoodWebhookVerifier(clientSecret: secret), request(signature: nil))
                == .signatureInvalid("missing X-IFood-Signature header"))
    }

    @Test func iFoodFallsBackToCodeWhenFullCodeIsAbsent() throws {
        let body = bytes(#"{"id":"e1","code":"CFM"}"#)
        let events = try IFoodWebhookVerifier(clientSecret: secret)
            .verify(request(signature: IFoodSignature.signature(secret: secret, body: body), body: body), now: Date())
        #expect(events == [VerifiedEvent(eventID: "e1", eventType: "CFM")])
    }

    @Test func iFoodValidSignatureWithoutEventIDIsPayloadInvalid() {
        let body = bytes(#"{"code":"PLC","fullCode":"PLACED"}"#)
        #expect(
            rejection(
                IFoodWebhookVerifier(clientSecret: secret),
                request(signature: IFoodSignature.signature(secret: secret, body: body), body: body))
                == .payloadInvalid("body has no \"id\" field"))
    }
}
