import Foundation
import PonteProviders
import Testing

@Suite struct SquareWebhookTests {
    // PROVIDERS.md 2.1 self-computed vector.
    let key = "sq_sig_key_test"
    let url = "https://example.com/webhooks/square"
    let body = bytes(
        #"{"merchant_id":"MLX","type":"customer.created","event_id":"e1","created_at":"2024-01-01T00:00:00Z","data":{"type":"customer","id":"c1"}}"#
    )
    let vector = "KZAesHm726JDyAim7lcGHt61jQK9WK+pKWw2Xacx044="

    func request(signature: String?, url: String? = nil, body: [UInt8]? = nil) -> WebhookRequest {
        WebhookRequest(
            url: url ?? self.url,
            headers: signature.map { [(name: "X-Square-HmacSha256-Signature", value: $0)] } ?? [],
            body: body ?? self.body)
    }

    @Test func squareAcceptsDocumentedVectorUsingRequestURL() throws {
        let events = try SquareWebhookVerifier(signatureKey: key).verify(request(signature: vector), now: Date())
        #expect(events == [VerifiedEvent(eventID: "e1", eventType: "customer.created")])
    }

    @Test func squareSignerReproducesDocumentedVector() {
        #expect(SquareSignature.signature(key: key, url: url, body: body) == vector)
    }

    @Test func squarePrefersConfiguredNotificationURLOverRequestURL() throws {
        let verifier = SquareWebhookVerifier(signatureKey: key, notificationURL: url)
        let behindProxy = request(signature: vector, url: "http://10.0.0.5:8080/webhooks/square")
        #expect(try verifier.verify(behindProxy, now: Date()).map(\.eventID) == ["e1"])
        #expect(rejection(SquareWebhookVerifier(signatureKey: key), behindProxy)?.isSignatureInvalid == true)
    }

    @Test func squareRejectsTamperedBody() {
        let tampered = bytes(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "c1", with: "c2"))
        #expect(
            rejection(SquareWebhookVerifier(signatureKey: key), request(signature: vector, body: tampered))?
                .isSignatureInvalid == true)
    }

    @Test func squareRejectsWrongKey() {
        #expect(
            rejection(SquareWebhookVerifier(signatureKey: "other"), request(signature: vector))?.isSignatureInvalid
                == true)
    }

    @Test func squareRejectsMissingHeader() {
        #expect(
            rejection(SquareWebhookVerifier(signatureKey: key), request(signature: nil))
                == .signatureInvalid("missing x-square-hmacsha256-signature header"))
    }

    @Test func squareValidSignatureWithoutEventIDIsPayloadInvalid() {
        let noID = bytes(#"{"merchant_id":"MLX","type":"customer.created"}"#)
        let signature = SquareSignature.signature(key: key, url: url, body: noID)
        #expect(
            rejection(SquareWebhookVerifier(signatureKey: key), request(signature: signature, body: noID))
                == .payloadInvalid("body has no \"event_id\" field"))
    }
}
