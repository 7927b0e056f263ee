import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOPosix
import PonteJobs
import PonteProviders
import PonteSandbox
import PonteStore
import Synchronization
import Testing

@testable import PonteServer

/// Venues connecting Square, QuickBooks and Mailchimp by OAuth 2.0 against the sandbox's OAuth
/// servers, over HTTP: the authorization URL, the browser's round trip, the state used once,
/// the tokens in the vault, refreshes (asked for, and the job at expiry minus 5 minutes),
/// refusals, three failed refreshes putting the connection in `error`, revocation on
/// disconnect; on SQLite and PostgreSQL, on the harness's clock (the sandbox's too).
@Suite struct VenuesOAuthTests {
    /// A browser that does not follow redirects, so the test sees each hop.
    static func withBrowser<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
        let browser = HTTPClient(
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
        do {
            let result = try await body(browser)
            try await browser.shutdown()
            return result
        } catch {
            try? await browser.shutdown()
            throw error
        }
    }

    /// GETs `url`; its status, `Location` and body.
    static func visit(_ browser: HTTPClient, _ url: String, accept: String = "application/json") async throws -> (status: Int, location: String?, body: [String: Any]) {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: accept)
        let response = try await browser.execute(request, timeout: .seconds(20))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let object = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any] ?? [:]
        return (Int(response.status.code), response.headers.first(name: "Location"), object)
    }

    static func venue(_ hub: HubHarness, _ id: String) async throws -> String {
        _ = try await hub.object(.post, "/api/v1/venues", json: #"{"id": "\#(id)", "name": "Venue \#(id)"}"#)
        return VenuesFlowTests.token("venue_admin", venue: id)
    }

    /// Starts a connection and walks the browser to the provider and back; returns the
    /// callback URL (already used) and its answer.
    static func authorize(
        _ hub: HubHarness, _ browser: HTTPClient, venue: String, provider: String, token: String
    ) async throws -> (callback: String, answer: [String: Any]) {
        let started = try await hub.object(.post, "/api/v1/integrations/connect/\(provider)", json: #"{"venue_id": "\#(venue)"}"#, token: token)
        let authURL = try #require((started["data"] as? [String: Any])?["auth_url"] as? String)
        #expect(authURL.hasPrefix(hub.sandboxURL + "/\(provider)/"), "\(authURL)")
        #expect(authURL.contains("state="))
        let approval = try await visit(browser, authURL, accept: "text/html")
        #expect(approval.status == 302, "the provider sends the browser back: \(approval)")
        let callback = try #require(approval.location)
        #expect(callback.hasPrefix(hub.baseURL + "/api/v1/integrations/oauth/callback/\(provider)?"), "\(callback)")
        let answer = try await visit(browser, callback)
        #expect(answer.status == 200, "\(answer.body)")
        return (callback, (answer.body["data"] as? [String: Any]) ?? [:])
    }

    static func report(_ hub: HubHarness, _ provider: String) async throws -> [String: Any] {
        try await Self.withBrowser { try await visit($0, "\(hub.sandboxURL)/_sandbox/\(provider)/oauth").body }
    }

    static func integration(_ hub: HubHarness, venue: String, provider: String) async throws -> [String: Any] {
        let answer = try await hub.object(.get, "/api/v1/integrations/\(provider)?venue_id=\(venue)")
        return try #require(answer["data"] as? [String: Any])
    }

    @Test(arguments: HubDatabase.available)
    func squareConnectsByOAuthOnceAndIsRefreshedBeforeItsTokenExpires(backend: HubDatabase) async throws {
        try await withHubHarness(backend) { hub in
            let token = try await Self.venue(hub, "arena-norte")
            try await Self.withBrowser { browser in
                let (callback, answer) = try await Self.authorize(hub, browser, venue: "arena-norte", provider: "square", token: token)
                #expect(answer["status"] as? String == "connected")
                let connection = try await Self.integration(hub, venue: "arena-norte", provider: "square")
                #expect(connection["status"] as? String == "connected")
                #expect((connection["account"] as? [String: Any])?["id"] as? String == "MLPONTESANDBOX")
                let expires = try #require(connection["token_expires_at"] as? String)
                #expect(expires.hasPrefix("2025-07-15"), "Square's 30 days from 2025-06-15: \(expires)")
                let id = try #require(connection["id"] as? String)

                // The token works: the connection test reaches Square's ListLocations with it.
                let tested = try await hub.object(.post, "/api/v1/integrations/square/test", json: #"{"venue_id": "arena-norte"}"#, token: token)
                #expect((tested["data"] as? [String: Any])?["ok"] as? Bool == true, "\(tested)")

                // The state works once; a missing or unknown one is refused.
                expectError(try await hub.call(.get, String(callback.dropFirst(hub.baseURL.count)), token: nil), .unauthorized, "OAUTH_STATE_INVALID")
                expectError(try await hub.call(.get, "/api/v1/integrations/oauth/callback/square?code=x", token: nil), .badRequest, "OAUTH_STATE_REQUIRED")
                expectError(
                    try await hub.call(.get, "/api/v1/integrations/oauth/callback/square?code=x&state=forged", token: nil), .unauthorized,
                    "OAUTH_STATE_INVALID")

                // The tokens are in the vault, encrypted.
                let (ring, _) = try VenuesFlowTests().hubConfiguration(hub).vaultKeyRing()
                let vault = Vault(ring: ring, database: hub.database, logger: quietLogger)
                let access = try #require(try await vault.getString(owner: "venues/\(id)", name: "access_token"))
                #expect(try await vault.getString(owner: "venues/\(id)", name: "refresh_token") != nil)
                try await VenuesFlowTests().expectNotInDatabase(access, hub)

                // A refresh asked for reaches Square once and replaces the access token.
                _ = try await hub.object(.post, "/api/v1/integrations/oauth/refresh/square", json: #"{"venue_id": "arena-norte"}"#, token: token)
                #expect(((try await Self.report(hub, "square"))["token_requests"] as? [String: Any])?["refresh_token"] as? Int == 1)
                let refreshed = try #require(try await vault.getString(owner: "venues/\(id)", name: "access_token"))
                #expect(refreshed != access)

                // Nothing is due before expiry minus 5 minutes; then the job refreshes it.
                hub.clock.advance(by: .seconds(30 * 86_400 - 6 * 60))
                try await hub.run()
                #expect(((try await Self.report(hub, "square"))["token_requests"] as? [String: Any])?["refresh_token"] as? Int == 1)
                try await hub.advance(.seconds(2 * 60))
                #expect(((try await Self.report(hub, "square"))["token_requests"] as? [String: Any])?["refresh_token"] as? Int == 2)
                let after = try await Self.integration(hub, venue: "arena-norte", provider: "square")
                #expect(after["refresh_count"] as? Int == 2)
                #expect((after["token_expires_at"] as? String ?? "") > expires)

                // Disconnecting revokes the token at Square and deletes it here.
                let grants = try #require((try await Self.report(hub, "square"))["active_grants"] as? Int)
                _ = try await hub.object(.post, "/api/v1/integrations/square/disconnect", json: #"{"venue_id": "arena-norte"}"#, token: token)
                #expect((try await Self.report(hub, "square"))["active_grants"] as? Int == grants - 1)
                #expect(try await vault.getString(owner: "venues/\(id)", name: "access_token") == nil)
                let audit = try await hub.object(.get, "/api/v1/integrations/audit?venue_id=arena-norte", token: token)
                #expect((audit["data"] as? [[String: Any]])?.compactMap { $0["action"] as? String } == [
                    "disconnect", "oauth.refresh", "oauth.refresh", "oauth.callback", "connect", "venue.create",
                ])
            }
        }
    }

    /// What a venue's notice endpoint received.
    final class Received: Sendable {
        let requests = Mutex<[(headers: HTTPFields, body: [UInt8])]>([])
    }

    /// A venue's server on loopback that takes notices (answers 204), while `body` runs.
    static func withNoticeReceiver(_ body: (_ url: String, _ received: Received) async throws -> Void) async throws {
        let received = Received()
        let router = Router()
        router.post("notices") { request, _ -> HTTPResponse.Status in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            received.requests.withLock { $0.append((request.headers, Array(bytes.readableBytesView))) }
            return .noContent
        }
        let (ports, port) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { port.yield($0.localAddress?.port ?? 0) }, logger: quietLogger)
        try await serving(app, trace: HarnessTrace(label: "notice receiver"), whenStopped: { port.finish() }) {
            var iterator = ports.makeAsyncIterator()
            let listening = try #require(await iterator.next())
            try await body("http://127.0.0.1:\(listening)/notices", received)
        }
    }

    @Test(arguments: HubDatabase.available)
    func aDeniedAuthorizationEndsCleanlyAndThreeFailedRefreshesAreAnError(backend: HubDatabase) async throws {
        try await withHubHarness(backend) { hub in
          try await Self.withNoticeReceiver { noticeURL, received in
            let created = try await hub.object(
                .post, "/api/v1/venues", json: #"{"id": "teatro-sul", "name": "Teatro Sul", "webhook_url": "\#(noticeURL)"}"#)
            let secret = try #require(created["webhook_secret"] as? String, "the notice secret is shown once, at creation")
            #expect(secret.hasPrefix("whsec_"))
            #expect(try await hub.object(.get, "/api/v1/venues/teatro-sul")["webhook_secret"] == nil, "and never again")
            let token = VenuesFlowTests.token("venue_admin", venue: "teatro-sul")
            try await Self.withBrowser { browser in
                // The venue's user says no at QuickBooks.
                _ = try await Self.withBrowser { control in
                    var request = HTTPClientRequest(url: "\(hub.sandboxURL)/_sandbox/quickbooks/oauth/deny-next")
                    request.method = .POST
                    return try await control.execute(request, timeout: .seconds(10)).status
                }
                let (_, denied) = try await Self.authorize(hub, browser, venue: "teatro-sul", provider: "quickbooks", token: token)
                #expect(denied["status"] as? String == "failed")
                #expect(denied["reason"] as? String == "access_denied")
                #expect(try await Self.integration(hub, venue: "teatro-sul", provider: "quickbooks")["status"] as? String == "disconnected")

                // Connected; then the company removes the app, and refreshes fail.
                let (_, answer) = try await Self.authorize(hub, browser, venue: "teatro-sul", provider: "quickbooks", token: token)
                #expect(answer["status"] as? String == "connected")
                let connection = try await Self.integration(hub, venue: "teatro-sul", provider: "quickbooks")
                #expect((connection["account"] as? [String: Any])?["id"] as? String == "9130350000000001", "the realmId of the callback")
                let id = try #require(connection["id"] as? String)
                let (ring, _) = try VenuesFlowTests().hubConfiguration(hub).vaultKeyRing()
                let vault = Vault(ring: ring, database: hub.database, logger: quietLogger)
                let refresh = try #require(try await vault.getString(owner: "venues/\(id)", name: "refresh_token"))
                // Intuit rotates the refresh token: the newest is the one kept.
                _ = try await hub.object(.post, "/api/v1/integrations/oauth/refresh/quickbooks", json: #"{"venue_id": "teatro-sul"}"#, token: token)
                let rotated = try #require(try await vault.getString(owner: "venues/\(id)", name: "refresh_token"))
                #expect(rotated != refresh)

                _ = try await Self.withBrowser { control in
                    var request = HTTPClientRequest(url: "\(hub.sandboxURL)/_sandbox/quickbooks/oauth/tokens/revoke")
                    request.method = .POST
                    request.body = .bytes(ByteBuffer(string: #"{"token": "\#(rotated)"}"#))
                    return try await control.execute(request, timeout: .seconds(10)).status
                }
                let dead = try await hub.object(.post, "/api/v1/integrations/quickbooks/test", json: #"{"venue_id": "teatro-sul"}"#, token: token)
                #expect((dead["data"] as? [String: Any])?["ok"] as? Bool == false, "the revoked token fails CompanyInfo: \(dead)")
                #expect(try await Self.integration(hub, venue: "teatro-sul", provider: "quickbooks")["health_status"] as? String == "unhealthy")
                for attempt in 1...3 {
                    expectError(
                        try await hub.call(.post, "/api/v1/integrations/quickbooks/reconnect", json: #"{"venue_id": "teatro-sul"}"#, token: token),
                        .badRequest, "RECONNECT_REQUIRED")
                    let status = try await Self.integration(hub, venue: "teatro-sul", provider: "quickbooks")["status"] as? String
                    #expect(status == (attempt < 3 ? "connected" : "error"), "after \(attempt) failed refreshes")
                }
                let events = try await hub.streamEvents(path: "/api/v1/streams/venue:teatro-sul/events")
                #expect(events.map(\.type) == ["INTEGRATION_ERROR"])
                #expect(events.first?.data["provider"] as? String == "quickbooks")

                // The venue's server is told, signed as Standard Webhooks with the venue's secret.
                try await hub.run()
                let notices = received.requests.withLock { $0 }
                #expect(notices.count == 1)
                let notice = try #require(notices.first)
                let messageID = try #require(notice.headers[HTTPField.Name("webhook-id")!])
                let timestamp = try #require(notice.headers[HTTPField.Name("webhook-timestamp")!].flatMap { Int($0) })
                let expected = try StandardWebhookSignature.signature(secret: secret, id: messageID, timestamp: timestamp, body: notice.body)
                #expect(notice.headers[HTTPField.Name("webhook-signature")!] == expected)
                let body = try #require(try JSONSerialization.jsonObject(with: Data(notice.body)) as? [String: Any])
                #expect(body["type"] as? String == "integration.error")
                #expect((body["data"] as? [String: Any])?["provider"] as? String == "quickbooks")
            }
          }
        }
    }

    @Test(arguments: HubDatabase.available)
    func mailchimpTokensNeverExpireAndNeedNoRefresh(backend: HubDatabase) async throws {
        try await withHubHarness(backend) { hub in
            let token = try await Self.venue(hub, "bar-centro")
            try await Self.withBrowser { browser in
                let (_, answer) = try await Self.authorize(hub, browser, venue: "bar-centro", provider: "mailchimp", token: token)
                #expect(answer["status"] as? String == "connected")
                let connection = try await Self.integration(hub, venue: "bar-centro", provider: "mailchimp")
                #expect((connection["account"] as? [String: Any])?["id"] as? String == "us6", "the data centre from the metadata call")
                #expect(connection["token_expires_at"] == nil || connection["token_expires_at"] is NSNull, "expires_in 0 is never")
                let jobs = try await hub.database.read("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'venues.oauth.refresh'", [])
                #expect(jobs.first?.integer(0) == 0)
            }
        }
    }
}
