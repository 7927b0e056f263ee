import Foundation
import PonteProviders
import Testing

@Suite struct StripeWebhookTests {
    // PROVIDERS.md 1.1 self-computed vector.
    let secret = "whsec_test_secret"
    let timestamp = 1_700_000_000
    let body = bytes(#"{"id":"evt_test_1","object":"event","type":"payment_intent.succeeded"}"#)
    let vectorHeader = "t=1700000000,v1=871acfe933554b446cc41d791076dd56a10c0553cc61aafbeb881d0082b45043"

    func request(header: String?, body: [UInt8]? = nil) -> WebhookRequest {
        WebhookRequest(
            url: "https://ponte.example/webhooks/stripe",
            headers: header.map { [(name: "Stripe-Signature", value: $0)] } ?? [],
            body: body ?? self.body)
    }

    @Test func stripeAcceptsDocumentedVector() throws {
        let events = try StripeWebhookVerifier(secret: secret).verify(
            request(header: vectorHeader), now: at(timestamp + 5))
        #expect(events == [VerifiedEvent(eventID: "evt_test_1", eventType: "payment_intent.succeeded")])
    }

    /// One verifier keeps one keyed HMAC and copies it per request: no request's data may
    /// leak into the next one's signature, tampered requests included.
    @Test func oneVerifierChecksManyEventsInTurn() throws {
        let verifier = StripeWebhookVerifier(secret: secret)
        for index in 0..<5 {
            let body = bytes(#"{"id":"evt_\#(index)","type":"charge.succeeded"}"#)
            let good = StripeSignature.header(secret: secret, timestamp: timestamp, body: body)
            #expect(try verifier.verify(request(header: good, body: body), now: at(timestamp)).map(\.eventID) == ["evt_\(index)"])
            #expect(rejection(verifier, request(header: good, body: body + [0x20]), now: at(timestamp)) != nil)
        }
        #expect(try verifier.verify(request(header: vectorHeader), now: at(timestamp)).map(\.eventID) == ["evt_test_1"])
    }

    @Test func stripeSignerReproducesDocumentedVector() {
        #expect(StripeSignature.header(secret: secret, timestamp: timestamp, body: body) == vectorHeader)
    }

    @Test func stripeHeaderNameIsCaseInsensitive() throws {
        let request = WebhookRequest(
            url: "https://x", headers: [(name: "stripe-signature", value: vectorHeader)], body: body)
        #expect(try StripeWebhookVerifier(secret: secret).verify(request, now: at(timestamp)).count == 1)
    }

    @Test func stripeRejectsTamperedBody() {
        let tampered = bytes(#"{"id":"evt_test_1","object":"event","type":"payment_intent.canceled"}"#)
        #expect(
            rejection(
                StripeWebhookVerifier(secret: secret), request(header: vectorHeader, body: tampered), now: at(timestamp)
            )
                == .signatureInvalid("no v1 signature matched"))
    }

    @Test func stripeRejectsWrongSecret() {
        #expect(
            rejection(StripeWebhookVerifier(secret: "whsec_other"), request(header: vectorHeader), now: at(timestamp))
                == .signatureInvalid("no v1 signature matched"))
    }

    @Test func stripeRejectsMissingHeader() {
        #expect(
            rejection(StripeWebhookVerifier(secret: secret), request(header: nil), now: at(timestamp))
                == .signatureInvalid("missing Stripe-Signature header"))
    }

    @Test func stripeRejectsTimestampOlderThanTolerance() {
        let verifier = StripeWebhookVerifier(secret: secret)
        #expect(rejection(verifier, request(header: vectorHeader), now: at(timestamp + 300)) == nil)
        #expect(
            rejection(verifier, request(header: vectorHeader), now: at(timestamp + 301))
                == .signatureInvalid("timestamp outside the 300 s tolerance (too old)"))
    }

    @Test func stripeRejectsTimestampFurtherInTheFutureThanTolerance() {
        let verifier = StripeWebhookVerifier(secret: secret)
        #expect(rejection(verifier, request(header: vectorHeader), now: at(timestamp - 300)) == nil)
        #expect(
            rejection(verifier, request(header: vectorHeader), now: at(timestamp - 301))
                == .signatureInvalid("timestamp outside the 300 s tolerance (in the future)"))
    }

    @Test func stripeAcceptsAnyMatchingV1AmongSeveralAndIgnoresOtherSchemes() throws {
        let good = StripeSignature.signature(secret: secret, timestamp: timestamp, body: body)
        let bad = StripeSignature.signature(secret: "whsec_old", timestamp: timestamp, body: body)
        let header = "t=\(timestamp),v0=\(String(good.reversed())),v1=\(bad),v1=\(good)"
        let events = try StripeWebhookVerifier(secret: secret).verify(request(header: header), now: at(timestamp))
        #expect(events.map(\.eventID) == ["evt_test_1"])
    }

    @Test func stripeRejectsHeaderWithoutV1() {
        let good = StripeSignature.signature(secret: secret, timestamp: timestamp, body: body)
        #expect(
            rejection(
                StripeWebhookVerifier(secret: secret), request(header: "t=\(timestamp),v0=\(good)"), now: at(timestamp))
                == .signatureInvalid("Stripe-Signature header has no v1 signature"))
    }

    @Test func stripeRejectsHeaderWithoutOrWithBadTimestamp() {
        let verifier = StripeWebhookVerifier(secret: secret)
        #expect(
            rejection(verifier, request(header: "v1=abc"), now: at(timestamp))
                == .signatureInvalid("Stripe-Signature header has no t= timestamp"))
        #expect(
            rejection(verifier, request(header: "t=soon,v1=abc"), now: at(timestamp))
                == .signatureInvalid("Stripe-Signature timestamp is not an integer"))
    }

    @Test func stripeRefusesThinEventsAsPayloadInvalid() {
        let thin = bytes(#"{"id":"evt_1","object":"v2.core.event","type":"v1.billing.meter.error_report_triggered"}"#)
        let header = StripeSignature.header(secret: secret, timestamp: timestamp, body: thin)
        let result = rejection(
            StripeWebhookVerifier(secret: secret), request(header: header, body: thin), now: at(timestamp))
        #expect(result?.isPayloadInvalid == true)
    }

    @Test func stripeValidSignatureWithoutEventIDIsPayloadInvalid() {
        let verifier = StripeWebhookVerifier(secret: secret)
        for payload in [#"{"object":"event","type":"charge.succeeded"}"#, "not json", #"{"id":42}"#] {
            let body = bytes(payload)
            let header = StripeSignature.header(secret: secret, timestamp: timestamp, body: body)
            let result = rejection(verifier, request(header: header, body: body), now: at(timestamp))
            #expect(result?.isPayloadInvalid == true, "\(payload)")
        }
    }

    @Test func stripeRejectionMessagesNeverContainTheSecret() {
        let verifier = StripeWebhookVerifier(secret: secret)
        let results = [
            rejection(verifier, request(header: nil), now: at(timestamp)),
            rejection(verifier, request(header: vectorHeader, body: bytes("{}")), now: at(timestamp)),
            rejection(verifier, request(header: vectorHeader), now: at(timestamp + 1000)),
        ]
        for result in results {
            #expect(result?.message.contains(secret) == false)
        }
    }
}
