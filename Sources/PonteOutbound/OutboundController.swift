import Foundation
import Hummingbird
import Logging
import PonteCore
import PonteJobs
import PonteKit
import PonteStore

/// The outbound API: ask Ponte to call a provider, durably.
///
/// - `GET  /api/v1/outbound/operations` — the catalogue: names, providers, parameters
/// - `POST /api/v1/outbound` — `{"operation": "stripe.refund.create", "params": {...},
///   "key": "optional caller key", "priority": "normal"}` → 202 with the job, which runs on the
///   `providers` queue; `GET /api/v1/jobs/{id}` shows its result or its error history.
///
/// The same `key` while its job is pending or running returns that job (`"duplicate": true`).
struct OutboundController: Sendable {
    let queue: JobQueue

    func addRoutes(to routes: inout APIRoutes) {
        routes.schema("Job", JobJSON.schema)
        routes.schema(
            "OutboundOperation",
            .object([
                "name": .string("The operation, also its jobs' kind"),
                "provider": .string(),
                "summary": .string(),
                "parameters": .map(.string(), "Parameter names and what they hold"),
            ])
        )
        routes.get(
            "outbound/operations",
            APIOperation("listOutboundOperations", "The provider calls Ponte can make as durable jobs", tags: ["Outbound"])
                .response(200, .object(["operations": .array(.ref("OutboundOperation"))]), "The catalogue"),
            operations
        )
        routes.post(
            "outbound",
            APIOperation(
                "enqueueOutboundOperation", "Queue a provider call as a durable job",
                description: "The job runs on the `providers` queue with the operation's idempotency key on every attempt. The same `key` while its job is pending or running returns that job with `duplicate: true`.",
                tags: ["Outbound"]
            )
            .body(
                .object([
                    "operation": .oneOf(OutboundOperations.all.map(\.name), "An operation's name (GET /api/v1/outbound/operations lists them)"),
                    "params": JSONSchema.map(.any(), "The operation's parameters").optional,
                    "key": JSONSchema.string("The provider idempotency key (default: the job id)", pattern: "^[!-~]{1,200}$").optional,
                    "priority": JSONSchema.oneOf(JobPriority.allCases.map(\.rawValue)).optional,
                ])
            )
            .response(202, .object(["job": .ref("Job"), "duplicate": .boolean("True when an active job with the same key was returned")]), "Queued")
            .errors(400, "INVALID_JSON", "UNKNOWN_OPERATION", "INVALID_PARAMETERS", "INVALID_KEY"),
            enqueue
        )
    }

    struct OperationJSON: Encodable {
        let name: String
        let provider: String
        let summary: String
        let parameters: [String: String]
    }

    @Sendable func operations(_ request: Request, context: APIRequestContext) async throws -> Response {
        try .json(
            encoding: [
                "operations": OutboundOperations.all.map {
                    OperationJSON(name: $0.name, provider: $0.provider, summary: $0.summary, parameters: $0.parameters)
                }
            ]
        )
    }

    struct EnqueueRequest: Decodable {
        let operation: String
        let params: JSONValue?
        let key: String?
        let priority: JobPriority?
    }

    struct EnqueueResponse: Encodable {
        let job: JobJSON
        let duplicate: Bool
    }

    @Sendable func enqueue(_ request: Request, context: APIRequestContext) async throws -> Response {
        let asked = try await request.decodeJSON(
            EnqueueRequest.self,
            expected: "{\"operation\": \"...\", \"params\": {...}, \"key\": \"optional\", \"priority\": \"critical|high|normal|low\"}"
        )
        guard let operation = OutboundOperations.byName[asked.operation] else {
            throw APIError.badRequest(
                "UNKNOWN_OPERATION", "no operation '\(asked.operation)'; GET /api/v1/outbound/operations lists them"
            )
        }
        if let key = asked.key {
            guard (1...200).contains(key.utf8.count), key.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0.asciiValue.map { $0 > 32 && $0 < 127 } == true }) else {
                throw APIError.badRequest("INVALID_KEY", "key must be 1-200 printable ASCII characters without spaces")
            }
        }
        let params = asked.params ?? .object([:])
        do {
            _ = try operation.plan(try OperationParameters(params))
        } catch {
            throw APIError.badRequest("INVALID_PARAMETERS", "\(operation.name): \(error.message)")
        }
        let job = OutboundJobs.job(operation, params: params, key: asked.key, priority: asked.priority ?? .normal, queue: queue)
        guard let outcome = try await queue.enqueue([job]).first else {
            throw APIError.unavailable("the job was not stored; try again")
        }
        guard let (stored, _) = try await queue.database.job(id: outcome.id) else {
            throw APIError.unavailable("the job was not found after it was stored; try again")
        }
        context.logger.info(
            "outbound operation queued",
            metadata: ["operation": "\(operation.name)", "job_id": "\(stored.id)", "duplicate": "\(outcome.existing)"]
        )
        return try .json(encoding: EnqueueResponse(job: JobJSON(stored), duplicate: outcome.existing), status: .accepted)
    }
}
