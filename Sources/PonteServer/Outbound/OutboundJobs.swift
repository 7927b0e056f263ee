import Foundation
import Logging
import PonteCore
import PonteJobs
import PonteProviders
import PonteStore

/// Runs outbound operations as jobs on the `providers` queue, under each provider's rate
/// limit. A provider's refusal (4xx) dead-letters the job with the provider's reason; an
/// outage, a timeout or a 429 retries it (after the provider's `Retry-After` when it gave
/// one) with the same idempotency key, until the attempts run out.
enum OutboundJobs {
    static let queue = "providers"
    static let maxAttempts = 8

    /// The job's payload: the operation, its parameters and the key every attempt reuses.
    struct Payload: Codable {
        var operation: String
        var params: JSONValue
        var key: String
    }

    /// A job for `operation`. With a caller's `key`, the job is unique while pending or
    /// running, and the key is the provider idempotency key; without one, the job id is.
    static func job(
        _ operation: OutboundOperation, params: JSONValue, key: String?, priority: JobPriority, queue: JobQueue
    ) -> NewJob {
        var job = queue.makeJob(
            kind: operation.name, queue: Self.queue, priority: priority, uniqueKey: key.map { "outbound:\($0)" },
            provider: operation.provider, maxAttempts: maxAttempts
        )
        let payload = Payload(operation: operation.name, params: params, key: key ?? job.id)
        job.payload = (try? JSONEncoder().encode(payload)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return job
    }

    static func register(in registry: inout JobRegistry, clients: ProviderClients) {
        for operation in OutboundOperations.all {
            registry.register(operation.name) { context in
                try await run(operation, context: context, clients: clients)
            }
        }
    }

    static func run(_ operation: OutboundOperation, context: JobContext, clients: ProviderClients) async throws {
        guard let payload = try? JSONDecoder().decode(Payload.self, from: Data(context.job.payload.utf8)) else {
            throw JobFailure.permanent(reason: "the job's payload is not an outbound operation: \(context.job.payload)")
        }
        let result: JSONValue
        do {
            let call = try operation.plan(try OperationParameters(payload.params))
            result = try await call(clients, payload.key)
        } catch let error as ProviderCallError {
            if error.isRetryable {
                throw JobFailure.retry(reason: "\(operation.provider): \(error)", after: error.retryDelay(now: Date()))
            }
            throw JobFailure.permanent(reason: "\(operation.provider) refused: \(error)")
        } catch let error as OperationParameterError {
            throw JobFailure.permanent(reason: error.message)
        } catch let error as ProviderNotConfigured {
            throw JobFailure.permanent(reason: error.description)
        }
        context.logger.info(
            "outbound operation done", metadata: ["operation": "\(operation.name)", "provider": "\(operation.provider)"]
        )
        context.onSuccess(JobWrites.result(id: context.job.id, json: result.text))
    }
}
