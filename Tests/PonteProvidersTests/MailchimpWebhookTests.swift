import Crypto
import Foundation
import PonteProviders
import Testing

@Suite struct MailchimpWebhookTests {
    let secret = "mc-secret/with+specials"
    let body = bytes(
        "type=subscribe&fired_at=2009-03-26+21%3A35%3A57&data%5Bid%5D=8a25ff1d98&data%5Blist_id%5D=a6b5da1054&data%5Bemail%5D=api%40mailchimp.com&data%5Bmerges%5D%5BFNAME%5D=Mailchimp"
    )
    // The secret percent-encoded as it appears in the configured URL.
    let url = "https://ponte.example/webhooks/mailchimp?secret=mc-secret%2Fwith%2Bspecials"

    func request(url: String? = nil, body: [UInt8]? = nil) -> WebhookRequest {
        WebhookRequest(url: url ?? self.url, headers: [], body: body ?? self.body)
    }

    @Test func mailchimpAcceptsMatchingSecretAndKeysEventByBodyHash() throws {
        let events = try MailchimpWebhookVerifier(secret: secret).verify(request(), now: Date())
        let digest = SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
        #expect(events == [VerifiedEvent(eventID: "sha256:\(digest)", eventType: "subscribe")])
    }

    @Test func mailchimpRetryOfSameBodyGetsSameEventID() throws {
        let verifier = MailchimpWebhookVerifier(secret: secret)
        #expect(
            try verifier.verify(request(), now: Date())
                == verifier.verify(request(), now: Date().addingTimeInterval(600)))
    }

    @Test func mailchimpRejectsWrongSecret() {
        #expect(
            rejection(
                MailchimpWebhookVerifier(secret: secret),
                request(url: "https://ponte.example/webhooks/mailchimp?secret=guess"))
                == .signatureInvalid("secret query parameter does not match the configured secret"))
    }

    @Test func mailchimpRejectsMissingSecret() {
        #expect(
            rejection(
                MailchimpWebhookVerifier(secret: secret), request(url: "https://ponte.example/webhooks/mailchimp"))
                == .signatureInvalid("missing secret query parameter"))
    }

    @Test func mailchimpUsesUnknownTypeWhenBodyHasNone() throws {
        let events = try MailchimpWebhookVerifier(secret: secret).verify(
            request(body: bytes("fired_at=x")), now: Date())
        #expect(events.first?.eventType == "unknown")
    }
}
