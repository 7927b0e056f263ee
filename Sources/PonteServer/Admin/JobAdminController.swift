import Foundation
import Hummingbird
import Logging
import NIOCore
import PonteCore
import PonteJobs
import PonteKit
import PonteStore

/// The job queue's admin API: jobs, queues, dead letters, stale leases.
struct JobAdminController: Sendable {
    let database: any StoreDatabase
    let queue: JobQueue
    /// What a stale-lease sweep changes besides the jobs (the runners' sweeps do the same).
    let abandonment: AbandonmentWrites
    let jobIDs = SortableIDGenerator(prefix: "job_")

    func addRoutes(to routes: inout APIRoutes) {
        Self.addSchemas(to: &routes)
        let tags = ["Jobs"]
        routes.get(
            "jobs",
            APIOperation("listJobs", "Jobs, newest first", tags: tags)
                .query("status", .oneOf(JobStatus.allCases.map(\.rawValue)), "Only jobs with this status")
                .query("queue", .string(), "Only this queue's")
                .query("priority", .oneOf(JobPriority.allCases.map(\.rawValue)), "Only this priority")
                .paged()
                .response(200, .ref("JobPage"), "A page")
                .errors(400, "INVALID_QUERY"),
            list
        )
        routes.get(
            "jobs/{id}",
            APIOperation("getJob", "A job with its failed attempts", tags: tags)
                .response(200, .ref("JobDetail"), "The job")
                .errors(404, "JOB_NOT_FOUND"),
            show
        )
        routes.post(
            "jobs/{id}/retry",
            APIOperation("retryJob", "Send a dead or cancelled job back to the queue, due now, with a fresh attempt budget", tags: tags)
                .response(200, .ref("Job"), "The job, pending again")
                .errors(404, "JOB_NOT_FOUND")
                .errors(409, "JOB_INVALID_TRANSITION", "JOB_UNIQUE_KEY_TAKEN"),
            retry
        )
        routes.post(
            "jobs/{id}/cancel",
            APIOperation("cancelJob", "Cancel a pending or dead job", tags: tags)
                .response(200, .ref("Job"), "The job, cancelled")
                .errors(404, "JOB_NOT_FOUND")
                .errors(409, "JOB_INVALID_TRANSITION"),
            cancel
        )
        routes.get(
            "queues",
            APIOperation("listQueues", "Each queue's jobs by status and priority, the age of its oldest due job, and the dead letters", tags: tags)
                .response(200, .ref("Queues"), "The queues"),
            queues
        )
        routes.post(
            "dead-letter/retry",
            APIOperation("retryDeadLetters", "Send matching dead letters back to the queue", tags: tags)
                .body(
                    .object([
                        "queue": JSONSchema.string().optional, "provider": JSONSchema.string().optional,
                        "error_contains": JSONSchema.string("A substring of the last error").optional,
                    ]),
                    required: false
                )
                .response(200, .object(["retried": .integer(minimum: 0), "ids": .array(.string())]), "What was retried")
                .errors(400, "INVALID_JSON"),
            retryDeadLetters
        )
        routes.post(
            "admin/recover-stale",
            APIOperation("recoverStaleJobs", "Sweep expired leases now (workers do it every second)", tags: tags)
                .response(200, .object(["requeued": .array(.string()), "dead_lettered": .array(.string())]), "What the sweep did"),
            recoverStale
        )
    }

    // MARK: Jobs

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let parameters = ListParameters(request)
        var query = JobQuery()
        query.status = try parameters.value(JobStatus.self, "status")
        query.priority = try parameters.value(JobPriority.self, "priority")
        query.queue = parameters.text("queue")
        query.before = try parameters.cursor(ids: jobIDs)
        let page = try await ListParameters.page(size: try parameters.limit(), id: \.id, item: JobJSON.init) { limit in
            query.limit = limit
            return try await database.listJobs(query)
        }
        return try .json(encoding: page)
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let (job, attempts) = try await database.job(id: id) else { throw Self.notFound(id) }
        return try .json(encoding: JobDetailJSON(job: JobJSON(job), attempts: attempts.map(AttemptJSON.init)))
    }

    @Sendable func retry(_ request: Request, context: APIRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let change = try await database.retryJob(id: id, now: queue.clock.now())
        let job = try Self.changed(change, id: id, action: "retried", allowed: "dead or cancelled")
        queue.wakeWorkers()
        context.logger.info("job retried by an operator", metadata: ["job_id": "\(id)"])
        return try .json(encoding: JobJSON(job))
    }

    @Sendable func cancel(_ request: Request, context: APIRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let job = try Self.changed(
            try await database.cancelJob(id: id, now: queue.clock.now()), id: id, action: "cancelled", allowed: "pending or dead"
        )
        context.logger.info("job cancelled by an operator", metadata: ["job_id": "\(id)"])
        return try .json(encoding: JobJSON(job))
    }

    // MARK: Queues and recovery

    @Sendable func queues(_ request: Request, context: APIRequestContext) async throws -> Response {
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

    @Sendable func retryDeadLetters(_ request: Request, context: APIRequestContext) async throws -> Response {
        var filter = DeadLetterFilter()
        let body = try await request.body.collect(upTo: 64 * 1024)
        if body.readableBytes > 0 {
            let parsed: DeadLetterRequest
            do {
                parsed = try JSONDecoder().decode(DeadLetterRequest.self, from: Data(body.readableBytesView))
            } catch {
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

    @Sendable func recoverStale(_ request: Request, context: APIRequestContext) async throws -> Response {
        let recovery = try await database.recoverStaleJobs(now: queue.clock.now(), abandonment: abandonment)
        context.logger.info(
            "stale jobs recovered by an operator",
            metadata: ["requeued": "\(recovery.requeued.count)", "dead_lettered": "\(recovery.deadLettered.count)"]
        )
        return try .json(encoding: RecoveryJSON(requeued: recovery.requeued, deadLettered: recovery.deadLettered))
    }

    // MARK: Helpers

    static func notFound(_ id: String) -> APIError {
        APIError.notFound("JOB_NOT_FOUND", "no job with id '\(id)'")
    }

    static func changed(_ change: JobChange, id: String, action: String, allowed: String) throws -> JobRecord {
        switch change {
        case .changed(let job):
            return job
        case .notFound:
            throw notFound(id)
        case .conflict(let status):
            throw APIError.conflict("JOB_INVALID_TRANSITION", "job \(id) is \(status.rawValue); only \(allowed) jobs can be \(action)")
        case .uniqueKeyTaken(let active):
            throw APIError.conflict(
                "JOB_UNIQUE_KEY_TAKEN",
                "job \(active) with the same unique key is already pending or running; wait for it or cancel it first"
            )
        }
    }

    static func addSchemas(to routes: inout APIRoutes) {
        routes.schema("Job", JobJSON.schema)
        routes.schema("JobPage", .object(["data": .array(.ref("Job")), "next_cursor": .string().nullable]))
        routes.schema(
            "JobAttempt",
            .object([
                "attempt": .integer(minimum: 0),
                "outcome": .oneOf(["failed", "dead", "lease_expired"]),
                "error": .string().nullable,
                "worker": .string().nullable,
                "started_at": JSONSchema.timestamp().nullable,
                "finished_at": .timestamp(),
            ])
        )
        var detail = JobJSON.properties
        detail.append(("attempt_history", .array(.ref("JobAttempt"), "Failed attempts, oldest first")))
        routes.schema("JobDetail", .object(detail))
        let count = JSONSchema.integer(minimum: 0)
        routes.schema(
            "Queues",
            .object([
                "queues": .array(
                    .object([
                        "queue": .string(), "pending": count, "running": count, "dead": count,
                        "by_priority": .map(.map(count), "Counts by priority, then status"),
                        "oldest_pending_age_seconds": JSONSchema.number("How long the oldest due job has waited").nullable,
                    ])
                ),
                "dead_letters": count,
            ])
        )
    }
}
