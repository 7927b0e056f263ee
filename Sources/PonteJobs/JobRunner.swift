import Logging
import PonteCore
import PonteStore
import ServiceLifecycle
import Synchronization

/// Runs jobs from the database: claims due jobs with a lease, runs their handlers, records
/// the outcome, retries with backoff, dead-letters what keeps failing, sweeps stale leases
/// and fires periodic jobs.
///
/// Any number of runners, in any number of processes, may share one database. On graceful
/// shutdown a runner stops claiming, lets running jobs finish within `shutdownGrace`, then
/// cancels the rest and puts them back to pending.
public final class JobRunner: Service, Sendable {
    /// How one attempt ended, for metrics.
    public typealias FinishObserver = @Sendable (_ job: ClaimedJob, _ result: JobResult, _ seconds: Double) -> Void

    public let workerID: String
    let database: any StoreDatabase
    private let registry: JobRegistry
    private let settings: JobRunnerSettings
    private let periodic: [PeriodicJob]
    let queue: JobQueue
    private let random: @Sendable () -> Double
    private let onFinish: FinishObserver
    let logger: Logger
    private let doorbells: [String: Doorbell]
    private let maintenanceBell = Doorbell()
    private let prepare: @Sendable () async throws -> Void
    /// Units of work of handlers, run in the transactions that record their jobs' outcomes.
    let work: UnitsOfWork
    private let stopping = Atomic<Bool>(false)
    /// True until every queue loop has ended; leases are renewed until then.
    private let queuesRunning = Atomic<Bool>(true)

    /// - Parameters:
    ///   - streams: where events appended by handlers' units of work are announced once committed.
    ///   - prepare: runs before anything else, e.g. waiting for migrations.
    public init(
        database: any StoreDatabase, registry: JobRegistry, settings: JobRunnerSettings, periodic: [PeriodicJob] = [],
        queue: JobQueue, streams: EventStreams? = nil, workerID: String, logger: Logger,
        prepare: @escaping @Sendable () async throws -> Void = {},
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        onFinish: @escaping FinishObserver = { _, _, _ in }
    ) {
        self.database = database
        self.registry = registry
        self.settings = settings
        self.periodic = periodic
        self.queue = queue
        self.work = UnitsOfWork(database: database, queue: queue, streams: streams)
        self.prepare = prepare
        self.workerID = workerID
        self.random = random
        self.onFinish = onFinish
        var logger = logger
        logger[metadataKey: "worker"] = "\(workerID)"
        self.logger = logger
        var doorbells: [String: Doorbell] = [:]
        for queue in settings.queues { doorbells[queue.name] = Doorbell() }
        self.doorbells = doorbells
    }

    private var clock: any JobClock { queue.clock }

    /// Wakes the loop of `queue` (or of every queue) to look for due jobs now.
    public func wake(queue name: String? = nil) {
        if let name {
            doorbells[name]?.ring()
        } else {
            for bell in doorbells.values { bell.ring() }
        }
    }

    // MARK: Service

    public func run() async throws {
        try await prepare()
        try await registerSchedules()
        logger.info(
            "workers started",
            metadata: [
                "queues": "\(settings.queues.map { "\($0.name)×\($0.concurrency)" }.joined(separator: ","))",
                "kinds": "\(registry.kinds.joined(separator: ","))",
            ]
        )
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { loops in
                loops.addTask { await self.renewLeases() }
                loops.addTask { await self.maintain() }
                loops.addTask { await self.listen() }
                await withDiscardingTaskGroup { queues in
                    for queue in self.settings.queues {
                        queues.addTask { await self.runQueue(queue) }
                    }
                }
                self.queuesRunning.store(false, ordering: .relaxed)
                self.maintenanceBell.ring()
            }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .relaxed)
            self.wake()
            self.maintenanceBell.ring()
        }
        logger.info("workers stopped")
    }

    private var isStopping: Bool { stopping.load(ordering: .relaxed) }

    // MARK: Queue loop

    private func runQueue(_ settings: QueueSettings) async {
        guard let bell = doorbells[settings.name] else { return }
        let finished = FinishedJobs()
        // Outcomes are stored in batches: a turn waits this long for more handlers to finish
        // when only a few have, so one commit serves many jobs.
        let batchTarget = max(1, settings.concurrency / 4)
        var running = 0
        // Discarding: a finished handler's task is freed at once, not kept for a `next()`.
        await withDiscardingTaskGroup { handlers in
            var deadline: ContinuousClock.Instant?
            var cancelled = false
            var lingered = false
            while true {
                if Task.isCancelled {
                    // Cancelled, not asked to stop (another service failed): the database may
                    // already be gone. Unrecorded jobs run again once their leases expire.
                    let unrecorded = running
                    if unrecorded > 0 {
                        logger.warning(
                            "workers cancelled: outcomes not recorded; these jobs run again once their leases expire",
                            metadata: ["queue": "\(settings.name)", "jobs": "\(unrecorded)"]
                        )
                    }
                    break
                }
                if isStopping {
                    let done = finished.takeAll()
                    if !done.isEmpty {
                        if await record(done) { running -= done.count } else { finished.putBack(done) }
                    }
                    if running == 0 { break }
                    let end = deadline ?? (ContinuousClock.now + self.settings.shutdownGrace)
                    deadline = end
                    if ContinuousClock.now >= end && !cancelled {
                        logger.warning("shutdown grace over: cancelling running jobs", metadata: ["queue": "\(settings.name)", "running": "\(running)"])
                        handlers.cancelAll()
                        cancelled = true
                    }
                    await bell.wait(timeout: .milliseconds(50))
                    continue
                }
                if !lingered, finished.count > 0, finished.count < batchTarget, running > finished.count {
                    lingered = true
                    try? await Task.sleep(for: .microseconds(500))
                    continue
                }
                lingered = false
                // Record what finished and claim the next jobs, in one transaction.
                let done = finished.takeAll()
                let free = settings.concurrency - running + done.count
                let now = clock.now()
                if done.isEmpty {
                    // Nothing to record and no free slot: wait for a handler to finish.
                    if free == 0 {
                        await bell.wait(timeout: self.settings.pollInterval)
                        continue
                    }
                    // Where writes take turns, ask the cheap read-only question first, so
                    // idle polls never take the write lock.
                    if database.writesOneAtATime {
                        let due = (try? await database.hasDueJobs(queue: settings.name, now: now)) ?? true
                        if !due {
                            await bell.wait(timeout: self.settings.pollInterval)
                            continue
                        }
                    }
                }
                let request = ClaimRequest(
                    queue: settings.name, limit: free, queueLimit: settings.globalLimit, worker: workerID,
                    now: now, leaseUntil: now + self.settings.leaseDuration.microseconds
                )
                let claimed: [ClaimedJob]
                do {
                    claimed = try await record(done, claim: request)
                    running -= done.count
                } catch {
                    finished.putBack(done)
                    logger.error("claiming jobs failed; retrying", metadata: ["queue": "\(settings.name)", "error": "\(error)"])
                    await bell.wait(timeout: self.settings.pollInterval)
                    continue
                }
                for job in claimed {
                    running += 1
                    handlers.addTask {
                        finished.append(await self.execute(job))
                        bell.ring()
                    }
                }
                if claimed.count == free && free > 0 { continue }  // there may be more due now
                if finished.count > 0 { continue }
                await bell.wait(timeout: self.settings.pollInterval)
            }
        }
    }

    /// Stores outcomes; false when the database could not be reached (kept for next turn).
    private func record(_ done: [FinishedJob]) async -> Bool {
        do {
            _ = try await record(done, claim: nil)
            return true
        } catch {
            logger.error("storing job outcomes failed; retrying", metadata: ["jobs": "\(done.count)", "error": "\(error)"])
            try? await Task.sleep(for: settings.pollInterval)
            return false
        }
    }

    // MARK: One attempt

    /// Runs one claimed job and says how it ended, with what it leaves for the transaction
    /// that records it. Its metrics and log line follow once that is stored.
    func execute(_ job: ClaimedJob) async -> FinishedJob {
        let started = ContinuousClock.now
        let completion = JobCompletion()
        let result = await attempt(job, completion: completion)
        let elapsed = ContinuousClock.now - started
        return FinishedJob(job: job, result: result, completion: completion, seconds: Double(elapsed.microseconds) / 1_000_000)
    }

    /// Reports one attempt's final outcome: metrics and a log line.
    func report(_ finished: FinishedJob, result: JobResult) {
        let job = finished.job
        onFinish(job, result, finished.seconds)
        switch result {
        case .retry(_, _, let error):
            logger.warning("job failed; will retry", metadata: meta(job, ["error": "\(error)"]))
        case .dead(_, let error):
            logger.error("job dead-lettered", metadata: meta(job, ["error": "\(error)"]))
        case .succeeded, .release:
            logger.debug("job finished", metadata: meta(job, ["result": "\(result)"]))
        }
    }

    private func attempt(_ job: ClaimedJob, completion: JobCompletion) async -> JobResult {
        if let provider = job.provider, let limit = settings.rateLimit(for: provider) {
            do {
                let wait = try await database.takeRateLimitToken(key: "provider:\(provider)", limit: limit, now: clock.now())
                if wait > 0 { return .release(id: job.id, at: clock.now() + wait) }
            } catch {
                return .release(id: job.id, at: clock.now() + settings.pollInterval.microseconds)
            }
        }
        guard let handler = registry.handler(for: job.kind) else {
            return .dead(id: job.id, error: "no handler is registered for job kind '\(job.kind)'")
        }
        do {
            try await handler(JobContext(job: job, workerLogger: logger, completion: completion))
            return .succeeded(id: job.id)
        } catch let failure as JobFailure {
            switch failure {
            case .permanent(let reason):
                return .dead(id: job.id, error: reason)
            case .retry(let reason, let after):
                if isStopping && Task.isCancelled { return .release(id: job.id, at: clock.now()) }
                return retry(job, error: reason, after: after)
            }
        } catch {
            // Cancelled because the process is stopping: not the job's fault.
            if isStopping && Task.isCancelled { return .release(id: job.id, at: clock.now()) }
            return retry(job, error: "\(error)", after: nil)
        }
    }

    func retry(_ job: ClaimedJob, error: String, after: Duration?) -> JobResult {
        guard job.attempt < job.maxAttempts else {
            return .dead(id: job.id, error: "gave up after \(job.attempt) attempts: \(error)")
        }
        let delay = after ?? settings.backoff.delay(afterAttempts: job.attempt, unit: random())
        return .retry(id: job.id, at: clock.now() + delay.microseconds, error: error)
    }

    func meta(_ job: ClaimedJob, _ extra: Logger.Metadata) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "job_id": "\(job.id)", "job_kind": "\(job.kind)", "queue": "\(job.queue)", "attempt": "\(job.attempt)/\(job.maxAttempts)",
        ]
        metadata.merge(extra) { _, new in new }
        return metadata
    }

    // MARK: Wake-ups from other processes

    /// Wakes the queues when another process enqueues (PostgreSQL LISTEN/NOTIFY), until the
    /// runner stops; reconnects after errors. Polling covers any gap.
    private func listen() async {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled && !self.isStopping {
                do {
                    try await self.database.listenForJobs { [self] queue in self.wake(queue: queue) }
                    if self.database.dialect.notifySQL == nil { return }  // nothing to listen to
                } catch {
                    if Task.isCancelled || self.isStopping { return }
                    self.logger.warning("job notifications interrupted; polling until they are back", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    // MARK: Leases, stale jobs and schedules

    private func renewLeases() async {
        let interval = settings.leaseDuration / 3
        while queuesRunning.load(ordering: .relaxed) && !Task.isCancelled {
            await maintenanceBell.wait(timeout: interval)
            guard queuesRunning.load(ordering: .relaxed) && !Task.isCancelled else { break }
            do {
                try await database.renewLeases(worker: workerID, until: clock.now() + settings.leaseDuration.microseconds)
            } catch {
                logger.error("renewing leases failed", metadata: ["error": "\(error)"])
            }
        }
    }

    private func maintain() async {
        while !isStopping && !Task.isCancelled {
            await maintenanceBell.wait(timeout: settings.maintenanceInterval)
            if isStopping || Task.isCancelled { break }
            do {
                try await runMaintenance()
            } catch {
                logger.error("job maintenance failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Sweeps stale leases and fires due periodic jobs, once. The loop calls it every
    /// `maintenanceInterval`; tests call it after moving the clock.
    public func runMaintenance() async throws {
        let recovery = try await database.recoverStaleJobs(now: clock.now(), abandonment: registry.abandonment)
        if !recovery.requeued.isEmpty || !recovery.deadLettered.isEmpty {
            logger.warning(
                "recovered jobs whose worker stopped renewing their lease",
                metadata: ["requeued": "\(recovery.requeued.count)", "dead_lettered": "\(recovery.deadLettered.count)"]
            )
            wake()
        }
        try await fireSchedules()
    }

    private func registerSchedules() async throws {
        let now = clock.now()
        for job in periodic {
            guard let next = ScheduleSpec.next(spec: job.spec, due: now, now: now) else {
                throw JobFailure.permanent(reason: "periodic job \(job.name) has a schedule with no future run: \(job.spec)")
            }
            try await database.upsertSchedule(
                JobScheduleRecord(
                    name: job.name, kind: job.kind, queue: job.queue, priority: job.priority, payload: job.payload,
                    spec: job.spec, nextRunAt: next
                )
            )
        }
    }

    private func fireSchedules() async throws {
        let now = clock.now()
        let queue = self.queue
        // The jobs made, to tell workers and metrics which queues got work.
        let madeJobs = Mutex<[NewJob]>([])
        let outcomes = try await database.fireDueSchedules(
            now: now,
            nextRunAt: { schedule in
                ScheduleSpec.next(spec: schedule.spec, due: schedule.nextRunAt, now: now) ?? Int64.max / 2
            },
            makeJob: { schedule in
                var job = queue.makeJob(
                    kind: schedule.kind, queue: schedule.queue, payload: schedule.payload, priority: schedule.priority,
                    uniqueKey: "schedule:\(schedule.name)"
                )
                job.runAt = min(job.runAt, schedule.nextRunAt)
                madeJobs.withLock { $0.append(job) }
                return job
            }
        )
        queue.didEnqueue(madeJobs.withLock { $0 }, outcomes)
    }

    // MARK: Tests

    /// Claims and runs every job of `queue` due at the clock's current time, until none is
    /// left, and returns the outcomes in order. For tests driving a `ManualJobClock`.
    public func runDueJobs(queue name: String) async throws -> [JobResult] {
        let concurrency = settings.queues.first { $0.name == name }?.concurrency ?? 16
        var results: [JobResult] = []
        while true {
            let now = clock.now()
            let claimed = try await database.claimJobs(
                queue: name, limit: concurrency, worker: workerID, now: now, leaseUntil: now + settings.leaseDuration.microseconds
            )
            if claimed.isEmpty { return results }
            var batch: [FinishedJob] = []
            for job in claimed { batch.append(await execute(job)) }
            results += try await recordReturningResults(batch)
        }
    }
}

/// One attempt's outcome and what it left for the transaction that records it.
struct FinishedJob: Sendable {
    let job: ClaimedJob
    let result: JobResult
    let completion: JobCompletion
    let seconds: Double
}

/// Outcomes of handlers that finished, waiting to be stored by their queue's loop.
private final class FinishedJobs: Sendable {
    private let results = Mutex<[FinishedJob]>([])

    func append(_ finished: FinishedJob) {
        results.withLock { $0.append(finished) }
    }

    func takeAll() -> [FinishedJob] {
        results.withLock { results in
            defer { results.removeAll(keepingCapacity: true) }
            return results
        }
    }

    /// Returns outcomes that could not be stored, to be tried first next time.
    func putBack(_ done: [FinishedJob]) {
        results.withLock { $0.insert(contentsOf: done, at: 0) }
    }

    var count: Int { results.withLock { $0.count } }
}
