import Foundation
import Logging
import Hummingbird
import PonteCore
import PonteKit
import PonteProviders

/// `GET /api/v1/integrations/health[?test=true]`: per provider Ponte calls — configured or
/// not, circuit state, recent success rate and latency, last error — classified healthy,
/// degraded or unhealthy by the integration service's thresholds (`IntegrationHealth`).
/// With `test=true`, each configured provider also gets a connection test: one cheap
/// authenticated read, whose failure makes it unhealthy.
struct IntegrationsController: Sendable {
    let clients: ProviderClients

    static let providers = ["asaas", "ifood", "stripe", "twilio"]

    func addRoutes(to routes: inout APIRoutes) {
        let milliseconds = JSONSchema.number().nullable
        routes.schema(
            "IntegrationHealth",
            .object([
                "provider": .oneOf(Self.providers),
                "configured": .boolean("Whether the hub has credentials for it"),
                "status": .oneOf(["healthy", "degraded", "unhealthy", "unknown", "not_configured"]),
                "circuit": JSONSchema.oneOf(["closed", "open", "half_open"]).optional,
                "calls": JSONSchema.object([
                    "total": .integer(minimum: 0), "recent": .integer(minimum: 0),
                    "success_rate": JSONSchema.number("Share of recent calls the provider answered").nullable,
                    "average_latency_ms": milliseconds, "p95_latency_ms": milliseconds,
                ]).optional,
                "last_success_at": JSONSchema.string(format: "date-time").optional,
                "last_error": JSONSchema.object(["message": .string(), "at": .string(format: "date-time")]).optional,
                "connection_test": JSONSchema.object([
                    "passed": .boolean(), "latency_ms": .number(), "error": JSONSchema.string().optional,
                ]).optional,
            ])
        )
        routes.get(
            "integrations/health",
            APIOperation("integrationsHealth", "Each provider Ponte calls: configured, circuit, recent success and latency, status", tags: ["Integrations"])
                .query("test", .oneOf(["true", "false", "1", "0", "yes", "no"]), "Also make one authenticated test call to each")
                .response(200, .object(["integrations": .array(.ref("IntegrationHealth"))]), "Their health"),
            health
        )
    }

    struct ConnectionTest: Encodable {
        let passed: Bool
        let latencyMilliseconds: Double
        let error: String?

        enum CodingKeys: String, CodingKey {
            case passed, error
            case latencyMilliseconds = "latency_ms"
        }
    }

    struct LastError: Encodable {
        let message: String
        let at: String
    }

    struct Calls: Encodable {
        let total: Int
        let recent: Int
        /// Share of recent calls the provider answered (2xx or a 4xx refusal), not failed
        /// (5xx, timeout, lost connection).
        let successRate: Double?
        let averageLatencyMilliseconds: Double?
        let p95LatencyMilliseconds: Double?

        enum CodingKeys: String, CodingKey {
            case total, recent
            case successRate = "success_rate"
            case averageLatencyMilliseconds = "average_latency_ms"
            case p95LatencyMilliseconds = "p95_latency_ms"
        }
    }

    struct Integration: Encodable {
        let provider: String
        let configured: Bool
        let status: IntegrationHealth
        let circuit: String?
        let calls: Calls?
        let lastSuccessAt: String?
        let lastError: LastError?
        let connectionTest: ConnectionTest?

        enum CodingKeys: String, CodingKey {
            case provider, configured, status, circuit, calls
            case lastSuccessAt = "last_success_at"
            case lastError = "last_error"
            case connectionTest = "connection_test"
        }
    }

    @Sendable func health(_ request: Request, context: APIRequestContext) async throws -> Response {
        let test = request.uri.queryParameters.get("test").map { ["true", "1", "yes"].contains($0.lowercased()) } ?? false
        var tests: [String: ConnectionTest] = [:]
        if test {
            tests = await withTaskGroup(of: (String, ConnectionTest)?.self) { group in
                for provider in clients.transports.keys {
                    group.addTask { await connectionTest(provider).map { (provider, $0) } }
                }
                var results: [String: ConnectionTest] = [:]
                for await case let (provider, result)? in group { results[provider] = result }
                return results
            }
        }
        let health = Dictionary(uniqueKeysWithValues: clients.health().map { ($0.provider, $0) })
        let integrations = Self.providers.map { provider -> Integration in
            guard let state = health[provider] else {
                return Integration(
                    provider: provider, configured: false, status: .notConfigured, circuit: nil, calls: nil,
                    lastSuccessAt: nil, lastError: nil, connectionTest: nil
                )
            }
            let calls = state.calls
            let connection = tests[provider]
            var circuitOpen = false
            if case .open = state.circuit { circuitOpen = true }
            // A provider that answers 4xx (a declined card, an unknown id) is working: only 5xx,
            // timeouts and lost connections count against it.
            let successRate = calls.failureRate.map { 1 - $0 }
            let status = IntegrationHealth.classify(
                .init(
                    configured: true, connectionTestPassed: connection?.passed, successRate: successRate,
                    latencySeconds: calls.averageLatency.map(\.seconds) ?? connection.map { $0.latencyMilliseconds / 1000 },
                    circuitOpen: circuitOpen
                )
            )
            return Integration(
                provider: provider, configured: true, status: status, circuit: state.circuit.name,
                calls: Calls(
                    total: calls.totalCalls, recent: calls.windowCalls, successRate: successRate,
                    averageLatencyMilliseconds: calls.averageLatency.map { $0.seconds * 1000 },
                    p95LatencyMilliseconds: calls.p95Latency.map { $0.seconds * 1000 }
                ),
                lastSuccessAt: calls.lastSuccessAt.map(Self.iso8601),
                lastError: calls.lastError.map { LastError(message: $0.message, at: Self.iso8601($0.at)) },
                connectionTest: connection
            )
        }
        return try .json(encoding: ["integrations": integrations])
    }

    /// One authenticated read of an object that does not exist: a 404 proves the credential
    /// and the connection work; a 401, a timeout or a 5xx fails the test.
    private func connectionTest(_ provider: String) async -> ConnectionTest? {
        let started = ContinuousClock.now
        var failure: String?
        do {
            switch provider {
            case "stripe": _ = try await clients.stripe?.retrievePaymentIntent(id: "pi_ponte_connection_test")
            case "asaas": _ = try await clients.asaas?.retrievePayment(id: "pay_ponte_connection_test")
            case "ifood": _ = try await clients.ifood?.order(id: "00000000-0000-0000-0000-000000000000")
            case "twilio": _ = try await clients.twilio?.message(sid: "SM00000000000000000000000000000000")
            default: return nil
            }
        } catch let error as ProviderCallError {
            // A 404 in the provider's own error shape: authenticated, reached, answered.
            if case .rejected(let status, let body) = error, status == 404, body.code != nil {
                failure = nil
            } else {
                failure = "\(error)"
            }
        } catch {
            failure = "\(error)"
        }
        let elapsed = ContinuousClock.now - started
        return ConnectionTest(passed: failure == nil, latencyMilliseconds: elapsed.seconds * 1000, error: failure)
    }

    private static func iso8601(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
