import PonteCore

/// The job queue's SQL, written once for both databases; every statement runs on an
/// executor, so callers can enqueue inside their own transaction.
enum JobSQL {
    static let columns =
        "id, queue, kind, priority, status, payload, unique_key, provider, run_at, attempts, max_attempts, lease_owner, lease_expires_at, last_error, created_at, started_at, finished_at, result"
    static let insertColumns =
        "id, queue, kind, priority, status, payload, unique_key, provider, run_at, order_key, max_attempts, created_at"
    static let insertFieldsPerRow = 12
    /// Rows per INSERT statement: well inside both databases' limits on bound parameters.
    static let insertChunk = 1000
    static let activeStatuses = "('pending', 'running')"

    /// The claim order key of a row whose due time is `runAtSQL`: due time plus the head-start
    /// delay of its priority (see `JobPriority.headStartDelay`).
    static func orderKey(_ runAtSQL: String) -> String {
        var sql = "(\(runAtSQL) + CASE priority"
        for priority in JobPriority.allCases {
            sql += " WHEN '\(priority.rawValue)' THEN \(priority.headStartDelay.microseconds)"
        }
        return sql + " ELSE 0 END)"
    }

    /// Inserts jobs; a job whose unique key belongs to an active job is not inserted and
    /// reports that job instead. On PostgreSQL, idle workers are woken at commit.
    static func enqueue(_ jobs: [NewJob], now: Int64, on sql: any SQLExecutor) async throws -> [EnqueuedJob] {
        guard !jobs.isEmpty else { return [] }
        var inserted = Set<String>()
        var start = 0
        while start < jobs.count {
            let chunk = jobs[start..<min(start + insertChunk, jobs.count)]
            start += chunk.count
            var binds: [SQLValue] = []
            binds.reserveCapacity(chunk.count * insertFieldsPerRow)
            for job in chunk {
                binds.append(.text(job.id))
                binds.append(.text(job.queue))
                binds.append(.text(job.kind))
                binds.append(.text(job.priority.rawValue))
                binds.append(.text(JobStatus.pending.rawValue))
                binds.append(.text(job.payload))
                binds.append(SQLValue(job.uniqueKey))
                binds.append(SQLValue(job.provider))
                binds.append(.integer(job.runAt))
                binds.append(.integer(job.priority.orderKey(runAt: job.runAt)))
                binds.append(.integer(Int64(job.maxAttempts)))
                binds.append(.integer(now))
            }
            let statement =
                "INSERT INTO jobs (\(insertColumns)) VALUES \(SQLText.rows(chunk.count, columns: insertFieldsPerRow))"
                + " ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND status IN \(activeStatuses) DO NOTHING RETURNING id"
            for row in try await sql.query(statement, binds) {
                if let id = row.text(0) { inserted.insert(id) }
            }
        }
        var existing: [String: String] = [:]
        let keys = Set(jobs.filter { !inserted.contains($0.id) }.compactMap(\.uniqueKey))
        if !keys.isEmpty {
            let rows = try await sql.query(
                "SELECT unique_key, id FROM jobs WHERE status IN \(activeStatuses) AND \(sql.dialect.inList("unique_key"))",
                [.textList(Array(keys))]
            )
            for row in rows {
                existing[try row.requiredText(0, "unique key")] = try row.requiredText(1, "job id")
            }
        }
        for queue in Set(jobs.filter { inserted.contains($0.id) }.map(\.queue)) {
            try await sql.notifyWorkers(queue: queue)
        }
        return try jobs.map { job in
            if inserted.contains(job.id) { return EnqueuedJob(id: job.id, existing: false) }
            guard let key = job.uniqueKey, let id = existing[key] else {
                throw StoreError("job \(job.id) was neither inserted nor found by its unique key")
            }
            return EnqueuedJob(id: id, existing: true)
        }
    }

    static func record(_ row: SQLRow) throws -> JobRecord {
        let id = try row.requiredText(0, "job id")
        guard let priority = row.text(3).flatMap(JobPriority.init(rawValue:)),
            let status = row.text(4).flatMap(JobStatus.init(rawValue:))
        else {
            throw StoreError("job \(id) has an unknown priority or status")
        }
        return JobRecord(
            id: id, queue: try row.requiredText(1, "queue"), kind: try row.requiredText(2, "kind"),
            priority: priority, status: status, payload: try row.requiredText(5, "payload"),
            uniqueKey: row.text(6), provider: row.text(7), runAt: try row.requiredInteger(8, "run_at"),
            attempts: Int(try row.requiredInteger(9, "attempts")), maxAttempts: Int(try row.requiredInteger(10, "max_attempts")),
            leaseOwner: row.text(11), leaseExpiresAt: row.integer(12), lastError: row.text(13),
            createdAt: try row.requiredInteger(14, "created_at"), startedAt: row.integer(15), finishedAt: row.integer(16),
            result: row.text(17)
        )
    }

    /// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
    static func likeSubstring(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return "%" + escaped + "%"
    }
}

extension SQLExecutor {
    /// Cancels the pending jobs holding any of `uniqueKeys` (a deadline the domain no longer
    /// needs), inside the caller's transaction; returns how many were cancelled. A running job
    /// is left alone: its handler decides for itself.
    @discardableResult
    public func cancelPendingJobs(uniqueKeys: [String], now: Int64) async throws -> Int {
        guard !uniqueKeys.isEmpty else { return 0 }
        // The partial index on active unique keys serves this: its condition is repeated.
        let rows = try await query(
            """
            UPDATE jobs SET status = 'cancelled', finished_at = ?
            WHERE \(dialect.inList("unique_key")) AND status IN \(JobSQL.activeStatuses) AND status = 'pending'
            RETURNING id
            """,
            [.integer(now), .textList(uniqueKeys)]
        )
        return rows.count
    }
}
