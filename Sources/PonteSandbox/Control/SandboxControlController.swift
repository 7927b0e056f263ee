import Foundation
import Hummingbird
import Logging

/// The control API shared by all simulators, under `/_sandbox`:
///
/// - `GET  /_sandbox` — simulators, clock, where webhooks go
/// - `GET  /_sandbox/faults` — fault settings per provider
/// - `PUT  /_sandbox/faults/{provider}` — set one provider's faults (JSON `FaultSettings`)
/// - `DELETE /_sandbox/faults` — no faults anywhere
/// - `POST /_sandbox/clock/advance` — `{"seconds": N}` moves simulated time forward
/// - `GET  /_sandbox/ledger` — every movement of money, and references that moved twice
/// - `GET  /_sandbox/webhooks` — the webhook delivery log
///
/// Each simulator adds its own routes under `/_sandbox/{provider}` (Asaas payments, iFood orders,
/// Twilio inbound messages; the OAuth servers of Square, Mailchimp and QuickBooks share
/// `OAuthControlRoutes`).
///
/// Errors use the hub's shape: `{"error": {"code": "...", "message": "..."}}`.
struct SandboxControlController: Sendable {
    let sandbox: Sandbox

    func addRoutes(to group: RouterGroup<SandboxContext>) {
        group.get("", use: overview)
        group.get("faults", use: listFaults)
        group.put("faults/:provider", use: setFaults)
        group.delete("faults", use: resetFaults)
        group.post("clock/advance", use: advanceClock)
        group.get("ledger", use: ledger)
        group.get("webhooks", use: webhooks)
    }

    private var environment: SandboxEnvironment { sandbox.environment }

    struct Overview: Encodable {
        var providers: [String]
        var clock: ClockState
        var webhookLog: Int
        var faultsInjected: [String: [String: Int]]

        enum CodingKeys: String, CodingKey {
            case providers, clock
            case webhookLog = "webhook_deliveries"
            case faultsInjected = "faults_injected"
        }
    }

    struct ClockState: Encodable {
        var now: Int
        var offsetSeconds: Double

        enum CodingKeys: String, CodingKey {
            case now
            case offsetSeconds = "offset_seconds"
        }
    }

    @Sendable func overview(_ request: Request, context: SandboxContext) async throws -> Response {
        .sandboxJSON(
            Overview(
                providers: sandbox.simulators.map(\.provider.rawValue),
                clock: clockState(),
                webhookLog: environment.webhooks.deliveries().count,
                faultsInjected: Dictionary(uniqueKeysWithValues: environment.faults.injected().map { ($0.key.rawValue, $0.value) })
            )
        )
    }

    @Sendable func listFaults(_ request: Request, context: SandboxContext) async throws -> Response {
        let all = environment.faults.all()
        return .sandboxJSON(Dictionary(uniqueKeysWithValues: all.map { ($0.key.rawValue, $0.value) }))
    }

    @Sendable func setFaults(_ request: Request, context: SandboxContext) async throws -> Response {
        let name = context.parameters.get("provider") ?? ""
        guard let provider = SandboxProvider(rawValue: name) else {
            return controlError(.notFound, "UNKNOWN_PROVIDER", "no simulator named '\(name)'; known: \(SandboxProvider.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let bytes = try await SandboxJSON.body(of: request)
        let settings: FaultSettings
        do {
            settings = try JSONDecoder().decode(FaultSettings.self, from: Data(bytes))
        } catch {
            return controlError(.badRequest, "INVALID_JSON", "the body must be a JSON object of fault settings: \(error)")
        }
        let problems = settings.problems()
        guard problems.isEmpty else {
            return controlError(.badRequest, "INVALID_FAULTS", problems.joined(separator: "; "))
        }
        environment.faults.set(settings, for: provider)
        context.logger.info("sandbox faults set", metadata: ["provider": "\(provider)"])
        return .sandboxJSON(settings)
    }

    @Sendable func resetFaults(_ request: Request, context: SandboxContext) async throws -> Response {
        environment.faults.reset()
        return Response(status: .noContent)
    }

    struct Advance: Decodable {
        var seconds: Double
    }

    @Sendable func advanceClock(_ request: Request, context: SandboxContext) async throws -> Response {
        let bytes = try await SandboxJSON.body(of: request)
        guard let advance = try? JSONDecoder().decode(Advance.self, from: Data(bytes)), advance.seconds >= 0,
            advance.seconds.isFinite
        else {
            return controlError(.badRequest, "INVALID_JSON", "expected {\"seconds\": N} with N ≥ 0")
        }
        environment.clock.advance(by: advance.seconds)
        return .sandboxJSON(clockState())
    }

    struct LedgerReport: Encodable {
        var entries: [Ledger.Entry]
        var duplicatedReferences: [String]

        enum CodingKeys: String, CodingKey {
            case entries
            case duplicatedReferences = "duplicated_references"
        }
    }

    @Sendable func ledger(_ request: Request, context: SandboxContext) async throws -> Response {
        .sandboxJSON(
            LedgerReport(entries: environment.ledger.all(), duplicatedReferences: environment.ledger.duplicatedReferences())
        )
    }

    @Sendable func webhooks(_ request: Request, context: SandboxContext) async throws -> Response {
        .sandboxJSON(["deliveries": environment.webhooks.deliveries()])
    }

    private func clockState() -> ClockState {
        ClockState(now: environment.clock.unixSeconds(), offsetSeconds: environment.clock.offset)
    }
}

/// An error of the control API, in the hub's shape.
func controlError(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
    .sandboxJSON(["error": ["code": code, "message": message]], status: status)
}
