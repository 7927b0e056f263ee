import Foundation
import Logging
import PonteCore
import PonteJobs
import PonteKit
import PonteProviders
import PonteStore

/// Runs outbound operations as jobs on the `providers` queue, under each provider's rate
/// limit. A provider's refusal (4xx) dead-letters the job with the provider's reason; an
/// outage, a timeout or a 429 retries it (after the provider's `Retry-After` when it gave
/// one) with the same idempotency key, until the attempts run out.
enum OutboundJobs {
    static let queue = "providers"
    static let maxAttempts = 8

    /// The job's arguments: the operation, its parameters and the key every attempt reuses.
    struct Payload: Codable, Sendable {
        var operation: String
        var params: JSONValue
        var key: String
    }

    /// The job kind of `operation`: named after it, on the `providers` queue, under its
    /// provider's rate limit.
    static func kind(of operation: OutboundOperation) -> JobKind<Payload> {
        JobKind(operation.name, queue: queue, maxAttempts: maxAttempts, provider: operation.provider)
    }

    /// A job for `operation`. With a caller's `key`, the job is unique while pending or
    /// running, and the key is the provider idempotency key; without one, the job id is.
    static func job(
        _ operation: OutboundOperation, params: JSONValue, key: String?, priority: JobPriority, queue: JobQueue
    ) -> NewJob {
        let kind = kind(of: operation)
        var job = queue.makeJob(
            kind: kind.name, queue: kind.queue, priority: priority, uniqueKey: key.map { "outbound:\($0)" },
            provider: kind.provider, maxAttempts: kind.maxAttempts
        )
        let payload = Payload(operation: operation.name, params: params, key: key ?? job.id)
        job.payload = (try? kind.payload(payload)) ?? "{}"
        return job
    }

    static func run(_ operation: OutboundOperation, payload: Payload, job: JobContext, clients: ProviderClients) async throws {
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
        job.logger.info(
            "outbound operation done", metadata: ["operation": "\(operation.name)", "provider": "\(operation.provider)"]
        )
        job.onSuccess(JobWrites.result(id: job.job.id, json: result.text))
    }
}
