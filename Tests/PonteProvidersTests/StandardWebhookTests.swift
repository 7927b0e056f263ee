import Foundation
import PonteProviders
import Testing

@Suite struct StandardWebhookTests {
    // PROVIDERS.md Appendix A spec vector.
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    let timestamp = 1_614_265_330
    let body = bytes(#"{"test": 2432232314}"#)
    let vector = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

    func request(
        id: String? = nil, timestamp: String? = nil, signature: String?, body: [UInt8]? = nil
    ) -> WebhookRequest {
        var headers: [(name: String, value: String)] = [
            (name: "Webhook-Id", value: id ?? self.id),
            (name: "Webhook-Timestamp", value: timestamp ?? String(self.timestamp)),
        ]
        if let signature { headers.append((name: "Webhook-Signature", value: signature)) }
        return WebhookRequest(url: "https://ponte.example/webhooks/standard", headers: headers, body: body ?? self.body)
    }

    @Test func standardAcceptsSpecVector() throws {
        let events = try StandardWebhookVerifier(secret: secret).verify(
            request(signature: vector), now: at(timestamp + 10))
        #expect(events == [VerifiedEvent(eventID: id, eventType: "unknown")])
    }

    @Test func standardSignerReproducesSpecVector() throws {
        #expect(
            try StandardWebhookSignature.signature(secret: secret, id: id, timestamp: timestamp, body: body) == vector)
    }

    @Test func standardReadsEventTypeFromJSONBody() throws {
        let body = bytes(#"{"type":"invoice.paid","data":{}}"#)
        let signature = try StandardWebhookSignature.signature(
            secret: secret, id: "msg_2", timestamp: timestamp, body: body)
        let events = try StandardWebhookVerifier(secret: secret)
            .verify(request(id: "msg_2", signature: signature, body: body), now: at(timestamp))
        #expect(events == [VerifiedEvent(eventID: "msg_2", eventType: "invoice.paid")])
    }

    @Test func standardAcceptsAnyMatchingV1AmongSeveral() throws {
        let other = try StandardWebhookSignature.signature(
            secret: "whsec_c2Vjb25kLXNlY3JldA==", id: id, timestamp: timestamp, body: body)
        let header = "\(other) v2,\(vector.dropFirst(3)) \(vector)"
        #expect(
            try StandardWebhookVerifier(secret: secret).verify(request(signature: header), now: at(timestamp)).count
                == 1)
    }

    @Test func standardRejectsTimestampOlderThanTolerance() {
        let verifier = StandardWebhookVerifier(secret: secret)
        #expect(rejection(verifier, request(signature: vector), now: at(timestamp + 300)) == nil)
        #expect(
            rejection(verifier, request(signature: vector), now: at(timestamp + 301))
                == .signatureInvalid("timestamp outside the 300 s tolerance (too old)"))
    }

    @Test func standardRejectsTimestampTooFarInTheFuture() {
        #expect(
            rejection(StandardWebhookVerifier(secret: secret), request(signature: vector), now: at(timestamp - 301))
                == .signatureInvalid("timestamp outside the 300 s tolerance (in the future)"))
    }

    @Test func standardRejectsTamperedBodyIDOrTimestamp() {
        let verifier = StandardWebhookVerifier(secret: secret)
        let now = at(timestamp)
        #expect(
            rejection(verifier, request(signature: vector, body: bytes(#"{"test": 2432232315}"#)), now: now)
                == .signatureInvalid("no v1 signature matched"))
        #expect(rejection(verifier, request(id: "msg_other", signature: vector), now: now)?.isSignatureInvalid == true)
        #expect(
            rejection(verifier, request(timestamp: String(timestamp + 1), signature: vector), now: now)?
                .isSignatureInvalid == true)
    }

    @Test func standardRejectsWrongSecret() {
        #expect(
            rejection(
                StandardWebhookVerifier(secret: "whsec_c2Vjb25kLXNlY3JldA=="), request(signature: vector),
                now: at(timestamp))
                == .signatureInvalid("no v1 signature matched"))
    }

    @Test func standardRejectsMissingHeaders() {
        let verifier = StandardWebhookVerifier(secret: secret)
        #expect(
            rejection(verifier, request(signature: nil), now: at(timestamp))
                == .signatureInvalid("missing webhook-signature header"))
        let noID = WebhookRequest(
            url: "https://x",
            headers: [(name: "webhook-timestamp", value: "1"), (name: "webhook-signature", value: vector)],
            body: body)
        #expect(rejection(verifier, noID, now: at(timestamp)) == .signatureInvalid("missing webhook-id header"))
        #expect(
            rejection(verifier, request(signature: "v2,abc"), now: at(timestamp))
                == .signatureInvalid("webhook-signature has no v1 signature"))
    }

    @Test func standardSecretThatIsNotBase64RejectsEveryRequest() {
        let verifier = StandardWebhookVerifier(secret: "whsec_not*base64!")
        #expect(
            rejection(verifier, request(signature: vector), now: at(timestamp))
                == .signatureInvalid("configured secret is not valid base64"))
        #expect(throws: StandardWebhookSignature.InvalidSecret.self) {
            try StandardWebhookSignature.signature(
                secret: "whsec_not*base64!", id: id, timestamp: timestamp, body: body)
        }
    }

    @Test func standardAcceptsSecretWithoutPrefixOrPadding() throws {
        // "c2Vjb25kLXNlY3JldA" is "second-secret" without its "==" padding.
        let padded = try StandardWebhookSignature.signature(
            secret: "whsec_c2Vjb25kLXNlY3JldA==", id: id, timestamp: timestamp, body: body)
        let bare = try StandardWebhookSignature.signature(
            secret: "c2Vjb25kLXNlY3JldA", id: id, timestamp: timestamp, body: body)
        #expect(padded == bare)
    }
}
