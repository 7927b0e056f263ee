import Foundation
import Synchronization
import Logging
import NIOCore
import PonteCore
import PonteJobs
import PonteKit
import PonteProviders
import PonteStore
import ServiceLifecycle

/// What every hub process is made of, built the same way by `serve` and `worker` from the
/// configuration and the list of modules: the database, the job queue and event streams,
/// the provider clients, and everything the platform and the modules declared — job kinds,
/// queues, periodic jobs, subscriptions, migrations, routes.
struct HubAssembly: Sendable {
    let configuration: HubConfiguration
    let database: any StoreDatabase
    let metrics: HubMetrics
    /// The HTTP client of the provider clients, a service that closes it at shutdown (nil when
    /// the clients were given).
    let outboundHTTP: OutboundHTTPClientService?
    let clients: ProviderClients
    let queue: JobQueue
    let streams: EventStreams
    let work: UnitsOfWork
    let vault: Vault
    /// Reloads the vault's keys on SIGHUP.
    let vaultReloader: VaultKeyReloader
    let registry: JobRegistry
    let settings: JobRunnerSettings
    let periodic: [PeriodicJob]
    let dispatcher: WebhookProcessor
    /// Every module's migrations (the platform's are applied first, always).
    let migrations: [ModuleMigrations]
    /// The modules' routes, under `/api/v1`.
    let moduleRoutes: APIRoutes
    let authenticators: [CallerAuthenticator]
    let webhookIDs = SortableIDGenerator(prefix: "wh_")

    /// - Parameters:
    ///   - database, clients, clock: given by tests; by default the database the
    ///     configuration names, clients from its credentials, and the system clock.
    static func make(
        configuration: HubConfiguration, modules: [any HubModule], logger: Logger, now: @escaping @Sendable () -> Date,
        database existing: (any StoreDatabase)? = nil, clients existingClients: ProviderClients? = nil,
        clock: any JobClock = SystemJobClock()
    ) async throws -> HubAssembly {
        let location = try configuration.databaseLocation()
        let migrations = modules.map(\.moduleMigrations)
        var seen = Set<String>()
        for module in modules where !seen.insert(module.name).inserted {
            throw ConfigurationError(message: "two modules are named '\(module.name)'")
        }
        let database: any StoreDatabase
        if let existing { database = existing } else { database = try await Store.open(location, logger: logger) }
        let metrics = HubMetrics()
        let outboundHTTP: OutboundHTTPClientService?
        let clients: ProviderClients
        if let existingClients {
            outboundHTTP = nil
            clients = existingClients
        } else {
            let service = OutboundHTTPClientService(client: ProviderHTTPClient.makeHTTPClient())
            outboundHTTP = service
            clients = ProviderClients(
                settings: ProviderClientSettings(configuration), httpClient: service.client, logger: logger, observer: metrics, now: now
            )
        }
        let queue = JobQueue(database: database, clock: clock) { queue, count in metrics.jobsEnqueued(queue: queue, count: count) }
        let streams = EventStreams(database: database, logger: logger, pollInterval: configuration.streamPollInterval)
        let work = UnitsOfWork(database: database, queue: queue, streams: streams)
        let ids = SortableIDGenerator(prefix: "wh_")
        // Events that modules take in (iFood's polling) start what webhooks do: the dispatcher,
        // made once every module has declared its subscriptions, says what.
        let intakeDispatcher = Mutex<WebhookProcessor?>(nil)
        let intake = ProviderEventIntake { events in
            guard let dispatcher = intakeDispatcher.withLock({ $0 }) else {
                throw StoreError(.unavailable, "the hub is still starting: its modules are being installed")
            }
            return try await storeProviderEvents(events, dispatcher: dispatcher, queue: queue, ids: ids)
        }
        let (ring, createdKeyFile) = try configuration.vaultKeyRing()
        if let createdKeyFile {
            logger.warning(
                "PONTE_VAULT_KEYS is not set; credentials are encrypted with a random key created in \(createdKeyFile). Keep that file and back it up with the database (without it stored credentials cannot be read), or set PONTE_VAULT_KEYS on every hub process."
            )
        }
        let vault = Vault(ring: ring, database: database, logger: logger)
        let context = ModuleContext(
            database: database, jobs: queue, work: work, streams: streams, providers: clients, intake: intake, vault: vault,
            environment: ProcessInfo.processInfo.environment, publicURL: configuration.publicURL, logger: logger
        )

        var registry = JobRegistry()
        PlatformJobs.register(
            in: &registry, database: database, clock: queue.clock, streamRetention: .seconds(configuration.streamRetentionSeconds)
        )
        let concurrency = configuration.workerConcurrency
        var queues = [
            QueueSettings(name: WebhookProcessor.queue, concurrency: concurrency),
            QueueSettings(name: PlatformJobs.defaultQueue, concurrency: concurrency),
            QueueSettings(name: PlatformJobs.maintenanceQueue, concurrency: 1),
        ]
        func addQueue(_ name: String, concurrency custom: Int? = nil, globalLimit: Int? = nil) {
            guard !queues.contains(where: { $0.name == name }) else { return }
            queues.append(QueueSettings(name: name, concurrency: custom ?? concurrency, globalLimit: globalLimit))
        }
        var periodic = PlatformJobs.periodic
        var subscriptions: [EventSubscription] = []
        var routes = APIRoutes(prefix: "/api/v1")
        var authenticators: [CallerAuthenticator] = []
        for module in modules {
            var installation = ModuleInstallation(name: module.name)
            do {
                try module.install(into: &installation, context: context)
                try registry.merge(installation.jobs)
            } catch {
                throw ConfigurationError(message: "module \(module.name) cannot be installed: \(error)")
            }
            for declared in installation.queues {
                addQueue(declared.name, concurrency: declared.concurrency, globalLimit: declared.globalLimit)
            }
            periodic += installation.periodicJobs
            subscriptions += installation.subscriptions
            routes.append(installation.routes)
            authenticators += installation.authenticators
        }
        for subscription in subscriptions {
            guard registry.handler(for: subscription.name) == nil,
                subscriptions.filter({ $0.name == subscription.name }).count == 1
            else {
                throw ConfigurationError(message: "subscription '\(subscription.name)' is declared twice, or shares its name with a job kind")
            }
            addQueue(subscription.queue)
        }
        let dispatcher = WebhookProcessor(database: database, subscriptions: subscriptions)
        dispatcher.register(in: &registry)
        intakeDispatcher.withLock { $0 = dispatcher }
        let settings = JobRunnerSettings(
            queues: queues,
            pollInterval: database.dialect.isPostgres ? .milliseconds(250) : .milliseconds(5),
            rateLimits: PlatformJobs.rateLimits
        )
        return HubAssembly(
            configuration: configuration, database: database, metrics: metrics, outboundHTTP: outboundHTTP, clients: clients,
            queue: queue, streams: streams, work: work, vault: vault,
            vaultReloader: VaultKeyReloader(vault: vault, configuration: configuration, logger: logger), registry: registry, settings: settings, periodic: periodic,
            dispatcher: dispatcher, migrations: migrations, moduleRoutes: routes, authenticators: authenticators
        )
    }

    /// The services every process runs before its own: the database first (it stops last).
    var services: [any Service] {
        var services: [any Service] = [database]
        if let outboundHTTP { services.append(outboundHTTP) }
        services.append(streams)
        services.append(vaultReloader)
        return services
    }

    /// The job runner of this process, reporting to `metrics`.
    func runner(logger: Logger, prepare: @escaping @Sendable () async throws -> Void) -> JobRunner {
        let metrics = self.metrics
        let runner = JobRunner(
            database: database, registry: registry, settings: settings, periodic: periodic, queue: queue, streams: streams,
            workerID: PlatformJobs.workerID(), logger: logger, prepare: prepare,
            onFinish: { job, result, seconds in
                metrics.jobFinished(queue: job.queue, kind: job.kind, result: result, seconds: seconds)
            }
        )
        queue.setWorkerWakeUp { runner.wake(queue: $0) }
        return runner
    }

    /// Applies every pending migration; logs what was applied.
    func migrate(logger: Logger) async throws {
        let applied = try await database.migrate(migrations, logger: logger)
        logger.info(
            "database ready",
            metadata: ["database": "\(configuration.database.redactedDatabase)", "kind": "\(database.kind)", "migrations_applied": "\(applied.count)"]
        )
    }

    /// Returns once every migration is applied (`serve` migrates before its port opens;
    /// workers started alongside wait for that).
    func waitForMigrations(logger: Logger) async throws {
        var logged = false
        while !(try await database.pendingMigrations(migrations)).isEmpty {
            if !logged {
                logger.info("workers waiting for migrations")
                logged = true
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// Stores provider events that came other than by webhook, with their processing jobs.
private func storeProviderEvents(
    _ events: [ReceivedProviderEvent], dispatcher: WebhookProcessor, queue: JobQueue, ids: SortableIDGenerator
) async throws -> [InboxStoreOutcome] {
    let now = queue.clock.now()
    var firstIndex: [String: Int] = [:]
    var records: [NewInboxRecord] = []
    for event in events where firstIndex["\(event.provider)\u{0}\(event.eventID)"] == nil {
        firstIndex["\(event.provider)\u{0}\(event.eventID)"] = records.count
        var headers = "{\"x-ponte-source\":"
        JSONText.appendString(event.source, to: &headers)
        headers += "}"
        records.append(
            NewInboxRecord(
                id: ids.next(at: Date(timeIntervalSince1970: Double(now) / 1_000_000)), provider: event.provider,
                eventID: event.eventID, eventType: event.eventType, receivedAt: now, headersJSON: headers, body: event.body
            )
        )
    }
    let plans = Dictionary(uniqueKeysWithValues: records.map { ($0.id, dispatcher.processing(for: $0, queue: queue)) })
    let stored = try await dispatcher.database.insertInbox(records, processing: plans)
    let started = InboxProcessing.jobs(started: plans, storing: records, outcomes: stored)
    for name in Set(started.map(\.queue)) { queue.wakeWorkers(queue: name) }
    var answered = Set<String>()
    return events.map { event in
        let key = "\(event.provider)\u{0}\(event.eventID)"
        let outcome = stored[firstIndex[key] ?? 0]
        // A repeat within the batch is a duplicate of its first copy.
        return answered.insert(key).inserted ? outcome : InboxStoreOutcome(id: outcome.id, duplicate: true)
    }
}

extension String {
    /// A database location safe to log (any password replaced).
    var redactedDatabase: String {
        (try? DatabaseLocation(parsing: self).description) ?? "(invalid database location)"
    }
}
