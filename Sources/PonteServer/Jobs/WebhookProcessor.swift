import Foundation
import NIOCore
import PonteCore
import PonteJobs
import PonteKit
import PonteStore

/// Hands stored webhooks to the modules that subscribe to them.
///
/// In the transaction that stores a new event, each subscription matching its provider and
/// type gets a delivery and a job of its own (the job's kind is the subscription's name), so
/// subscribers succeed, retry or dead-letter apart; an event nobody subscribes to is stored
/// `ignored`, with the reason. A replayed event gets a `webhook.process` job, which finds the
/// subscribers again when it runs and hands the event to them in the same way. Each
/// delivery job records its outcome with the subscriber's own changes, and the event's status
/// follows from all of them: `processing` while any is pending, then `processed`, `ignored`
/// or `failed`.
struct WebhookProcessor: Sendable {
    static let kind = "webhook.process"
    static let queue = "webhooks"
    static let maxAttempts = 10

    let database: any StoreDatabase
    let subscriptions: [EventSubscription]

    struct Payload: Codable, Sendable {
        let webhook_id: String
    }

    /// The job that processes the stored webhook `webhookID`. Its unique key lets a replay of
    /// an event still waiting return the waiting job instead of adding another.
    static func job(for webhookID: String, queue: JobQueue) -> NewJob {
        queue.makeJob(
            kind: kind, queue: Self.queue, payload: "{\"webhook_id\":\"\(webhookID)\"}", priority: .high,
            uniqueKey: "webhook:\(webhookID)", maxAttempts: maxAttempts
        )
    }

    private static func webhookID(in payload: String) -> String? {
        try? JSONDecoder().decode(Payload.self, from: Data(payload.utf8)).webhook_id
    }

    func subscribers(provider: String, eventType: String) -> [EventSubscription] {
        subscriptions.filter { $0.matches(provider: provider, eventType: eventType) }
    }

    /// The subscribers of this very event: those of its provider and type that accept its body.
    func subscribers(provider: String, eventType: String, body: ByteBuffer) -> [EventSubscription] {
        subscriptions.filter { $0.wants(provider: provider, eventType: eventType, body: body) }
    }

    /// What storing the new event `record` starts: its subscribers' deliveries at once, so
    /// it does not wait for a dispatch job first; `ignored` when nobody subscribes.
    func processing(for record: NewInboxRecord, queue: JobQueue) -> InboxProcessing {
        let subscribers = subscribers(provider: record.provider, eventType: record.eventType, body: record.body)
        guard !subscribers.isEmpty else {
            return .ignored(reason: unwanted(provider: record.provider, eventType: record.eventType))
        }
        return .deliveries(subscribers.map { ($0.name, Self.deliveryJob(record.id, to: $0, queue: queue)) })
    }

    private static func unsubscribed(provider: String, eventType: String) -> String {
        "no module subscribes to \(provider) \(eventType) events; the event is kept and can be replayed once one does"
    }

    /// Why an event gets no delivery: nobody subscribes to its type, or its subscribers looked
    /// at it and none takes it.
    private func unwanted(provider: String, eventType: String) -> String {
        let names = subscribers(provider: provider, eventType: eventType).map(\.name)
        guard !names.isEmpty else { return Self.unsubscribed(provider: provider, eventType: eventType) }
        return "none of the subscribers of \(provider) \(eventType) events (\(names.joined(separator: ", "))) takes this one"
    }

    private static func deliveryJob(_ webhookID: String, to subscription: EventSubscription, queue: JobQueue) -> NewJob {
        queue.makeJob(
            kind: subscription.name, queue: subscription.queue, payload: "{\"webhook_id\":\"\(webhookID)\"}", priority: .high,
            uniqueKey: "delivery:\(webhookID):\(subscription.name)", maxAttempts: subscription.maxAttempts
        )
    }

    /// Registers the dispatch job and one delivery job per subscription.
    func register(in registry: inout JobRegistry) {
        registry.register(Self.kind, abandoned: Self.abandoned) { try await dispatch($0) }
        for subscription in subscriptions {
            registry.register(subscription.name, abandoned: Self.abandonedDelivery(subscription.name)) { job in
                try await deliver(subscription, job)
            }
        }
    }

    // MARK: Dispatch

    private func dispatch(_ context: JobContext) async throws {
        guard let id = Self.webhookID(in: context.job.payload) else {
            throw JobFailure.permanent(reason: "payload has no webhook_id: \(context.job.payload)")
        }
        guard let entry = try await database.inboxEntry(id: id) else {
            throw JobFailure.permanent(reason: "webhook \(id) does not exist")
        }
        let subscribers = subscribers(provider: entry.summary.provider, eventType: entry.summary.eventType, body: entry.body)
        guard !subscribers.isEmpty else {
            // Nothing runs, so the event goes straight to ignored, committed with the job's success.
            context.onSuccess(
                InboxWrites.status(
                    id: id, status: .ignored,
                    reason: unwanted(provider: entry.summary.provider, eventType: entry.summary.eventType),
                    attemptStarted: true
                )
            )
            return
        }
        context.onSuccess { unit in _ = try await deliver(id, to: subscribers, in: unit) }
    }

    /// Gives the stored event `webhookID` a delivery and a job for each of `subscribers`, in
    /// `unit`; returns the jobs (an active one already delivering is returned, not doubled).
    func deliver(_ webhookID: String, to subscribers: [EventSubscription], in unit: UnitOfWork) async throws -> [EnqueuedJob] {
        let jobs = subscribers.map { Self.deliveryJob(webhookID, to: $0, queue: unit.jobs) }
        let outcomes = try await unit.enqueue(jobs)
        try await unit.executor.dispatchWebhook(
            webhookID, deliveries: zip(subscribers, outcomes).map { ($0.name, $1.id) }, now: unit.now
        )
        return outcomes
    }

    // MARK: Delivery

    private func deliver(_ subscription: EventSubscription, _ context: JobContext) async throws {
        guard let id = Self.webhookID(in: context.job.payload) else {
            throw JobFailure.permanent(reason: "payload has no webhook_id: \(context.job.payload)")
        }
        let attempt = context.job.attempt
        context.onFailure { unit, failure in
            try await unit.executor.recordDelivery(
                id, subscriber: subscription.name, outcome: .failed(error: failure.error, final: failure.final), attempts: attempt,
                now: unit.now
            )
        }
        guard let entry = try await database.inboxEntry(id: id) else {
            throw JobFailure.permanent(reason: "webhook \(id) does not exist")
        }
        let event = ProviderEvent(
            webhookID: id, provider: entry.summary.provider, eventID: entry.summary.eventID, eventType: entry.summary.eventType,
            receivedAt: entry.summary.receivedAt, body: entry.body
        )
        let handling = try await subscription.handle(event, context)
        let outcome: DeliveryOutcome
        switch handling {
        case .processed: outcome = .processed
        case .ignored(let reason): outcome = .ignored(reason: reason)
        }
        context.onSuccess { unit in
            try await unit.executor.recordDelivery(id, subscriber: subscription.name, outcome: outcome, attempts: attempt, now: unit.now)
        }
    }

    // MARK: Abandoned jobs

    /// When the worker running the dispatch died (its lease expired) on its last attempt, the
    /// event is `failed` with the lease's error; otherwise it waits, `pending`, for the retry.
    static func abandoned(_ job: AbandonedJob) -> [DeferredWrite] {
        guard let id = webhookID(in: job.payload) else { return [] }
        return [InboxWrites.status(id: id, status: job.deadLettered ? .failed : .pending, error: job.error)]
    }

    /// A delivery whose worker died on its last attempt is `failed`, and so is its event.
    static func abandonedDelivery(_ subscriber: String) -> AbandonmentWrites {
        { job in
            guard job.deadLettered, let id = webhookID(in: job.payload) else { return [] }
            return [
                DeferredWrite(
                    sql: "UPDATE webhook_deliveries SET status = 'failed', last_error = ? WHERE webhook_id = ? AND subscriber = ?",
                    binds: [.text(job.error), .text(id), .text(subscriber)]
                ),
                InboxWrites.status(id: id, status: .failed, error: "\(subscriber): \(job.error)"),
            ]
        }
    }
}
