import Foundation
import Hummingbird
import Logging
import NIOCore
import PonteCore
import PonteJobs
import PonteStore

/// The job queue's admin API: jobs, queues, dead letters, stale leases, webhook replay.
struct JobAdminController: Sendable {
    let database: any StoreDatabase
    let queue: JobQueue
    /// What a stale-lease sweep changes besides the jobs (the runners' sweeps do the same).
    let abandonment: AbandonmentWrites
    let jobIDs = SortableIDGenerator(prefix: "job_")

    func addRoutes(to group: RouterGroup<PonteRequestContext>) {
        group.get("jobs", use: list)
        group.get("jobs/:id", use: show)
        group.post("jobs/:id/retry", use: retry)
        group.post("jobs/:id/cancel", use: cancel)
        group.get("queues", use: queues)
        group.post("dead-letter/retry", use: retryDeadLetters)
        group.post("admin/recover-stale", use: recoverStale)
        group.post("webhooks/:id/replay", use: replay)
    }

    // MARK: Jobs

    @Sendable func list(_ request: Request, context: PonteRequestContext) async throws -> Response {
        let parameters = ListParameters(request)
        var query = JobQuery()
        query.status = try parameters.value(JobStatus.self, "status")
        query.priority = try parameters.value(JobPriority.self, "priority")
        query.queue = parameters.text("queue")
        query.before = try parameters.cursor(ids: jobIDs)
        let page = try await ListParameters.page(size: try parameters.limit() ?? query.limit, id: \.id, item: JobJSON.init) { limit in
            query.limit = limit
            return try await database.listJobs(query)
        }
        return try .json(encoding: page)
    }

    @Sendable func show(_ request: Request, context: PonteRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let (job, attempts) = try await database.job(id: id) else { throw Self.notFound(id) }
        return try .json(encoding: JobDetailJSON(job: JobJSON(job), attempts: attempts.map(AttemptJSON.init)))
    }

    @Sendable func retry(_ request: Request, context: PonteRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let change = try await database.retryJob(id: id, now: queue.clock.now())
        let job = try Self.changed(change, id: id, action: "retried", allowed: "dead or cancelled")
        queue.wakeWorkers()
        context.logger.info("job retried by an operator", metadata: ["job_id": "\(id)"])
        return try .json(encoding: JobJSON(job))
    }

    @Sendable func cancel(_ request: Request, context: PonteRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let job = try Self.changed(
            try await database.cancelJob(id: id, now: queue.clock.now()), id: id, action: "cancelled", allowed: "pending or dead"
        )
        context.logger.info("job cancelled by an operator", metadata: ["job_id": "\(id)"])
        return try .json(encoding: JobJSON(job))
    }

    // MARK: Queues and recovery

    @Sendable func queues(_ request: Request, context: PonteRequestContext) async throws -> Response {
        let now = queue.clock.now()
        let counts = try await database.queueCounts(now: now)
        var byQueue: [String: QueueJSON] = [:]
        for count in counts {
            var entry = byQueue[count.queue] ?? QueueJSON(name: count.queue)
            entry.add(count, now: now)
            byQueue[count.queue] = entry
        }
        let queues = byQueue.values.sorted { $0.name < $1.name }
        return try .json(encoding: QueuesJSON(queues: queues, deadLetters: queues.reduce(0) { $0 + $1.dead }))
    }

    private struct DeadLetterRequest: Decodable {
        let queue: String?
        let provider: String?
        let error_contains: String?
    }

    @Sendable func retryDeadLetters(_ request: Request, context: PonteRequestContext) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 * 1024)
        var filter = DeadLetterFilter()
        if body.readableBytes > 0 {
            guard let parsed = try? JSONDecoder().decode(DeadLetterRequest.self, from: Data(Array(buffer: body))) else {
                throw APIError.badRequest(
                    "INVALID_JSON", "the body must be a JSON object with optional string fields queue, provider and error_contains"
                )
            }
            filter = DeadLetterFilter(queue: parsed.queue, provider: parsed.provider, errorContains: parsed.error_contains)
        }
        let ids = try await database.retryDeadLetters(filter, now: queue.clock.now())
        if !ids.isEmpty { queue.wakeWorkers() }
        context.logger.info("dead letters retried by an operator", metadata: ["jobs": "\(ids.count)"])
        return try .json(encoding: RetriedJSON(retried: ids.count, ids: ids))
    }

    @Sendable func recoverStale(_ request: Request, context: PonteRequestContext) async throws -> Response {
        let recovery = try await database.recoverStaleJobs(now: queue.clock.now(), abandonment: abandonment)
        context.logger.info(
            "stale jobs recovered by an operator",
            metadata: ["requeued": "\(recovery.requeued.count)", "dead_lettered": "\(recovery.deadLettered.count)"]
        )
        return try .json(encoding: RecoveryJSON(requeued: recovery.requeued, deadLettered: recovery.deadLettered))
    }

    // MARK: Webhooks

    @Sendable func replay(_ request: Request, context: PonteRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let job = WebhookProcessor.job(for: id, queue: queue)
        guard let outcome = try await database.replayWebhook(id: id, job: job, now: queue.clock.now()) else {
            throw APIError(.notFound, code: "WEBHOOK_NOT_FOUND", message: "no webhook with id '\(id)'")
        }
        queue.didEnqueue([job], [outcome])
        context.logger.info("webhook replay requested", metadata: ["webhook_id": "\(id)", "job_id": "\(outcome.id)"])
        return try .json(encoding: ReplayJSON(webhookID: id, jobID: outcome.id, existing: outcome.existing), status: .accepted)
    }

    // MARK: Helpers

    static func notFound(_ id: String) -> APIError {
        APIError(.notFound, code: "JOB_NOT_FOUND", message: "no job with id '\(id)'")
    }

    static func changed(_ change: JobChange, id: String, action: String, allowed: String) throws -> JobRecord {
        switch change {
        case .changed(let job):
            return job
        case .notFound:
            throw notFound(id)
        case .conflict(let status):
            throw APIError(
                .conflict, code: "JOB_INVALID_TRANSITION",
                message: "job \(id) is \(status.rawValue); only \(allowed) jobs can be \(action)"
            )
        case .uniqueKeyTaken(let active):
            throw APIError(
                .conflict, code: "JOB_UNIQUE_KEY_TAKEN",
                message: "job \(active) with the same unique key is already pending or running; wait for it or cancel it first"
            )
        }
    }
}
