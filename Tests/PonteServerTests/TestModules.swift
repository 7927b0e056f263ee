import Foundation
import Hummingbird
import PonteCore
import PonteJobs
import PonteKit
import PonteStore

/// A module as a business module would be written, for the seam's tests: it keeps Asaas
/// payments in a table of its own, appends each change to its stream, and has a route that
/// inserts rows (a repeated id is a unique violation).
struct LedgerModule: HubModule {
    let name = "ledger"
    static let stream = "ledger:payments"

    var migrations: [Migration] {
        [
            Migration(version: 1, name: "ledger_payments", sql: [
                "CREATE TABLE ledger_payments (payment_id TEXT PRIMARY KEY, status TEXT NOT NULL, webhook_id TEXT NOT NULL)"
            ])
        ]
    }

    struct AsaasEvent: Decodable {
        struct Payment: Decodable {
            let id: String
        }

        let event: String
        let payment: Payment
    }

    struct Entry: Codable, Sendable {
        let id: String
    }

    func install(into module: inout ModuleInstallation, context: ModuleContext) throws {
        module.subscribe(
            EventSubscription("ledger.asaas_payments", provider: "asaas", eventTypes: ["PAYMENT_*"]) { event, job in
                let payload = try event.decode(AsaasEvent.self)
                job.onSuccess { unit in
                    try await unit.query(
                        """
                        INSERT INTO ledger_payments (payment_id, status, webhook_id) VALUES (?, ?, ?)
                        ON CONFLICT (payment_id) DO UPDATE SET status = excluded.status, webhook_id = excluded.webhook_id
                        """,
                        [.text(payload.payment.id), .text(payload.event), .text(event.webhookID)]
                    )
                    try await unit.append(to: Self.stream, type: payload.event, data: ["payment_id": payload.payment.id])
                }
                return .processed
            }
        )
        module.routes.post(
            "ledger/entries",
            APIOperation("createLedgerEntry", "Insert a ledger row (tests)")
                .body(.object(["id": .string()]))
                .response(201, .object(["id": .string()]), "Created")
                .errors(400, "INVALID_JSON"),
            access: .admin
        ) { request, _ in
            let entry = try await request.decodeJSON(Entry.self)
            try await context.transaction { unit in
                try await unit.insert(into: "ledger_payments", ["payment_id": .text(entry.id), "status": "MANUAL", "webhook_id": "-"])
            }
            return try .json(encoding: entry, status: .created)
        }
        let endpoint = context.streamEndpoint
        module.routes.get(
            "ledger/events",
            StreamEndpoint.operation("readLedgerEvents", "The ledger's stream"),
            access: .authenticated
        ) { request, context in
            try await endpoint.respond(to: request, context: context, stream: Self.stream)
        }
    }
}

/// A second module consuming the same Asaas events: it fails for good on one payment, to
/// show that a subscriber fails alone.
struct AuditModule: HubModule {
    let name = "audit"

    func install(into module: inout ModuleInstallation, context: ModuleContext) throws {
        module.subscribe(
            EventSubscription("audit.asaas", provider: "asaas", maxAttempts: 2) { event, _ in
                if String(buffer: event.body).contains("pay_refused_by_audit") {
                    throw JobFailure.permanent(reason: "audit refuses this payment")
                }
                if event.eventType == "PAYMENT_CREATED" { return .ignored(reason: "audit keeps only settled payments") }
                return .processed
            }
        )
    }
}
