import Foundation
import PonteCore
import PonteJobs
import PonteStore

/// What a provider's event handler did with one stored event.
public enum WebhookHandling: Sendable, Equatable {
    case processed
    /// Nothing to do for this event; the reason is kept on the event.
    case ignored(reason: String)
}

/// Turns one provider's stored event into the change it means. Runs inside a job, so it may
/// run more than once for the same event: make it idempotent.
public typealias WebhookEventHandler = @Sendable (InboxEntry, JobContext) async throws -> WebhookHandling

/// Processes stored webhooks: the `webhook.process` job, enqueued with each new event in the
/// same transaction. The event's status moves pending → processing → processed, ignored or
/// failed, with its attempts and last error on the event.
struct WebhookProcessor: Sendable {
    static let kind = "webhook.process"
    static let queue = "webhooks"
    static let maxAttempts = 10

    let database: any StoreDatabase
    /// Handlers by provider; providers without one have their events ignored, with a reason.
    let handlers: [String: WebhookEventHandler]

    /// The job that processes the stored webhook `webhookID`. Its unique key lets a replay of
    /// an event still waiting return the waiting job instead of adding another.
    static func job(for webhookID: String, queue: JobQueue) -> NewJob {
        queue.makeJob(
            kind: kind, queue: Self.queue, payload: "{\"webhook_id\":\"\(webhookID)\"}", priority: .high,
            uniqueKey: "webhook:\(webhookID)", maxAttempts: maxAttempts
        )
    }

    private struct Payload: Decodable {
        let webhook_id: String
    }

    private static func webhookID(in payload: String) -> String? {
        try? JSONDecoder().decode(Payload.self, from: Data(payload.utf8)).webhook_id
    }

    /// When the worker running the job died (its lease expired), the event it left
    /// `processing` goes back to `pending` for the job's next attempt, or to `failed` when that
    /// was the last one, with the lease's error.
    static func abandoned(_ job: AbandonedJob) -> [DeferredWrite] {
        guard let id = webhookID(in: job.payload) else { return [] }
        return [InboxWrites.status(id: id, status: job.deadLettered ? .failed : .pending, error: job.error)]
    }

    func handle(_ context: JobContext) async throws {
        guard let id = Self.webhookID(in: context.job.payload) else {
            throw JobFailure.permanent(reason: "payload has no webhook_id: \(context.job.payload)")
        }
        guard let entry = try await database.inboxEntry(id: id) else {
            throw JobFailure.permanent(reason: "webhook \(id) does not exist")
        }
        let provider = entry.summary.provider
        guard let handler = handlers[provider] else {
            // Nothing runs, so the event goes straight to ignored, committed with the job's success.
            context.onSuccess(
                InboxWrites.status(
                    id: id, status: .ignored,
                    reason: "no handler for \(provider) events yet; the event is kept and can be replayed once there is one",
                    attemptStarted: true
                )
            )
            return
        }
        try await database.setWebhookStatus(id: id, status: .processing, attemptStarted: true)
        do {
            switch try await handler(entry, context) {
            case .processed:
                context.onSuccess(InboxWrites.status(id: id, status: .processed))
            case .ignored(let reason):
                context.onSuccess(InboxWrites.status(id: id, status: .ignored, reason: reason))
            }
        } catch {
            // The job retries; the event shows `failed` only once no attempt is left.
            var permanent = false
            if case .permanent = error as? JobFailure { permanent = true }
            let final = permanent || context.isLastAttempt
            try? await database.setWebhookStatus(id: id, status: final ? .failed : .pending, error: "\(error)")
            throw error
        }
    }
}
