import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PonteServer
import PonteStore
import Testing

/// `/health`, `/ready`, `/metrics`, request ids and the shape of every error.
@Suite struct OperationsTests {
    static let requestID = HTTPField.Name("X-Request-Id")!

    @Test func healthIsOK() async throws {
        try await withHub { client in
            let response = try await client.execute(uri: "/health", method: .get)
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
        }
    }

    @Test func readyOnceEveryMigrationIsApplied() async throws {
        try await withHub { client in
            let response = try await client.execute(uri: "/ready", method: .get)
            #expect(response.status == .ok)
            let object = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
            #expect(object?["status"] as? String == "ready")
            #expect(object?["database"] as? String == "sqlite")
            #expect(object?.keys.sorted() == ["database", "status"])
        }
    }

    @Test func metricsCountWebhooksByProviderAndOutcomeAndTimeRequestsAndCommits() async throws {
        try await withHub { client in
            _ = try await client.send(Webhooks.stripe(id: "evt_1"))
            _ = try await client.send(Webhooks.stripe(id: "evt_1"))
            _ = try await client.send(Webhooks.stripe(id: "evt_2", secret: "whsec_wrong"))
            _ = try await client.send(try Webhooks.valid("ifood"))

            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            let lines = String(buffer: response.body).split(separator: "\n").map(String.init)

            func sample(_ name: String, _ labels: [String]) -> Double? {
                let line = lines.first { line in
                    (line.hasPrefix(name + "{") || line.hasPrefix(name + " ")) && labels.allSatisfy { line.contains($0) }
                }
                return line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
            }
            #expect(sample("ponte_webhooks_received_total", [#"provider="stripe""#, #"outcome="accepted""#]) == 1)
            #expect(sample("ponte_webhooks_received_total", [#"provider="stripe""#, #"outcome="duplicate""#]) == 1)
            #expect(sample("ponte_webhooks_received_total", [#"provider="stripe""#, #"outcome="signature_invalid""#]) == 1)
            #expect(sample("ponte_webhooks_received_total", [#"provider="ifood""#, #"outcome="accepted""#]) == 1)
            #expect(lines.contains { $0.hasPrefix("ponte_http_request_duration_seconds_bucket{") })
            #expect(lines.contains { $0.hasPrefix("ponte_http_request_duration_seconds_count{") && $0.contains(#"status="401""#) })
            #expect(lines.contains { $0.hasPrefix("ponte_db_commit_seconds_count") })
            #expect(lines.contains { $0.hasPrefix("ponte_db_commit_batch_rows_count") })
            // Two rows were written: stripe evt_1 and the ifood event (the replay wrote nothing).
            #expect(sample("ponte_db_commit_batch_rows_sum", []) == 2)
        }
    }

    @Test func everyResponseCarriesARequestID() async throws {
        try await withHub { client in
            let ok = try await client.execute(uri: "/health", method: .get)
            let error = try await client.admin("/api/v1/webhooks", token: nil)
            let webhook = try await client.send(Webhooks.stripe(id: "evt_1"))

            let ids = [ok, error, webhook].map { $0.headers[Self.requestID] }
            #expect(ids.allSatisfy { $0?.isEmpty == false })
            #expect(Set(ids.compactMap { $0 }).count == 3)
        }
    }

    @Test func unknownRouteIsNotFoundInTheErrorShape() async throws {
        try await withHub { client in
            let response = try await client.execute(uri: "/no/such/route", method: .get)
            expectError(response, .notFound, "NOT_FOUND")
            #expect(response.headers[Self.requestID] != nil)
        }
    }

    @Test func invalidConfigurationIsRefusedBeforeStarting() async throws {
        await #expect(throws: ConfigurationError.self) {
            try await withHub(configure: { $0.jwtSecret = "short" }) { _ in
                Issue.record("the hub started with an invalid configuration")
            }
        }
    }
}
