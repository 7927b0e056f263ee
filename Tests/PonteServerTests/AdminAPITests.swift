import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PonteServer
import Testing

/// `GET /api/v1/webhooks[/{id}]`: authentication, listing, pagination and one entry in full.
@Suite struct AdminAPITests {
    // MARK: Authentication

    @Test func requestWithoutTokenIsUnauthorized() async throws {
        try await withHub { client in
            expectError(try await client.admin("/api/v1/webhooks", token: nil), .unauthorized, "UNAUTHORIZED")
        }
    }

    @Test func nonBearerAuthorizationIsUnauthorized() async throws {
        try await withHub { client in
            let response = try await client.execute(
                uri: "/api/v1/webhooks", method: .get, headers: [.authorization: "Basic YWRtaW46YWRtaW4="])
            expectError(response, .unauthorized, "UNAUTHORIZED")
        }
    }

    @Test(arguments: [
        ("malformed", "not-a-jwt"),
        ("three garbage parts", "aaa.bbb.ccc"),
        ("expired", Fixture.tokens.issue(role: "admin", now: Fixture.now.addingTimeInterval(-7200), lifetime: 3600)),
        ("signed with another key", AdminTokens(secret: Array("another-secret-another-secret-0000".utf8)).issue(role: "admin", now: Fixture.now, lifetime: 3600)),
        ("alg none", Tokens.unsigned(role: "admin")),
        ("alg HS512", Tokens.withHeader(#"{"alg":"HS512","typ":"JWT"}"#, role: "admin")),
        ("tampered role", Tokens.tamperedRole(Fixture.tokens.issue(role: "viewer", now: Fixture.now, lifetime: 3600), to: "admin")),
    ])
    func invalidTokenIsUnauthorized(kind: String, token: String) async throws {
        try await withHub { client in
            expectError(try await client.admin("/api/v1/webhooks", token: token), .unauthorized, "UNAUTHORIZED")
        }
    }

    @Test func viewerTokenIsForbidden() async throws {
        try await withHub { client in
            let viewer = Fixture.tokens.issue(role: "viewer", now: Fixture.now, lifetime: 3600)
            expectError(try await client.admin("/api/v1/webhooks", token: viewer), .forbidden, "FORBIDDEN")
            expectError(try await client.admin("/api/v1/webhooks/wh_01ARYZ6S4128T028T5CY4TQKFF", token: viewer), .forbidden, "FORBIDDEN")
        }
    }

    @Test func tokenExpiryIsJudgedByTheInjectedClock() async throws {
        let token = Fixture.tokens.issue(role: "admin", now: Fixture.now, lifetime: 60)
        try await withHub(now: Fixture.now.addingTimeInterval(59)) { client in
            let response = try await client.admin("/api/v1/webhooks", token: token)
            #expect(response.status == .ok)
        }
        try await withHub(now: Fixture.now.addingTimeInterval(60)) { client in
            expectError(try await client.admin("/api/v1/webhooks", token: token), .unauthorized, "UNAUTHORIZED")
        }
    }

    // MARK: Listing

    @Test func listIsNewestFirstAndFiltersByProviderAndStatus() async throws {
        try await withHub { client in
            let stripe1 = try decode(Acknowledgement.self, try await client.send(Webhooks.stripe(id: "evt_a")))
            let asaas = try decode(Acknowledgement.self, try await client.send(Webhooks.asaas(id: "evt_b")))
            let stripe2 = try decode(Acknowledgement.self, try await client.send(Webhooks.stripe(id: "evt_c")))

            let all = try decode(WebhookPage.self, try await client.admin("/api/v1/webhooks"))
            #expect(all.data.map(\.id) == [stripe2.id, asaas.id, stripe1.id])
            #expect(all.data.map(\.event_id) == ["evt_c", "evt_b", "evt_a"])
            #expect(all.next_cursor == nil)

            let stripe = try decode(WebhookPage.self, try await client.admin("/api/v1/webhooks?provider=stripe"))
            #expect(stripe.data.map(\.id) == [stripe2.id, stripe1.id])

            // The Asaas payment event is being delivered to its subscriber; nobody subscribes to
            // the Stripe ones, stored ignored.
            let processing = try decode(WebhookPage.self, try await client.admin("/api/v1/webhooks?status=processing&provider=asaas"))
            #expect(processing.data.map(\.id) == [asaas.id])
            let ignored = try decode(WebhookPage.self, try await client.admin("/api/v1/webhooks?status=ignored"))
            #expect(ignored.data.map(\.id) == [stripe2.id, stripe1.id])

            let processed = try decode(WebhookPage.self, try await client.admin("/api/v1/webhooks?status=processed"))
            #expect(processed.data.isEmpty)
        }
    }

    @Test func emptyListHasNullCursor() async throws {
        try await withHub { client in
            let response = try await client.admin("/api/v1/webhooks")
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == #"{"data":[],"next_cursor":null}"#)
        }
    }

    @Test(arguments: ["0", "501", "abc", "-1", "1.5"])
    func limitOutsideOneToFiveHundredIsAnInvalidQuery(limit: String) async throws {
        try await withHub { client in
            expectError(try await client.admin("/api/v1/webhooks?limit=\(limit)"), .badRequest, "INVALID_QUERY")
        }
    }

    @Test func limitBoundsAreAccepted() async throws {
        try await withHub { client in
            let smallest = try await client.admin("/api/v1/webhooks?limit=1")
            let largest = try await client.admin("/api/v1/webhooks?limit=500")
            #expect(smallest.status == .ok)
            #expect(largest.status == .ok)
        }
    }

    @Test func unknownStatusIsAnInvalidQuery() async throws {
        try await withHub { client in
            expectError(try await client.admin("/api/v1/webhooks?status=bogus"), .badRequest, "INVALID_QUERY")
        }
    }

    @Test func cursorPaginationVisitsEveryWebhookOnceNewestFirst() async throws {
        try await withHub { client in
            var ids: [String] = []
            for index in 0..<7 {
                ids.append(try decode(Acknowledgement.self, try await client.send(Webhooks.stripe(id: "evt_\(index)"))).id)
            }

            var seen: [String] = []
            var pageSizes: [Int] = []
            var cursor: String?
            repeat {
                let query = "/api/v1/webhooks?limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try decode(WebhookPage.self, try await client.admin(query))
                seen += page.data.map(\.id)
                pageSizes.append(page.data.count)
                cursor = page.next_cursor
                if let cursor { #expect(cursor == page.data.last?.id) }
            } while cursor != nil && pageSizes.count < 10

            #expect(pageSizes == [3, 3, 1])
            #expect(seen == ids.reversed())
        }
    }

    @Test(arguments: ["garbage", "wh_", "wh_01ARYZ6S4128T028T5CY4TQKF", "wh_01ARYZ6S4128T028T5CY4TQKFU", "' OR 1=1 --"])
    func cursorThatThisAPIDidNotIssueIsAnInvalidQuery(cursor: String) async throws {
        try await withHub { client in
            let encoded = cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? cursor
            expectError(try await client.admin("/api/v1/webhooks?cursor=\(encoded)"), .badRequest, "INVALID_QUERY")
        }
    }

    @Test func lastFullPageHasNoCursor() async throws {
        try await withHub { client in
            for index in 0..<4 {
                _ = try await client.send(Webhooks.stripe(id: "evt_\(index)"))
            }
            let first = try decode(WebhookPage.self, try await client.admin("/api/v1/webhooks?limit=2"))
            let cursor = try #require(first.next_cursor)
            let second = try decode(WebhookPage.self, try await client.admin("/api/v1/webhooks?limit=2&cursor=\(cursor)"))
            #expect(second.data.count == 2)
            #expect(second.next_cursor == nil)
        }
    }

    // MARK: One webhook

    @Test func entryHasRedactedHeadersAndTheExactBody() async throws {
        try await withHub { client in
            let webhook = Webhooks.asaas(
                id: "evt_detail",
                extraHeaders: [.authorization: "Bearer provider-credential", HTTPField.Name("X-Custom-Trace")!: "trace-42"])
            let ack = try decode(Acknowledgement.self, try await client.send(webhook))

            let response = try await client.admin("/api/v1/webhooks/\(ack.id)")
            #expect(response.status == .ok)
            let detail = try decode(WebhookDetail.self, response)
            #expect(detail.id == ack.id)
            #expect(detail.provider == "asaas")
            #expect(detail.event_id == "evt_detail")
            #expect(detail.event_type == "PAYMENT_RECEIVED")
            #expect(detail.status == "processing")
            #expect(detail.body == String(decoding: webhook.body, as: UTF8.self))
            #expect(detail.body_base64 == nil)
            #expect(detail.headers["authorization"] == "[redacted]")
            #expect(detail.headers["asaas-access-token"] == "[redacted]")
            #expect(detail.headers["x-custom-trace"] == "trace-42")
            #expect(detail.headers["content-type"] == "application/json")

            let raw = String(buffer: response.body)
            #expect(!raw.contains(Fixture.asaasToken))
            #expect(!raw.contains("provider-credential"))
        }
    }

    @Test func entryWithNonUTF8BodyComesBackAsBase64() async throws {
        try await withHub { client in
            // Mailchimp does not parse as JSON, so any bytes verify.
            let body: [UInt8] = Array("type=subscribe&data%5Bid%5D=".utf8) + [0xFF, 0xFE, 0x80]
            let webhook = Webhook(
                uri: "/webhooks/mailchimp?secret=\(Fixture.mailchimpSecret)",
                headers: [.contentType: "application/x-www-form-urlencoded"], body: body)
            let ack = try decode(Acknowledgement.self, try await client.send(webhook))

            let detail = try decode(WebhookDetail.self, try await client.admin("/api/v1/webhooks/\(ack.id)"))
            #expect(detail.body == nil)
            #expect(detail.body_base64.flatMap { Data(base64Encoded: $0) } == Data(body))
        }
    }

    @Test func unknownIDIsNotFound() async throws {
        try await withHub { client in
            _ = try await client.send(Webhooks.stripe(id: "evt_1"))
            expectError(
                try await client.admin("/api/v1/webhooks/wh_01ARYZ6S4128T028T5CY4TQKFF"), .notFound, "WEBHOOK_NOT_FOUND")
        }
    }
}

// MARK: Hand-made tokens

/// Tokens Ponte never issues, built by hand to probe the verifier.
enum Tokens {
    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func payload(role: String, exp: Int = Fixture.nowSeconds + 3600) -> String {
        base64URL(Array(#"{"exp":\#(exp),"iat":\#(Fixture.nowSeconds),"role":"\#(role)","sub":"attacker"}"#.utf8))
    }

    /// `alg: none` with an empty signature.
    static func unsigned(role: String) -> String {
        base64URL(Array(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + payload(role: role) + "."
    }

    /// `header` over a valid-looking payload, with a random signature.
    static func withHeader(_ header: String, role: String) -> String {
        base64URL(Array(header.utf8)) + "." + payload(role: role) + "." + base64URL((0..<64).map { _ in UInt8.random(in: 0...255) })
    }

    /// `token` with its payload's role replaced, keeping the original signature.
    static func tamperedRole(_ token: String, to role: String) -> String {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        return parts[0] + "." + payload(role: role) + "." + parts[2]
    }
}
