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
        let parameters = request.uri.queryParameters
        var query = JobQuery()
        if let status = parameters["status"], !status.isEmpty {
            query.status = try Self.parse(JobStatus.self, "status", String(status))
        }
        if let priority = parameters["priority"], !priority.isEmpty {
            query.priority = try Self.parse(JobPriority.self, "priority", String(priority))
        }
        if let name = parameters["queue"], !name.isEmpty { query.queue = String(name) }
        if let limit = parameters["limit"], !limit.isEmpty {
            guard let value = Int(limit), (1...WebhookAdminController.maxLimit).contains(value) else {
                throw APIError.badRequest("INVALID_QUERY", "limit must be a whole number from 1 to \(WebhookAdminController.maxLimit)")
            }
            query.limit = value
        }
        if let cursor = parameters["cursor"], !cursor.isEmpty {
            guard jobIDs.isWellFormed(String(cursor)) else {
                throw APIError.badRequest("INVALID_QUERY", "cursor '\(cursor)' is not one this API returned; pass next_cursor from the previous page")
            }
            query.before = String(cursor)
        }
        let pageSize = query.limit
        query.limit = pageSize + 1
        var rows = try await database.listJobs(query)
        let hasMore = rows.count > pageSize
        if hasMore { rows.removeLast() }
        return try WebhookAdminController.encode(JobPage(data: rows.map(JobJSON.init), nextCursor: hasMore ? rows.last?.id : nil))
    }

    @Sendable func show(_ request: Request, context: PonteRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let (job, attempts) = try await database.job(id: id) else { throw Self.notFound(id) }
        return try WebhookAdminController.encode(JobDetailJSON(job: JobJSON(job), attempts: attempts.map(AttemptJSON.init)))
    }

    @Sendable func retry(_ request: Request, context: PonteRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let change = try await database.retryJob(id: id, now: queue.clock.now())
        let job = try Self.changed(change, id: id, action: "retried", allowed: "dead or cancelled")
        queue.wakeWorkers()
        context.logger.info("job retried by an operator", metadata: ["job_id": "\(id)"])
        return try WebhookAdminController.encode(JobJSON(job))
    }

    @Sendable func cancel(_ request: Request, context: PonteRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let job = try Self.changed(
            try await database.cancelJob(id: id, now: queue.clock.now()), id: id, action: "cancelled", allowed: "pending or dead"
        )
        context.logger.info("job cancelled by an operator", metadata: ["job_id": "\(id)"])
        return try WebhookAdminController.encode(JobJSON(job))
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
        return try WebhookAdminController.encode(QueuesJSON(queues: queues, deadLetters: queues.reduce(0) { $0 + $1.dead }))
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
        return try WebhookAdminController.encode(RetriedJSON(retried: ids.count, ids: ids))
    }

    @Sendable func recoverStale(_ request: Request, context: PonteRequestContext) async throws -> Response {
        let recovery = try await database.recoverStaleJobs(now: queue.clock.now())
        context.logger.info(
            "stale jobs recovered by an operator",
            metadata: ["requeued": "\(recovery.requeued.count)", "dead_lettered": "\(recovery.deadLettered.count)"]
        )
        return try WebhookAdminController.encode(RecoveryJSON(requeued: recovery.requeued, deadLettered: recovery.deadLettered))
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
        var response = try WebhookAdminController.encode(ReplayJSON(webhookID: id, jobID: outcome.id, existing: outcome.existing))
        response.status = .accepted
        return response
    }

    // MARK: Helpers

    static func parse<T: RawRepresentable & CaseIterable>(_ type: T.Type, _ name: String, _ text: String) throws -> T
    where T.RawValue == String {
        guard let value = T(rawValue: text) else {
            throw APIError.badRequest(
                "INVALID_QUERY", "\(name) '\(text)' is unknown; use one of \(T.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        return value
    }

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
