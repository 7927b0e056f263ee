import PonteCore

extension SQLExecutor {
    /// Enqueues jobs inside this transaction, so they commit or fail with its other changes.
    public func enqueue(_ jobs: [NewJob], now: Int64) async throws -> [EnqueuedJob] {
        try await JobSQL.enqueue(jobs, now: now, on: self)
    }
}

/// What an operator's change to one job did.
public enum JobChange: Sendable, Equatable {
    case changed(JobRecord)
    case notFound
    /// The job's status does not allow the change.
    case conflict(JobStatus)
    /// Another job with the same unique key is already pending or running.
    case uniqueKeyTaken(activeJobID: String)
}

/// The job queue's operations, written once for both databases. Times are microseconds
/// since the Unix epoch, passed in by the caller (whose clock tests control).
extension StoreDatabase {
    // MARK: Enqueue

    /// Enqueues jobs in one transaction. To enqueue together with another change, call
    /// `enqueue` on the executor inside that change's `write`.
    public func enqueue(_ jobs: [NewJob], now: Int64) async throws -> [EnqueuedJob] {
        try await write { sql in try await JobSQL.enqueue(jobs, now: now, on: sql) }
    }


    // MARK: Workers

    /// Claims up to `limit` due jobs of `queue`, most urgent first, leasing them to `worker`
    /// until `leaseUntil`. With `queueLimit`, claims only while fewer than that many jobs of
    /// the queue are running in all processes together.
    public func claimJobs(
        queue: String, limit: Int, queueLimit: Int? = nil, worker: String, now: Int64, leaseUntil: Int64
    ) async throws -> [ClaimedJob] {
        let request = ClaimRequest(queue: queue, limit: limit, queueLimit: queueLimit, worker: worker, now: now, leaseUntil: leaseUntil)
        guard limit > 0 else { return [] }
        return try await write { sql in try await sql.claimJobs(request) }
    }

    /// Records how attempts ended, in one transaction. Only jobs still running under
    /// `worker`'s lease change; the ids of the others (their lease expired and the job was
    /// handed on) are returned.
    @discardableResult
    public func finishJobs(
        _ results: [JobResult], writes: [String: [DeferredWrite]] = [:], worker: String, now: Int64
    ) async throws -> [String] {
        guard !results.isEmpty else { return [] }
        return try await write { sql in
            let applied = try await sql.finishJobs(results, worker: worker, now: now)
            try await DeferredWrite.run(results.filter { applied.contains($0.id) }.flatMap { writes[$0.id] ?? [] }, on: sql)
            return results.map(\.id).filter { !applied.contains($0) }
        }
    }

    /// `finishJobs` then `claimJobs` in one transaction (one commit, one fsync): a worker's
    /// loop records what finished and takes the next jobs in one go.
    public func finishAndClaim(
        _ results: [JobResult], writes: [String: [DeferredWrite]] = [:], claim request: ClaimRequest
    ) async throws -> (lost: [String], claimed: [ClaimedJob]) {
        guard !results.isEmpty || request.limit > 0 else { return ([], []) }
        return try await write { sql in
            let applied = try await sql.finishJobs(results, worker: request.worker, now: request.now)
            try await DeferredWrite.run(results.filter { applied.contains($0.id) }.flatMap { writes[$0.id] ?? [] }, on: sql)
            let claimed = request.limit > 0 ? try await sql.claimJobs(request) : []
            return (results.map(\.id).filter { !applied.contains($0) }, claimed)
        }
    }
}

extension SQLExecutor {
    /// Claims due jobs inside this transaction (see `StoreDatabase.claimJobs`).
    public func claimJobs(_ request: ClaimRequest) async throws -> [ClaimedJob] {
        let sql = self
        let dialect = sql.dialect
        var pickBinds: [SQLValue] = [.text(request.queue), .integer(request.now), .integer(Int64(request.limit))]
        var limitSQL = "?"
        if let queueLimit = request.queueLimit {
            limitSQL =
                "\(dialect.greatest)(0, \(dialect.least)(?, ? - (SELECT count(*) FROM jobs WHERE status = 'running' AND queue = ?)))"
            pickBinds += [.integer(Int64(queueLimit)), .text(request.queue)]
            if let lock = dialect.transactionLockSQL {
                try await sql.execute(lock, [.text("ponte.queue.\(request.queue)")])
            }
        }
        // The due jobs are picked first (and locked, on PostgreSQL), then each is updated
        // through the primary key. The rows come back in no particular order, so they are sorted.
        let pick = """
            SELECT id FROM jobs WHERE status = 'pending' AND queue = ? AND run_at <= ?
            ORDER BY order_key LIMIT \(limitSQL)\(dialect.skipLocked)
            """
        let statement = """
            UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = ?, lease_expires_at = ?, started_at = ?
            WHERE \(dialect.inSubquery("id", pick))
            RETURNING id, queue, kind, priority, payload, provider, attempts, max_attempts, run_at, started_at, order_key
            """
        let binds: [SQLValue] = [.text(request.worker), .integer(request.leaseUntil), .integer(request.now)] + pickBinds
        let rows = try await sql.query(statement, binds).sorted { ($0.integer(10) ?? 0) < ($1.integer(10) ?? 0) }
        return try rows.map { row in
            let id = try row.requiredText(0, "job id")
            guard let priority = row.text(3).flatMap(JobPriority.init(rawValue:)) else {
                throw StoreError("job \(id) has an unknown priority")
            }
            return ClaimedJob(
                id: id, queue: try row.requiredText(1, "queue"), kind: try row.requiredText(2, "kind"), priority: priority,
                payload: try row.requiredText(4, "payload"), provider: row.text(5),
                attempt: Int(try row.requiredInteger(6, "attempts")), maxAttempts: Int(try row.requiredInteger(7, "max_attempts")),
                runAt: try row.requiredInteger(8, "run_at"), startedAt: try row.requiredInteger(9, "started_at")
            )
        }
    }

    /// Records how attempts ended inside this transaction; returns the ids of the jobs whose
    /// outcome was recorded.
    ///
    /// Only rows whose `lease_owner` is still `worker` change. Every way out of `running`
    /// clears the lease owner, so that test alone says the job is still running under this
    /// worker's lease; leaving `status` out lets the database find the rows by primary key.
    public func finishJobs(_ results: [JobResult], worker: String, now: Int64) async throws -> Set<String> {
        let sql = self
        guard !results.isEmpty else { return [] }
        var applied = Set<String>()
        let succeeded = results.compactMap { result -> String? in
            if case .succeeded(let id) = result { return id } else { return nil }
        }
        if !succeeded.isEmpty {
            let rows = try await sql.query(
                """
                UPDATE jobs SET status = 'succeeded', finished_at = ?, lease_owner = NULL, lease_expires_at = NULL
                WHERE lease_owner = ? AND \(sql.dialect.inList("id")) RETURNING id
                """,
                [.integer(now), .text(worker), .textList(succeeded)]
            )
            for row in rows { if let id = row.text(0) { applied.insert(id) } }
        }
        for result in results {
            switch result {
            case .succeeded:
                continue
            case .retry(let id, let at, let error):
                if try await JobSQL.endAttempt(id, status: .pending, runAt: at, error: error, outcome: "failed", worker: worker, now: now, on: sql) {
                    applied.insert(id)
                }
            case .dead(let id, let error):
                if try await JobSQL.endAttempt(id, status: .dead, runAt: nil, error: error, outcome: "dead", worker: worker, now: now, on: sql) {
                    applied.insert(id)
                }
            case .release(let id, let at):
                let rows = try await sql.query(
                    """
                    UPDATE jobs SET status = 'pending', attempts = attempts - 1, run_at = ?, order_key = \(JobSQL.orderKey("?")),
                    lease_owner = NULL, lease_expires_at = NULL, started_at = NULL
                    WHERE id = ? AND lease_owner = ? RETURNING id
                    """,
                    [.integer(at), .integer(at), .text(id), .text(worker)]
                )
                if !rows.isEmpty { applied.insert(id) }
            }
        }
        return applied
    }
}

extension JobSQL {
    /// Ends a failed attempt: back to pending at `runAt`, or dead; the attempt joins the history.
    static func endAttempt(
        _ id: String, status: JobStatus, runAt: Int64?, error: String, outcome: String, worker: String, now: Int64,
        on sql: any SQLExecutor
    ) async throws -> Bool {
        var binds: [SQLValue] = [.text(status.rawValue), .text(error)]
        var set = "status = ?, last_error = ?, lease_owner = NULL, lease_expires_at = NULL"
        if let runAt {
            set += ", run_at = ?, order_key = \(JobSQL.orderKey("?"))"
            binds += [.integer(runAt), .integer(runAt)]
        } else {
            set += ", finished_at = ?"
            binds.append(.integer(now))
        }
        binds += [.text(id), .text(worker)]
        let rows = try await sql.query(
            "UPDATE jobs SET \(set) WHERE id = ? AND lease_owner = ? RETURNING attempts, started_at",
            binds
        )
        guard let row = rows.first else { return false }
        try await sql.execute(
            "INSERT INTO job_attempts (job_id, attempt, worker, started_at, finished_at, outcome, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [.text(id), .integer(row.integer(0) ?? 0), .text(worker), SQLValue(row.integer(1)), .integer(now), .text(outcome), .text(error)]
        )
        return true
    }
}

extension StoreDatabase {
    /// Extends the lease of every job `worker` is running.
    public func renewLeases(worker: String, until: Int64) async throws {
        try await write { sql in
            try await sql.execute(
                "UPDATE jobs SET lease_expires_at = ? WHERE status = 'running' AND lease_owner = ?",
                [.integer(until), .text(worker)]
            )
        }
    }

    /// Finds running jobs whose lease expired (their worker died or lost the database) and
    /// puts them back to pending, or dead-letters those that were on their last attempt.
    /// `abandonment` gives each job's other changes, made in the same transaction.
    public func recoverStaleJobs(now: Int64, abandonment: AbandonmentWrites = { _ in [] }) async throws -> StaleRecovery {
        let dialect = self.dialect
        return try await write { sql -> StaleRecovery in
            let stale = try await sql.query(
                "SELECT id, attempts, max_attempts, lease_owner, started_at, kind, payload FROM jobs WHERE status = 'running' AND lease_expires_at < ?\(dialect.skipLocked)",
                [.integer(now)]
            )
            var recovery = StaleRecovery()
            for row in stale {
                let id = try row.requiredText(0, "job id")
                let attempts = try row.requiredInteger(1, "attempts")
                let dead = attempts >= (row.integer(2) ?? 0)
                let owner = row.text(3) ?? "?"
                let error = "lease expired: worker \(owner) stopped renewing it (it stopped, was killed or lost the database)"
                if dead {
                    try await sql.execute(
                        "UPDATE jobs SET status = 'dead', last_error = ?, finished_at = ?, lease_owner = NULL, lease_expires_at = NULL WHERE id = ?",
                        [.text(error), .integer(now), .text(id)]
                    )
                    recovery.deadLettered.append(id)
                } else {
                    try await sql.execute(
                        """
                        UPDATE jobs SET status = 'pending', last_error = ?, run_at = ?, order_key = \(JobSQL.orderKey("?")),
                        lease_owner = NULL, lease_expires_at = NULL WHERE id = ?
                        """,
                        [.text(error), .integer(now), .integer(now), .text(id)]
                    )
                    recovery.requeued.append(id)
                }
                try await sql.execute(
                    "INSERT INTO job_attempts (job_id, attempt, worker, started_at, finished_at, outcome, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [.text(id), .integer(attempts), .text(owner), SQLValue(row.integer(4)), .integer(now), .text("lease_expired"), .text(error)]
                )
                let abandoned = AbandonedJob(
                    id: id, kind: try row.requiredText(5, "job kind"), payload: try row.requiredText(6, "job payload"),
                    deadLettered: dead, error: error
                )
                for write in abandonment(abandoned) {
                    try await sql.execute(write.sql, write.binds)
                }
            }
            if !recovery.requeued.isEmpty { try await sql.notifyWorkers(queue: nil) }
            return recovery
        }
    }

    /// True when `queue` has a pending job due by `now` (a cheap check for idle workers).
    public func hasDueJobs(queue: String, now: Int64) async throws -> Bool {
        !(try await read("SELECT 1 FROM jobs WHERE status = 'pending' AND queue = ? AND run_at <= ? LIMIT 1", [.text(queue), .integer(now)]))
            .isEmpty
    }

    // MARK: Operators

    public func listJobs(_ query: JobQuery) async throws -> [JobRecord] {
        var conditions: [String] = []
        var binds: [SQLValue] = []
        if let status = query.status {
            conditions.append("status = ?")
            binds.append(.text(status.rawValue))
        }
        if let queue = query.queue {
            conditions.append("queue = ?")
            binds.append(.text(queue))
        }
        if let priority = query.priority {
            conditions.append("priority = ?")
            binds.append(.text(priority.rawValue))
        }
        if let before = query.before {
            conditions.append("id < ?")
            binds.append(.text(before))
        }
        var statement = "SELECT \(JobSQL.columns) FROM jobs"
        if !conditions.isEmpty { statement += " WHERE " + conditions.joined(separator: " AND ") }
        statement += " ORDER BY id DESC LIMIT \(max(1, query.limit))"
        return try await read(statement, binds).map(JobSQL.record)
    }

    /// One job and its failed attempts, oldest first.
    public func job(id: String) async throws -> (job: JobRecord, attempts: [JobAttempt])? {
        guard let row = try await read("SELECT \(JobSQL.columns) FROM jobs WHERE id = ?", [.text(id)]).first else { return nil }
        let attempts = try await read(
            "SELECT attempt, worker, started_at, finished_at, outcome, error FROM job_attempts WHERE job_id = ? ORDER BY seq",
            [.text(id)]
        ).map { row in
            JobAttempt(
                attempt: Int(row.integer(0) ?? 0), worker: row.text(1), startedAt: row.integer(2),
                finishedAt: try row.requiredInteger(3, "finished_at"), outcome: try row.requiredText(4, "outcome"), error: row.text(5)
            )
        }
        return (try JobSQL.record(row), attempts)
    }

    /// Sends a dead or cancelled job back to the queue, due now, with a fresh attempt budget.
    public func retryJob(id: String, now: Int64) async throws -> JobChange {
        try await write { sql -> JobChange in
            guard let current = try await sql.query("SELECT \(JobSQL.columns) FROM jobs WHERE id = ?\(sql.dialect.forUpdate)", [.text(id)]).first
            else { return .notFound }
            let job = try JobSQL.record(current)
            guard job.status == .dead || job.status == .cancelled else { return .conflict(job.status) }
            if let key = job.uniqueKey,
                let active = try await sql.query(
                    "SELECT id FROM jobs WHERE unique_key = ? AND status IN \(JobSQL.activeStatuses)", [.text(key)]
                ).first?.text(0)
            {
                return .uniqueKeyTaken(activeJobID: active)
            }
            let rows = try await sql.query(
                """
                UPDATE jobs SET status = 'pending', attempts = 0, run_at = ?, order_key = \(JobSQL.orderKey("?")),
                started_at = NULL, finished_at = NULL WHERE id = ? RETURNING \(JobSQL.columns)
                """,
                [.integer(now), .integer(now), .text(id)]
            )
            guard let row = rows.first else { return .notFound }
            let retried = try JobSQL.record(row)
            try await sql.notifyWorkers(queue: retried.queue)
            return .changed(retried)
        }
    }

    /// Cancels a pending or dead job. A running job cannot be cancelled: its handler may be
    /// halfway through a provider call.
    public func cancelJob(id: String, now: Int64) async throws -> JobChange {
        try await write { sql -> JobChange in
            let rows = try await sql.query(
                """
                UPDATE jobs SET status = 'cancelled', finished_at = ? WHERE id = ? AND status IN ('pending', 'dead')
                RETURNING \(JobSQL.columns)
                """,
                [.integer(now), .text(id)]
            )
            if let row = rows.first { return .changed(try JobSQL.record(row)) }
            guard let status = try await sql.query("SELECT status FROM jobs WHERE id = ?", [.text(id)]).first?.text(0) else {
                return .notFound
            }
            return .conflict(JobStatus(rawValue: status) ?? .running)
        }
    }

    /// Counts of pending, running and dead jobs by queue and priority, with the due time of
    /// the oldest due pending job.
    public func queueCounts(now: Int64) async throws -> [QueueCount] {
        // One branch per status, each served by that status's partial index.
        let rows = try await read(
            """
            SELECT queue, priority, 'pending', count(*), min(CASE WHEN run_at <= ? THEN run_at END) FROM jobs
            WHERE status = 'pending' GROUP BY queue, priority
            UNION ALL SELECT queue, priority, 'running', count(*), NULL FROM jobs WHERE status = 'running' GROUP BY queue, priority
            UNION ALL SELECT queue, priority, 'dead', count(*), NULL FROM jobs WHERE status = 'dead' GROUP BY queue, priority
            """,
            [.integer(now)]
        )
        return try rows.map { row -> QueueCount in
            guard let priority = row.text(1).flatMap(JobPriority.init(rawValue:)),
                let status = row.text(2).flatMap(JobStatus.init(rawValue:))
            else { throw StoreError("unreadable queue count row") }
            return QueueCount(
                queue: try row.requiredText(0, "queue"), priority: priority, status: status,
                count: Int(try row.requiredInteger(3, "count")), oldestDueAt: row.integer(4)
            )
        }
        .sorted { ($0.queue, $0.priority.rank, $0.status.rawValue) < ($1.queue, $1.priority.rank, $1.status.rawValue) }
    }

    /// Sends matching dead letters back to the queue, due now; returns their ids. Dead jobs
    /// whose unique key is held by an active job stay dead, and of dead jobs sharing a unique
    /// key only the newest goes back (the key allows one active job).
    public func retryDeadLetters(_ filter: DeadLetterFilter, now: Int64) async throws -> [String] {
        var conditions = [
            "status = 'dead'",
            """
            (unique_key IS NULL OR NOT EXISTS (SELECT 1 FROM jobs sibling WHERE sibling.unique_key = jobs.unique_key
            AND (sibling.status IN \(JobSQL.activeStatuses) OR (sibling.status = 'dead' AND sibling.id > jobs.id))))
            """,
        ]
        var binds: [SQLValue] = [.integer(now), .integer(now)]
        if let queue = filter.queue {
            conditions.append("queue = ?")
            binds.append(.text(queue))
        }
        if let provider = filter.provider {
            conditions.append("provider = ?")
            binds.append(.text(provider))
        }
        if let text = filter.errorContains {
            conditions.append("last_error LIKE ? ESCAPE '\\'")
            binds.append(.text(JobSQL.likeSubstring(text)))
        }
        let statement = """
            UPDATE jobs SET status = 'pending', attempts = 0, run_at = ?, order_key = \(JobSQL.orderKey("?")),
            started_at = NULL, finished_at = NULL WHERE \(conditions.joined(separator: " AND ")) RETURNING id
            """
        let retryBinds = binds
        return try await write { sql -> [String] in
            let ids = try await sql.query(statement, retryBinds).compactMap { $0.text(0) }
            if !ids.isEmpty { try await sql.notifyWorkers(queue: nil) }
            return ids
        }
    }

    // MARK: Schedules

    /// Adds or updates a periodic job. An unchanged spec keeps its next due time, so
    /// restarting every process does not shift or repeat a run.
    public func upsertSchedule(_ schedule: JobScheduleRecord) async throws {
        try await write { sql in
            try await sql.execute(
                """
                INSERT INTO job_schedules (name, kind, queue, priority, payload, spec, next_run_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, queue = excluded.queue, priority = excluded.priority,
                payload = excluded.payload, spec = excluded.spec,
                next_run_at = CASE WHEN job_schedules.spec = excluded.spec THEN job_schedules.next_run_at ELSE excluded.next_run_at END
                """,
                [
                    .text(schedule.name), .text(schedule.kind), .text(schedule.queue), .text(schedule.priority.rawValue),
                    .text(schedule.payload), .text(schedule.spec), .integer(schedule.nextRunAt),
                ]
            )
        }
    }

    /// Enqueues one job for each schedule that is due, and moves the schedule to its next due
    /// time, in one transaction. Across processes each due time fires once (PostgreSQL rows
    /// are locked, SQLite has one writer); the job's unique key `schedule:<name>` keeps a
    /// run from starting while the previous one is still pending or running.
    public func fireDueSchedules(
        now: Int64,
        nextRunAt: @escaping @Sendable (JobScheduleRecord) -> Int64,
        makeJob: @escaping @Sendable (JobScheduleRecord) -> NewJob
    ) async throws -> [EnqueuedJob] {
        let dialect = self.dialect
        return try await write { sql -> [EnqueuedJob] in
            let rows = try await sql.query(
                "SELECT name, kind, queue, priority, payload, spec, next_run_at FROM job_schedules WHERE next_run_at <= ? ORDER BY next_run_at\(dialect.skipLocked)",
                [.integer(now)]
            )
            var enqueued: [EnqueuedJob] = []
            for row in rows {
                let schedule = JobScheduleRecord(
                    name: try row.requiredText(0, "schedule name"), kind: try row.requiredText(1, "kind"),
                    queue: try row.requiredText(2, "queue"),
                    priority: row.text(3).flatMap(JobPriority.init(rawValue:)) ?? .normal,
                    payload: try row.requiredText(4, "payload"), spec: try row.requiredText(5, "spec"),
                    nextRunAt: try row.requiredInteger(6, "next_run_at")
                )
                enqueued += try await JobSQL.enqueue([makeJob(schedule)], now: now, on: sql)
                try await sql.execute(
                    "UPDATE job_schedules SET next_run_at = ?, last_run_at = ? WHERE name = ?",
                    [.integer(nextRunAt(schedule)), .integer(now), .text(schedule.name)]
                )
            }
            return enqueued
        }
    }

    public func schedules() async throws -> [JobScheduleRecord] {
        try await read("SELECT name, kind, queue, priority, payload, spec, next_run_at FROM job_schedules ORDER BY name", []).map { row in
            JobScheduleRecord(
                name: try row.requiredText(0, "schedule name"), kind: try row.requiredText(1, "kind"),
                queue: try row.requiredText(2, "queue"), priority: row.text(3).flatMap(JobPriority.init(rawValue:)) ?? .normal,
                payload: try row.requiredText(4, "payload"), spec: try row.requiredText(5, "spec"),
                nextRunAt: try row.requiredInteger(6, "next_run_at")
            )
        }
    }

    // MARK: Rate limits

    /// Takes one token from the bucket `key`, shared by every process on this database.
    /// Returns 0 when a token was taken, else how many microseconds to wait for one.
    public func takeRateLimitToken(key: String, limit: RateLimit, now: Int64) async throws -> Int64 {
        try await write { sql -> Int64 in
            try await sql.execute(
                "INSERT INTO rate_limits (key, tokens, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
                [.text(key), .real(Double(limit.capacity)), .integer(now)]
            )
            let row = try await sql.query(
                "SELECT tokens, updated_at FROM rate_limits WHERE key = ?\(sql.dialect.forUpdate)", [.text(key)]
            ).first
            let stored = row?.real(0) ?? Double(limit.capacity)
            let updatedAt = row?.integer(1) ?? now
            let refill = Double(max(0, now - updatedAt)) * limit.refillPerMicrosecond
            var tokens = min(Double(limit.capacity), stored + refill)
            var wait: Int64 = 0
            if tokens >= 1 {
                tokens -= 1
            } else {
                wait = max(1, Int64(((1 - tokens) / limit.refillPerMicrosecond).rounded(.up)))
            }
            try await sql.execute(
                "UPDATE rate_limits SET tokens = ?, updated_at = ? WHERE key = ?",
                [.real(tokens), .integer(max(now, updatedAt)), .text(key)]
            )
            return wait
        }
    }

    // MARK: Benchmarks

    /// Due, start and finish times of the succeeded jobs of `kind` in `queue`.
    public func jobTimings(queue: String, kind: String) async throws -> [JobTiming] {
        try await read(
            "SELECT run_at, started_at, finished_at FROM jobs WHERE queue = ? AND kind = ? AND status = 'succeeded'",
            [.text(queue), .text(kind)]
        ).map { row in
            JobTiming(
                runAt: try row.requiredInteger(0, "run_at"), startedAt: try row.requiredInteger(1, "started_at"),
                finishedAt: try row.requiredInteger(2, "finished_at")
            )
        }
    }
}

extension StoreDatabase {
    /// Deletes succeeded and cancelled jobs that finished before `before`, with their
    /// attempt history; returns how many jobs went. Dead letters are kept until an operator
    /// acts on them.
    public func pruneFinishedJobs(before: Int64, limit: Int = 10_000) async throws -> Int {
        try await write { sql -> Int in
            let ids = try await sql.query(
                "SELECT id FROM jobs WHERE status IN ('succeeded', 'cancelled') AND finished_at < ? LIMIT \(max(1, limit))",
                [.integer(before)]
            ).compactMap { $0.text(0) }
            guard !ids.isEmpty else { return 0 }
            try await sql.execute("DELETE FROM job_attempts WHERE \(sql.dialect.inList("job_id"))", [.textList(ids)])
            try await sql.execute("DELETE FROM jobs WHERE \(sql.dialect.inList("id"))", [.textList(ids)])
            return ids.count
        }
    }
}
