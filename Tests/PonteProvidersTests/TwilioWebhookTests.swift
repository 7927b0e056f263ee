import Crypto
import Foundation
import PonteProviders
import Testing

@Suite struct TwilioWebhookTests {
    // PROVIDERS.md 4.1 official vector.
    let authToken = "12345"
    let url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    let params: [(name: String, value: String)] = [
        ("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"),
        ("From", "+12349013030"), ("To", "+18005551212"),
    ]
    // The same parameters form-encoded, in a different order than they are signed.
    let formBody = bytes(
        "To=%2B18005551212&Caller=%2B12349013030&CallSid=CA1234567890ABCDE&From=%2B12349013030&Digits=1234")
    let vector = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="

    func request(
        method: String = "POST", url: String? = nil, signature: String?, body: [UInt8]? = nil,
        extraHeaders: [(name: String, value: String)] = []
    ) -> WebhookRequest {
        WebhookRequest(
            method: method,
            url: url ?? self.url,
            headers: (signature.map { [(name: "X-Twilio-Signature", value: $0)] } ?? []) + extraHeaders,
            body: body ?? formBody)
    }

    @Test func twilioAcceptsOfficialVector() throws {
        let events = try TwilioWebhookVerifier(authToken: authToken).verify(request(signature: vector), now: Date())
        #expect(events == [VerifiedEvent(eventID: "CA1234567890ABCDE:unknown", eventType: "call.unknown")])
    }

    @Test func twilioSignerReproducesOfficialVector() {
        #expect(TwilioSignature.signature(authToken: authToken, url: url, params: params) == vector)
        #expect(
            TwilioSignature.signature(authToken: authToken, url: url, params: Dictionary(uniqueKeysWithValues: params))
                == vector)
    }

    @Test func twilioSignerSortsAndDedupesRepeatedParametersLikeTheSDK() {
        // Computed with twilio 9.13.0's RequestValidator over a multi-dict.
        let repeated: [(name: String, value: String)] = [
            ("b", "2"), ("a", "z"), ("a", "y"), ("a", "y"), ("B", "x"), ("é", "1"), ("z", ""),
        ]
        #expect(
            TwilioSignature.signature(authToken: "tok", url: "https://example.com/sms", params: repeated)
                == "ij1k8y15g925ve/6wpCzXSmc+BI=")
    }

    @Test func twilioAcceptsSignatureOverURLWithDefaultPortAdded() throws {
        // Computed with twilio 9.13.0 over https://mycompany.com:443/myapp.php?foo=1&bar=2.
        let withPortSignature = "EpDEmp1PyjDYp77YxYU3GILBWzE="
        let verifier = TwilioWebhookVerifier(authToken: authToken)
        #expect(try verifier.verify(request(signature: withPortSignature), now: Date()).count == 1)
    }

    @Test func twilioAcceptsRequestURLWithExplicitDefaultPort() throws {
        let verifier = TwilioWebhookVerifier(authToken: authToken)
        let withPort = request(url: "https://mycompany.com:443/myapp.php?foo=1&bar=2", signature: vector)
        #expect(try verifier.verify(withPort, now: Date()).count == 1)
    }

    @Test func twilioAcceptsBodySHA256Variant() throws {
        let body = bytes(#"{"property": "value", "boolean": true}"#)
        let hash = TwilioSignature.bodySHA256(body)
        #expect(hash == "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620")
        let url = "https://mycompany.com/myapp.php?bodySHA256=\(hash)"
        // Computed with twilio 9.13.0: the URL only, no parameters.
        let signature = "y77kIzt2vzLz71DgmJGsen2scGs="
        #expect(TwilioSignature.signature(authToken: authToken, url: url, params: []) == signature)
        let verifier = TwilioWebhookVerifier(authToken: authToken)
        let events = try verifier.verify(request(url: url, signature: signature, body: body), now: Date())
        #expect(events.first?.eventID == "sha256:\(hash)")

        let tampered = bytes(#"{"property": "other", "boolean": true}"#)
        #expect(
            rejection(verifier, request(url: url, signature: signature, body: tampered))
                == .signatureInvalid("body does not match the bodySHA256 query parameter"))
    }

    @Test func twilioGETSignsOnlyTheURLAndReadsParametersFromIt() throws {
        let url = "https://ponte.example/webhooks/twilio?MessageSid=SM123&SmsStatus=received&Body=hi+there"
        let signature = TwilioSignature.signature(authToken: authToken, url: url, params: [])
        let events = try TwilioWebhookVerifier(authToken: authToken)
            .verify(request(method: "GET", url: url, signature: signature, body: []), now: Date())
        #expect(events == [VerifiedEvent(eventID: "SM123:received", eventType: "message.received")])
    }

    @Test func twilioMessageEventUsesMessageStatusThenSmsStatus() throws {
        let verifier = TwilioWebhookVerifier(authToken: authToken)
        let url = "https://ponte.example/webhooks/twilio"
        func events(_ form: String) throws -> [VerifiedEvent] {
            let pairs = FormURLEncoded.parse(bytes(form))
            let signature = TwilioSignature.signature(authToken: authToken, url: url, params: pairs)
            return try verifier.verify(request(url: url, signature: signature, body: bytes(form)), now: Date())
        }
        #expect(
            try events("MessageSid=SM1&MessageStatus=delivered&SmsStatus=sent")
                == [VerifiedEvent(eventID: "SM1:delivered", eventType: "message.delivered")])
        #expect(
            try events("MessageSid=SM1&SmsStatus=received&From=whatsapp%3A%2B5511999998888&Body=Ol%C3%A1")
                == [VerifiedEvent(eventID: "SM1:received", eventType: "message.received")])
        #expect(try events("MessageSid=SM2") == [VerifiedEvent(eventID: "SM2:received", eventType: "message.received")])
        #expect(
            try events("CallSid=CA9&CallStatus=completed")
                == [VerifiedEvent(eventID: "CA9:completed", eventType: "call.completed")])
        let other = "AccountSid=AC1&Foo=bar"
        let digest = SHA256.hash(data: bytes(other)).map { String(format: "%02x", $0) }.joined()
        #expect(try events(other) == [VerifiedEvent(eventID: "sha256:\(digest)", eventType: "unknown")])
    }

    @Test func twilioRejectsTamperedParameter() {
        let tampered = bytes(
            "To=%2B18005551212&Caller=%2B12349013030&CallSid=CA1234567890ABCDE&From=%2B12349013030&Digits=9999")
        #expect(
            rejection(TwilioWebhookVerifier(authToken: authToken), request(signature: vector, body: tampered))
                == .signatureInvalid("X-Twilio-Signature does not match the URL and parameters"))
    }

    @Test func twilioRejectsTamperedURL() {
        let other = request(url: "https://mycompany.com/myapp.php?foo=1&bar=3", signature: vector)
        #expect(rejection(TwilioWebhookVerifier(authToken: authToken), other)?.isSignatureInvalid == true)
    }

    @Test func twilioRejectsWrongAuthToken() {
        #expect(
            rejection(TwilioWebhookVerifier(authToken: "54321"), request(signature: vector))?.isSignatureInvalid == true
        )
    }

    @Test func twilioRejectsMissingHeader() {
        #expect(
            rejection(TwilioWebhookVerifier(authToken: authToken), request(signature: nil))
                == .signatureInvalid("missing X-Twilio-Signature header"))
    }

    @Test func twilioRejectsSharedKeyModeAndUnknownAlgorithms() {
        let verifier = TwilioWebhookVerifier(authToken: authToken)
        func settings(_ value: String) -> WebhookRejection? {
            rejection(
                verifier,
                request(signature: vector, extraHeaders: [(name: "X-Twilio-Webhooks-Signature-Settings", value: value)])
            )
        }
        #expect(settings("key=webhooks_sharedkey_1,algorithm=HMAC_SHA1") == nil)
        #expect(settings("key=webhooks_sharedkey_1") == nil)
        #expect(settings("key=webhooks_sharedkey_1,algorithm=HMAC_SHA256")?.message.contains("shared-key mode") == true)
        #expect(
            settings("key=k, algorithm=HMAC_MD5")
                == .signatureInvalid("unsupported algorithm in X-Twilio-Webhooks-Signature-Settings"))
    }
}
