import Foundation
import Logging
import PonteCore
import PonteJobs
import PonteProviders
import PonteStore

/// The jobs every Ponte process knows: their handlers, queues and periodic schedules. `serve`
/// and `worker` build the same set, so any process can run any job.
public struct HubJobs: Sendable {
    /// Succeeded and cancelled jobs older than this are pruned hourly.
    static let retention: Duration = .seconds(7 * 24 * 3600)
    static let maintenanceQueue = "maintenance"
    static let pruneKind = "jobs.prune"
    /// Does nothing: for smoke tests and the queue benchmark.
    public static let noopKind = "ponte.noop"
    static let defaultQueue = "default"

    /// Per-provider request budgets, shared by all processes (seed 000: iFood allows 100
    /// requests a minute).
    static let rateLimits: [String: RateLimit] = [
        "ifood": RateLimit(capacity: 100, per: .seconds(60))
    ]

    public let registry: JobRegistry
    public let settings: JobRunnerSettings
    public let periodic: [PeriodicJob]
    /// Where the jobs are queued.
    let database: any StoreDatabase

    init(
        database: any StoreDatabase, concurrency: Int, clock: any JobClock = SystemJobClock(),
        clients: ProviderClients, webhookHandlers: [String: WebhookEventHandler] = [:]
    ) {
        self.database = database
        var registry = JobRegistry()
        let processor = WebhookProcessor(database: database, handlers: webhookHandlers)
        registry.register(WebhookProcessor.kind, abandoned: WebhookProcessor.abandoned) { try await processor.handle($0) }
        registry.register(Self.pruneKind) { context in
            let before = clock.now() - Self.retention.microseconds
            let pruned = try await database.pruneFinishedJobs(before: before)
            if pruned > 0 { context.logger.info("pruned finished jobs", metadata: ["jobs": "\(pruned)"]) }
        }
        registry.register(Self.noopKind) { _ in }
        OutboundJobs.register(in: &registry, clients: clients)
        IFoodPolling.register(in: &registry, database: database, clients: clients, queue: JobQueue(database: database, clock: clock))
        self.registry = registry
        self.settings = JobRunnerSettings(
            queues: [
                QueueSettings(name: WebhookProcessor.queue, concurrency: concurrency),
                QueueSettings(name: Self.defaultQueue, concurrency: concurrency),
                QueueSettings(name: OutboundJobs.queue, concurrency: concurrency),
                QueueSettings(name: Self.maintenanceQueue, concurrency: 1),
            ],
            pollInterval: database.kind == "sqlite" ? .milliseconds(5) : .milliseconds(250),
            rateLimits: Self.rateLimits
        )
        self.periodic =
            [
                PeriodicJob(
                    name: "prune-finished-jobs", kind: Self.pruneKind, queue: Self.maintenanceQueue, priority: .low,
                    schedule: .every(.seconds(3600))
                )
            ] + (clients.ifood == nil ? [] : [IFoodPolling.periodicJob()])
    }

    /// The runner of `jobs` for this process, reporting to `metrics`.
    func runner(
        queue: JobQueue, metrics: HubMetrics, logger: Logger,
        prepare: @escaping @Sendable () async throws -> Void
    ) -> JobRunner {
        let runner = JobRunner(
            database: database, registry: registry, settings: settings, periodic: periodic, queue: queue,
            workerID: Self.workerID(), logger: logger, prepare: prepare,
            onFinish: { job, result, seconds in
                metrics.jobFinished(queue: job.queue, kind: job.kind, result: result, seconds: seconds)
            }
        )
        queue.setWorkerWakeUp { runner.wake(queue: $0) }
        return runner
    }

    /// Returns once the schema is current (`serve` migrates before its port opens; workers
    /// wait for that).
    static func waitForMigrations(database: any StoreDatabase, logger: Logger) async throws {
        var logged = false
        while try await database.schemaVersion() < Store.latestSchemaVersion {
            if !logged {
                logger.info("workers waiting for migrations")
                logged = true
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// A worker id that names the host and process, for leases and logs.
    static func workerID() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        return "\(host):\(ProcessInfo.processInfo.processIdentifier):\(UInt32.random(in: 0...UInt32.max) % 100_000)"
    }
}
