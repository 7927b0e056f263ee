import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PonteProviders
import PonteServer
import Testing

/// `POST /webhooks/{provider}` through the real router: verify, store, acknowledge.
@Suite struct WebhookIngestTests {
    // MARK: Accepted

    /// Providers whose sample event (`Webhooks.valid`) a module of the hub subscribes to.
    static let subscribed: Set = ["asaas", "ifood"]

    @Test(arguments: Webhooks.providers.filter { $0 != "twilio" })
    func validEventIsAcknowledgedAndItsReplayIsADuplicate(provider: String) async throws {
        try await withHub { client in
            let webhook = try Webhooks.valid(provider)

            let first = try await client.send(webhook)
            #expect(first.status == .ok, "\(String(buffer: first.body))")
            #expect(first.headers[.contentType]?.hasPrefix("application/json") == true)
            let ack = try decode(Acknowledgement.self, first)
            #expect(ack.received)
            #expect(ack.duplicate == false)
            #expect(ack.id.hasPrefix("wh_"))
            #expect(ack.events == nil)

            let replay = try await client.send(webhook)
            #expect(replay.status == .ok)
            #expect(try decode(Acknowledgement.self, replay) == Acknowledgement(received: true, id: ack.id, duplicate: true, events: nil))

            let stored = try await client.storedWebhooks(provider: provider)
            #expect(stored.map(\.id) == [ack.id])
            // Stored with what it starts: its subscribers' deliveries, or ignored when none.
            #expect(stored.first?.status == (Self.subscribed.contains(provider) ? "processing" : "ignored"))
        }
    }

    @Test func twilioEventIsAnsweredWithEmptyTwiMLAndStoredOnce() async throws {
        try await withHub { client in
            let webhook = try Webhooks.valid("twilio", tag: "M1")

            for _ in 0..<2 {
                let response = try await client.send(webhook)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/xml")
                #expect(String(buffer: response.body) == #"<?xml version="1.0" encoding="UTF-8"?><Response/>"#)
            }

            let stored = try await client.storedWebhooks(provider: "twilio")
            #expect(stored.map(\.event_id) == ["SMM1:delivered"])
            #expect(stored.first?.event_type == "message.delivered")
        }
    }

    @Test func eventTypeAndEventIDAreStoredFromThePayload() async throws {
        try await withHub { client in
            _ = try await client.send(Webhooks.stripe(id: "evt_typed", type: "charge.refunded"))
            let stored = try #require(try await client.storedWebhooks(provider: "stripe").first)
            #expect(stored.event_id == "evt_typed")
            #expect(stored.event_type == "charge.refunded")
            #expect(stored.provider == "stripe")
            // The injected clock, in UTC.
            #expect(stored.received_at == "2025-06-15T15:06:40.000Z")
        }
    }

    @Test func quickBooksPayloadWithTwoEntitiesIsStoredAsTwoEvents() async throws {
        try await withHub { client in
            let webhook = Webhooks.quickbooks(entities: [("Customer", "1"), ("Invoice", "130")])

            let response = try await client.send(webhook)
            #expect(response.status == .ok)
            let ack = try decode(Acknowledgement.self, response)
            let events = try #require(ack.events)
            #expect(events.count == 2)
            #expect(events.map(\.duplicate) == [false, false])
            #expect(ack.id == events[0].id)
            #expect(ack.duplicate == false)
            #expect(events.map(\.event_id) == [
                "9130350000000000:Customer:1:Update:2025-06-15T15:06:40.000Z",
                "9130350000000000:Invoice:130:Update:2025-06-15T15:06:40.000Z",
            ])

            let stored = try await client.storedWebhooks(provider: "quickbooks")
            #expect(Set(stored.map(\.id)) == Set(events.map(\.id)))
            #expect(Set(stored.map(\.event_type)) == ["Customer.Update", "Invoice.Update"])

            // Replayed: both events are duplicates of the stored ones.
            let replay = try decode(Acknowledgement.self, try await client.send(webhook))
            #expect(replay.duplicate)
            #expect(replay.events?.map(\.id) == events.map(\.id))
            #expect(replay.events?.allSatisfy(\.duplicate) == true)
        }
    }

    @Test func concurrentDeliveriesAreEachStoredOnce() async throws {
        try await withHub { client in
            // 30 events, each delivered three times at once (a provider retrying while unsure).
            let deliveries = (0..<90).map { Webhooks.stripe(id: "evt_\($0 % 30)") }
            let acks = try await withThrowingTaskGroup(of: (String, Acknowledgement).self) { group in
                for webhook in deliveries {
                    group.addTask {
                        let response = try await client.send(webhook)
                        let eventID = String(decoding: webhook.body, as: UTF8.self)
                        return (eventID, try decode(Acknowledgement.self, response))
                    }
                }
                return try await group.reduce(into: [(String, Acknowledgement)]()) { $0.append($1) }
            }

            #expect(acks.count == 90)
            for (_, answers) in Dictionary(grouping: acks, by: \.0) {
                #expect(answers.count == 3)
                #expect(answers.filter { !$0.1.duplicate }.count == 1)
                #expect(Set(answers.map(\.1.id)).count == 1)
            }
            let stored = try await client.storedWebhooks()
            #expect(stored.count == 30)
            #expect(Set(stored.map(\.id)) == Set(acks.filter { !$0.1.duplicate }.map(\.1.id)))
        }
    }

    @Test func stripeTimestampWithinTheToleranceIsAccepted() async throws {
        try await withHub { client in
            let response = try await client.send(Webhooks.stripe(id: "evt_recent", timestamp: Fixture.nowSeconds - 299))
            #expect(response.status == .ok)
        }
    }

    // MARK: Rejected

    @Test(arguments: Webhooks.providers)
    func wrongSignatureIsRejectedAndNothingIsStored(provider: String) async throws {
        try await withHub { client in
            let response = try await client.send(try Webhooks.valid(provider, wrongSecret: true))

            expectError(response, .unauthorized, "WEBHOOK_SIGNATURE_INVALID")
            #expect(try await client.storedWebhooks().isEmpty)
        }
    }

    @Test func bodyChangedAfterSigningIsRejected() async throws {
        try await withHub { client in
            var webhook = Webhooks.stripe(id: "evt_1")
            webhook.body = Array(String(decoding: webhook.body, as: UTF8.self).replacingOccurrences(of: "evt_1", with: "evt_2").utf8)

            expectError(try await client.send(webhook), .unauthorized, "WEBHOOK_SIGNATURE_INVALID")
            #expect(try await client.storedWebhooks().isEmpty)
        }
    }

    @Test func missingSignatureHeaderIsRejected() async throws {
        try await withHub { client in
            var webhook = Webhooks.stripe(id: "evt_1")
            webhook.headers[HTTPField.Name(StripeSignature.headerName)!] = nil

            expectError(try await client.send(webhook), .unauthorized, "WEBHOOK_SIGNATURE_INVALID")
        }
    }

    @Test func stripeTimestampOlderThanTheToleranceIsRejected() async throws {
        try await withHub { client in
            let response = try await client.send(Webhooks.stripe(id: "evt_old", timestamp: Fixture.nowSeconds - 301))

            expectError(response, .unauthorized, "WEBHOOK_SIGNATURE_INVALID")
            #expect(try decode(ErrorBody.self, response).error.message.contains("too old"))
            #expect(try await client.storedWebhooks().isEmpty)
        }
    }

    @Test func stripeTimestampFarInTheFutureIsRejected() async throws {
        try await withHub { client in
            let response = try await client.send(Webhooks.stripe(id: "evt_future", timestamp: Fixture.nowSeconds + 301))
            expectError(response, .unauthorized, "WEBHOOK_SIGNATURE_INVALID")
        }
    }

    @Test func toleranceIsMeasuredFromTheInjectedClock() async throws {
        // The same request, fresh for one clock and stale for another.
        let webhook = Webhooks.stripe(id: "evt_clock", timestamp: Fixture.nowSeconds)
        try await withHub(now: Fixture.now.addingTimeInterval(600)) { client in
            expectError(try await client.send(webhook), .unauthorized, "WEBHOOK_SIGNATURE_INVALID")
        }
        try await withHub(now: Fixture.now) { client in
            let response = try await client.send(webhook)
            #expect(response.status == .ok)
        }
    }

    @Test func unknownProviderIsNotFound() async throws {
        try await withHub { client in
            let response = try await client.execute(
                uri: "/webhooks/paypal", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: "{}"))
            expectError(response, .notFound, "UNKNOWN_PROVIDER")
        }
    }

    @Test func providerWithoutSecretIsNotConfigured() async throws {
        try await withHub(configure: { $0.secrets.stripe = nil }) { client in
            let response = try await client.send(Webhooks.stripe(id: "evt_1"))
            expectError(response, .notFound, "PROVIDER_NOT_CONFIGURED")
            // The other providers still work.
            let ifood = try await client.send(try Webhooks.valid("ifood"))
            #expect(ifood.status == .ok)
        }
    }

    @Test func bodyOverTheLimitIsTooLarge() async throws {
        try await withHub { client in
            let webhook = Webhooks.stripe(id: "evt_big", padding: Fixture.maxBodyBytes)
            #expect(webhook.body.count > Fixture.maxBodyBytes)

            expectError(try await client.send(webhook), .contentTooLarge, "PAYLOAD_TOO_LARGE")
            #expect(try await client.storedWebhooks().isEmpty)
        }
    }

    @Test func bodyAtTheLimitIsAccepted() async throws {
        try await withHub { client in
            // Each padding byte adds one byte to the body.
            let overhead = Webhooks.stripe(id: "evt_limit", padding: 1).body.count - 1
            let webhook = Webhooks.stripe(id: "evt_limit", padding: Fixture.maxBodyBytes - overhead)
            #expect(webhook.body.count == Fixture.maxBodyBytes)

            let response = try await client.send(webhook)
            #expect(response.status == .ok)
        }
    }

    @Test func validSignatureWithoutEventIDIsAnInvalidPayload() async throws {
        try await withHub { client in
            let response = try await client.send(Webhooks.stripe(id: nil))

            expectError(response, .badRequest, "WEBHOOK_PAYLOAD_INVALID")
            #expect(try await client.storedWebhooks().isEmpty)
        }
    }

    // MARK: Mailchimp URL validation

    @Test func mailchimpValidationGetWithTheRightSecretSucceeds() async throws {
        try await withHub { client in
            let response = try await client.execute(uri: "/webhooks/mailchimp?secret=\(Fixture.mailchimpSecret)", method: .get)
            #expect(response.status == .ok)
            #expect(try await client.storedWebhooks().isEmpty)
        }
    }

    @Test func mailchimpValidationGetWithAWrongSecretIsRejected() async throws {
        try await withHub { client in
            expectError(
                try await client.execute(uri: "/webhooks/mailchimp?secret=guess", method: .get),
                .unauthorized, "WEBHOOK_SIGNATURE_INVALID")
            expectError(
                try await client.execute(uri: "/webhooks/mailchimp", method: .get),
                .unauthorized, "WEBHOOK_SIGNATURE_INVALID")
        }
    }

    @Test func mailchimpEmptyValidationPostIsAnsweredWithoutStoring() async throws {
        try await withHub { client in
            let response = try await client.execute(uri: "/webhooks/mailchimp?secret=\(Fixture.mailchimpSecret)", method: .post)
            #expect(response.status == .ok)
            #expect(try await client.storedWebhooks().isEmpty)
        }
    }

    @Test func getOnAnotherProviderIsNotAllowed() async throws {
        try await withHub { client in
            expectError(try await client.execute(uri: "/webhooks/stripe", method: .get), .methodNotAllowed, "METHOD_NOT_ALLOWED")
        }
    }

    // MARK: Over real HTTP

    @Test func liveServerAcknowledgesDeduplicatesAndRefuses() async throws {
        try await withHub(.live) { client in
            let webhook = try Webhooks.valid("square", tag: "live")
            let first = try await client.send(webhook)
            #expect(first.status == .ok)
            #expect(first.headers[HTTPField.Name("X-Request-Id")!] != nil)
            let ack = try decode(Acknowledgement.self, first)
            #expect(ack.duplicate == false)

            let replay = try decode(Acknowledgement.self, try await client.send(webhook))
            #expect(replay == Acknowledgement(received: true, id: ack.id, duplicate: true, events: nil))

            expectError(
                try await client.send(Webhooks.stripe(id: "evt_big", padding: Fixture.maxBodyBytes)),
                .contentTooLarge, "PAYLOAD_TOO_LARGE")
            expectError(try await client.send(try Webhooks.valid("ifood", wrongSecret: true)), .unauthorized, "WEBHOOK_SIGNATURE_INVALID")

            #expect(try await client.storedWebhooks().map(\.id) == [ack.id])
        }
    }
}
