import Foundation
import HTTPTypes
import NIOCore
import PonteJobs
import PonteSandbox
import PonteStore
import Testing

@testable import PonteServer

/// Venue integrations through the HTTP API beside the sandbox: venues and their users' roles,
/// Stripe connected by an API key tested against (simulated) Stripe and kept encrypted in the
/// vault, disconnection, and the audit log; on SQLite and PostgreSQL.
@Suite struct VenuesFlowTests {
    static func token(_ role: String, venue: String?, subject: String = "ana@teatro") -> String {
        Fixture.tokens.issue(role: role, subject: subject, venueID: venue, now: Fixture.now, lifetime: 365 * 86_400)
    }

    static let stripeKey = SandboxCredentials.defaults.stripeSecretKey

    @Test(arguments: HubDatabase.available)
    func venuesAndRolesKeepEachVenueToItself(backend: HubDatabase) async throws {
        try await withHubHarness(backend) { hub in
            // Registered by an admin; refused with what is wrong, nothing stored.
            expectError(try await hub.call(.post, "/api/v1/venues", json: #"{"id": "teatro sp", "name": "Teatro"}"#), .badRequest, "INVALID_FIELD")
            expectError(try await hub.call(.post, "/api/v1/venues", json: #"{"venue_type": "theatre"}"#), .badRequest, "INVALID_FIELD")
            expectError(
                try await hub.call(.post, "/api/v1/venues", json: #"{"name": "Teatro", "webhook_url": "ftp://x"}"#), .badRequest, "INVALID_FIELD")
            expectError(try await hub.call(.post, "/api/v1/venues", json: #"{"name": "#), .badRequest, "INVALID_JSON")
            let teatro = try await hub.object(
                .post, "/api/v1/venues",
                json: #"{"id": "teatro-sp", "name": "Teatro Municipal", "venue_type": "theatre", "webhook_url": "https://teatro.example/ponte"}"#)
            #expect(teatro["id"] as? String == "teatro-sp")
            #expect(teatro["venue_type"] as? String == "theatre")
            expectError(try await hub.call(.post, "/api/v1/venues", json: #"{"id": "teatro-sp", "name": "Outro"}"#), .conflict, "VENUE_EXISTS")
            hub.clock.advance(by: .seconds(1))
            let casa = try await hub.object(.post, "/api/v1/venues", json: #"{"name": "Casa de Shows Norte"}"#)
            let casaID = try #require(casa["id"] as? String)
            #expect(UUID(uuidString: casaID) != nil, "an id is generated when absent: \(casaID)")

            // Newest first, a page at a time.
            let first = try await hub.object(.get, "/api/v1/venues?limit=1")
            #expect(((first["data"] as? [[String: Any]])?.first?["id"] as? String) == casaID)
            let cursor = try #require(first["next_cursor"] as? String)
            let second = try await hub.object(.get, "/api/v1/venues?limit=1&cursor=\(cursor)")
            #expect(((second["data"] as? [[String: Any]])?.first?["id"] as? String) == "teatro-sp")

            // A venue's users see their venue only; another venue and no venue look the same.
            let venueAdmin = Self.token("venue_admin", venue: "teatro-sp")
            let user = Self.token("user", venue: "teatro-sp", subject: "bia@teatro")
            #expect(try await hub.object(.get, "/api/v1/venues/teatro-sp", token: user)["name"] as? String == "Teatro Municipal")
            #expect(try await hub.object(.get, "/api/v1/integrations?venue_id=teatro-sp", token: user)["success"] as? Bool == true)
            let other = try await hub.call(.get, "/api/v1/integrations?venue_id=\(casaID)", token: venueAdmin)
            let missing = try await hub.call(.get, "/api/v1/integrations?venue_id=no-such-venue", token: venueAdmin)
            expectError(other, .forbidden, "VENUE_FORBIDDEN")
            expectError(missing, .forbidden, "VENUE_FORBIDDEN")
            #expect(String(buffer: other.body) == String(buffer: missing.body), "another venue and no venue answer alike")
            expectError(try await hub.call(.get, "/api/v1/venues/\(casaID)", token: venueAdmin), .forbidden, "VENUE_FORBIDDEN")
            expectError(try await hub.call(.get, "/api/v1/integrations", token: venueAdmin), .badRequest, "VENUE_ID_REQUIRED")
            // A user reads; changing needs venue_admin; other roles, and venue routes for admins, are refused.
            expectError(
                try await hub.call(
                    .post, "/api/v1/integrations/connect/stripe", json: #"{"venue_id": "teatro-sp", "credentials": {"api_key": "\#(Self.stripeKey)"}}"#,
                    token: user), .forbidden, "VENUE_FORBIDDEN")
            expectError(try await hub.call(.get, "/api/v1/integrations?venue_id=teatro-sp", token: Self.token("kiosk", venue: nil)), .forbidden, "VENUE_FORBIDDEN")
            expectError(try await hub.call(.get, "/api/v1/venues", token: venueAdmin), .forbidden, "FORBIDDEN")
            expectError(try await hub.call(.post, "/api/v1/venues", json: #"{"name": "X"}"#, token: venueAdmin), .forbidden, "FORBIDDEN")
            expectError(try await hub.call(.get, "/api/v1/integrations?venue_id=nope"), .notFound, "VENUE_NOT_FOUND")

            let renamed = try await hub.object(.patch, "/api/v1/venues/teatro-sp", json: #"{"name": "Theatro Municipal", "webhook_url": ""}"#)
            #expect(renamed["name"] as? String == "Theatro Municipal")
            #expect(renamed["webhook_url"] == nil || renamed["webhook_url"] is NSNull)
            expectError(try await hub.call(.patch, "/api/v1/venues/nope", json: #"{"name": "X"}"#), .notFound, "VENUE_NOT_FOUND")
            #expect(try await hub.call(.delete, "/api/v1/venues/\(casaID)").status == .noContent)
            expectError(try await hub.call(.get, "/api/v1/venues/\(casaID)"), .notFound, "VENUE_NOT_FOUND")
        }
    }

    @Test(arguments: HubDatabase.available)
    func stripeConnectsWithAKeyThatWorksAndKeepsNothingOfOneThatDoesNot(backend: HubDatabase) async throws {
        try await withHubHarness(backend) { hub in
            _ = try await hub.object(.post, "/api/v1/venues", json: #"{"id": "teatro-sp", "name": "Teatro Municipal", "venue_type": "theatre"}"#)
            let token = Self.token("venue_admin", venue: "teatro-sp")
            func connect(_ key: String, config: String = "{}") async throws -> HubResponse {
                try await hub.call(
                    .post, "/api/v1/integrations/connect/stripe",
                    json: #"{"venue_id": "teatro-sp", "credentials": {"api_key": "\#(key)"}, "config": \#(config)}"#, token: token)
            }
            func storedCredentials() async throws -> Int64 {
                try await hub.database.read("SELECT COUNT(*) AS n FROM vault_secrets", []).first?.integer(0) ?? -1
            }

            // A key Stripe refuses: 401, nothing stored, the attempt audited.
            expectError(try await connect("sk_test_not_this_one"), .unauthorized, "CONNECTION_TEST_FAILED")
            expectError(
                try await hub.call(.get, "/api/v1/integrations/stripe?venue_id=teatro-sp", token: token), .notFound, "INTEGRATION_NOT_FOUND")
            #expect(try await storedCredentials() == 0)
            expectError(try await connect("pk_test_publishable"), .badRequest, "INVALID_FIELD")
            expectError(try await connect(Self.stripeKey, config: #"{"sync_interval": 5}"#), .badRequest, "INVALID_FIELD")
            expectError(
                try await hub.call(.post, "/api/v1/integrations/connect/stripe", json: #"{"venue_id": "teatro-sp"}"#, token: token), .badRequest,
                "CREDENTIALS_REQUIRED")
            expectError(
                try await hub.call(.post, "/api/v1/integrations/connect/paypal", json: #"{"venue_id": "teatro-sp"}"#, token: token), .badRequest,
                "UNKNOWN_PROVIDER")

            // Validation tests a key and keeps nothing.
            let bad = try await hub.object(
                .post, "/api/v1/integrations/stripe/api-key", json: #"{"venue_id": "teatro-sp", "api_key": "sk_test_not_this_one"}"#, token: token)
            #expect((bad["data"] as? [String: Any])?["valid"] as? Bool == false)
            let good = try await hub.object(
                .post, "/api/v1/integrations/stripe/api-key", json: #"{"venue_id": "teatro-sp", "api_key": "\#(Self.stripeKey)"}"#, token: token)
            #expect((good["data"] as? [String: Any])?["valid"] as? Bool == true)
            #expect(try await storedCredentials() == 0)

            // A key that works: connected, the account shown, the key in the vault and nowhere in clear.
            let connected = try await connect(Self.stripeKey, config: #"{"sync_interval": 600, "sync_direction": "inbound"}"#)
            #expect(connected.status == .ok, "\(String(buffer: connected.body))")
            let answer = try #require(try JSONSerialization.jsonObject(with: Data(connected.body.readableBytesView)) as? [String: Any])
            let integration = try #require((answer["data"] as? [String: Any])?["integration"] as? [String: Any])
            #expect(integration["status"] as? String == "connected")
            #expect((integration["account"] as? [String: Any])?["id"] as? String == "acct_1PonteSandbox00")
            #expect((integration["config"] as? [String: Any])?["sync_interval"] as? Int == 600)
            #expect(!String(buffer: connected.body).contains(Self.stripeKey), "the key is never shown back")
            #expect(try await storedCredentials() == 1)
            let connectionID = try #require(integration["id"] as? String)
            let (ring, _) = try hubConfiguration(hub).vaultKeyRing()
            let vault = Vault(ring: ring, database: hub.database, logger: quietLogger)
            #expect(try await vault.getString(owner: "venues/\(connectionID)", name: "api_key") == Self.stripeKey)
            let listed = try await hub.object(.get, "/api/v1/integrations?venue_id=teatro-sp", token: Self.token("user", venue: "teatro-sp"))
            #expect((listed["data"] as? [[String: Any]])?.map { $0["integration_type"] as? String } == ["stripe"])
            let tested = try await hub.object(.post, "/api/v1/integrations/stripe/test", json: #"{"venue_id": "teatro-sp"}"#, token: token)
            #expect((tested["data"] as? [String: Any])?["ok"] as? Bool == true, "the stored key still works: \(tested)")
            try await expectNotInDatabase(Self.stripeKey, hub)

            // Disconnected: the credentials are gone.
            let disconnected = try await hub.object(
                .post, "/api/v1/integrations/stripe/disconnect", json: #"{"venue_id": "teatro-sp"}"#, token: token)
            #expect((disconnected["data"] as? [String: Any])?["status"] as? String == "disconnected")
            #expect(try await storedCredentials() == 0)
            expectError(
                try await hub.call(.post, "/api/v1/integrations/square/disconnect", json: #"{"venue_id": "teatro-sp"}"#, token: token), .notFound,
                "INTEGRATION_NOT_FOUND")

            // Every action is in the audit log, newest first, with who, from where and how it ended.
            let audit = try await hub.object(.get, "/api/v1/integrations/audit?venue_id=teatro-sp", token: token)
            let entries = try #require(audit["data"] as? [[String: Any]])
            #expect(entries.map { "\($0["action"]!) \($0["outcome"]!)" } == [
                "disconnect succeeded", "connect succeeded", "api_key.validate succeeded", "api_key.validate failed", "connect failed",
                "venue.create succeeded",
            ])
            #expect(entries[0]["actor"] as? String == "ana@teatro")
            #expect(entries[0]["role"] as? String == "venue_admin")
            #expect(entries[0]["address"] as? String == "127.0.0.1")
            #expect(entries[4]["detail"] as? String ?? "" != "", "a failure says why")
        }
    }

    /// The credential's bytes appear nowhere in the database: neither in the SQLite file and its
    /// write-ahead log, nor in a dump of the PostgreSQL database (pg_dump, data and schema).
    func expectNotInDatabase(_ secret: String, _ hub: HubHarness) async throws {
        if let postgres = hub.database as? PostgresStore {
            let url = postgres.url
            let dump = try #require(
                (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.sorted().last
                    .map { "/usr/lib/postgresql/\($0)/bin/pg_dump" }, "pg_dump is installed with PostgreSQL")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: dump)
            process.arguments = ["-h", url.host, "-p", String(url.port), "-U", url.username, "--no-password", url.database]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let bytes = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            #expect(String(decoding: bytes, as: UTF8.self).contains("vault_secrets"), "the dump holds the vault's table")
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "the PostgreSQL dump holds the credential in clear")
            return
        }
        try await expectNotInDatabaseFiles(secret, hub)
    }

    /// The credential's bytes appear in neither the SQLite file nor its write-ahead log.
    func expectNotInDatabaseFiles(_ secret: String, _ hub: HubHarness) async throws {
        let rows = try await hub.database.read("PRAGMA database_list", [])
        let path = try #require(rows.first?.text(2))
        let needle = Data(secret.utf8)
        var scanned = 0
        for file in [path, path + "-wal"] {
            guard let bytes = FileManager.default.contents(atPath: file) else { continue }
            scanned += bytes.count
            #expect(bytes.range(of: needle) == nil, "\(file) holds the credential in clear")
        }
        #expect(scanned > 0)
    }

    func hubConfiguration(_ hub: HubHarness) throws -> HubConfiguration {
        var configuration = HubConfiguration()
        configuration.dataDirectory = hub.dataDirectory
        return configuration
    }
}
