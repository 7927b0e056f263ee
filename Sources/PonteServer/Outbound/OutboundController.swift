import Foundation
import Logging
import Hummingbird
import NIOCore
import PonteCore
import PonteJobs
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

    func addRoutes(to group: RouterGroup<PonteRequestContext>) {
        group.get("outbound/operations", use: operations)
        group.post("outbound", use: enqueue)
    }

    struct OperationJSON: Encodable {
        let name: String
        let provider: String
        let summary: String
        let parameters: [String: String]
    }

    @Sendable func operations(_ request: Request, context: PonteRequestContext) async throws -> Response {
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

    @Sendable func enqueue(_ request: Request, context: PonteRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 256 * 1024)
        let asked: EnqueueRequest
        do {
            asked = try JSONDecoder().decode(EnqueueRequest.self, from: Data(Array(buffer: body)))
        } catch {
            throw APIError.badRequest(
                "INVALID_JSON",
                "the body must be a JSON object: {\"operation\": \"...\", \"params\": {...}, \"key\": \"optional\", \"priority\": \"critical|high|normal|low\"}"
            )
        }
        guard let operation = OutboundOperations.byName[asked.operation] else {
            throw APIError.badRequest(
                "UNKNOWN_OPERATION", "no operation '\(asked.operation)'; GET /api/v1/outbound/operations lists them"
            )
        }
        if let key = asked.key {
            guard (1...200).contains(key.utf8.count), key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
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
