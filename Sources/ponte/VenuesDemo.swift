import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import PonteSandbox

/// The venues demo: a venue connects Stripe (API key) and Square, Mailchimp and QuickBooks
/// (OAuth, each round trip shown hop by hop), one token is refreshed, one connection is
/// disconnected, and the audit log shows who did what.
struct VenuesDemo: DemoDriver {
    let hub: String
    let sandbox: String
    let token: String
    let started = ContinuousClock.now

    static let venue = "teatro-municipal"

    func run() async throws {
        say("Ponte venue integrations, on the sandbox (hub \(hub), simulated providers \(sandbox))")
        let venue = try await post("/api/v1/venues", ["id": Self.venue, "name": "Theatro Municipal", "venue_type": "theatre"])
        say("venue \(venue["id"]!) \"\(venue["name"]!)\" registered (by an admin; the venue's own users get `ponte token create --role venue_admin --venue \(Self.venue)`)")

        section("1. Stripe, by API key: tested against Stripe, then kept encrypted")
        let stripe = try await post(
            "/api/v1/integrations/connect/stripe",
            ["venue_id": Self.venue, "credentials": ["api_key": SandboxCredentials.defaults.stripeSecretKey], "config": ["sync_interval": 600]])
        let integration = (stripe["data"] as? JSON)?["integration"] as? JSON ?? [:]
        say("POST /api/v1/integrations/connect/stripe → \(integration["status"]!), account \((integration["account"] as? JSON)?["id"] ?? "?")")

        let browser = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: .init(redirectConfiguration: .disallow))
        do {
            for (number, provider) in ["square", "mailchimp", "quickbooks"].enumerated() {
                section("\(number + 2). \(provider), by OAuth 2.0")
                try await connectByOAuth(provider, browser)
            }
            try await browser.shutdown()
        } catch {
            try? await browser.shutdown()
            throw error
        }

        section("5. The venue's integrations")
        try await showIntegrations()

        section("6. QuickBooks' token refreshed now (Intuit rotates the refresh token; the newest is kept)")
        let refreshed = try await post("/api/v1/integrations/oauth/refresh/quickbooks", ["venue_id": Self.venue])
        let data = refreshed["data"] as? JSON ?? [:]
        say("POST /api/v1/integrations/oauth/refresh/quickbooks → expires \(data["token_expires_at"] ?? "?"), refreshed \(data["refresh_count"] ?? 0) time(s)")
        say("(each OAuth token is also refreshed by a job at its expiry minus 5 minutes)")

        section("7. Mailchimp disconnected: its token deleted from the vault")
        let disconnected = try await post("/api/v1/integrations/mailchimp/disconnect", ["venue_id": Self.venue])
        say("POST /api/v1/integrations/mailchimp/disconnect → \(disconnected["message"]!)")
        try await showIntegrations()

        section("8. The audit log")
        let audit = try await get("/api/v1/integrations/audit?venue_id=\(Self.venue)")["data"] as? [JSON] ?? []
        for entry in audit.reversed() {
            let provider = (entry["provider"] as? String).map { " \($0)" } ?? ""
            say("\(entry["at"]!)  \(entry["action"]!)\(provider) by \(entry["actor"]!) (\(entry["role"]!)) from \(entry["address"] as? String ?? "-"): \(entry["outcome"]!)")
        }
    }

    private func connectByOAuth(_ provider: String, _ browser: HTTPClient) async throws {
        let start = try await post("/api/v1/integrations/connect/\(provider)", ["venue_id": Self.venue])
        let authURL = (start["data"] as? JSON)?["auth_url"] as? String ?? ""
        say("POST /api/v1/integrations/connect/\(provider) → auth_url \(Self.short(authURL))")
        let approval = try await browser.execute(HTTPClientRequest(url: authURL), timeout: .seconds(20))
        guard let callback = approval.headers.first(name: "Location") else {
            throw DemoFailure(message: "\(provider)'s authorization page answered \(approval.status.code) without sending the browser back")
        }
        say("the venue's manager approves at \(provider) → \(approval.status.code), back to \(Self.short(callback))")
        var request = HTTPClientRequest(url: callback)
        request.headers.add(name: "Accept", value: "application/json")
        let answer = try await send(request, "GET the OAuth callback")
        say("the hub checks the state, exchanges the code, keeps the tokens encrypted → \((answer["data"] as? JSON)?["status"] ?? "?")")
    }

    private func showIntegrations() async throws {
        let list = try await get("/api/v1/integrations?venue_id=\(Self.venue)")["data"] as? [JSON] ?? []
        for item in list {
            let account = (item["account"] as? JSON)?["id"] as? String ?? "-"
            let expires = (item["token_expires_at"] as? String).map { ", token until \($0)" } ?? ""
            say("  \(item["integration_type"]!): \(item["status"]!) (\(item["auth_type"]!)), account \(account)\(expires)")
        }
    }

    static func short(_ url: String) -> String { url.count > 110 ? String(url.prefix(107)) + "…" : url }
}
