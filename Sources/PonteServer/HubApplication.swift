import Foundation
import Hummingbird
import Logging
import PonteCore
import PonteJobs
import PonteProviders
import PonteSandbox
import PonteStore
import ServiceLifecycle
import UnixSignals

/// Builds the hub: storage, the webhook inbox, routes and services, ready to `runService()`.
///
/// Migrations run before the port opens. Services stop in reverse order on SIGTERM/SIGINT:
/// the HTTP server finishes in-flight requests, the workers finish running jobs (within their
/// grace period), the inbox commits what is queued, then the database closes.
public func buildApplication(
    configuration: HubConfiguration,
    logger: Logger,
    now: @escaping @Sendable () -> Date = Date.init
) async throws -> some ApplicationProtocol {
    let problems = configuration.problems()
    guard problems.isEmpty else {
        throw ConfigurationError(message: "invalid configuration: " + problems.joined(separator: "; "))
    }
    var configuration = configuration
    let sandbox = try startSandboxIfAsked(&configuration, logger: logger)
    let location = try configuration.databaseLocation()
    let database = try await Store.open(location, logger: logger)
    let metrics = HubMetrics()
    let outboundHTTP = OutboundHTTPClientService(client: ProviderHTTPClient.makeHTTPClient())
    let clients = ProviderClients(
        settings: ProviderClientSettings(configuration), httpClient: outboundHTTP.client, logger: logger, observer: metrics,
        now: now
    )
    let jobQueue = JobQueue(database: database) { queue, count in metrics.jobsEnqueued(queue: queue, count: count) }
    let inbox = WebhookInbox(
        database: database, processing: { WebhookProcessor.job(for: $0.id, queue: jobQueue) }, logger: logger
    ) { rows, seconds in
        metrics.batchCommitted(rows: rows, seconds: seconds)
        if rows > 0 {
            metrics.jobsEnqueued(queue: WebhookProcessor.queue, count: rows)
            jobQueue.wakeWorkers(queue: WebhookProcessor.queue)
        }
    }
    var services: [any Service] = [database, inbox, outboundHTTP]
    if let sandbox { services.append(sandbox.application) }
    let jobs = HubJobs(database: database, concurrency: configuration.workerConcurrency, clock: jobQueue.clock, clients: clients)
    if configuration.workers {
        let runner = jobs.runner(
            queue: jobQueue, metrics: metrics, logger: logger,
            prepare: { try await HubJobs.waitForMigrations(database: database, logger: logger) }
        )
        services.append(runner)
    }

    let (secret, fromFile) = try TokenSecret.resolve(
        configured: configuration.jwtSecret, dataDirectory: configuration.resolvedDataDirectory
    )
    if fromFile {
        logger.warning(
            "PONTE_JWT_SECRET is not set; admin tokens are signed with a random key kept in \(configuration.resolvedDataDirectory)/\(TokenSecret.fileName). Set PONTE_JWT_SECRET when several hubs must accept the same tokens."
        )
    }
    let tokens = AdminTokens(secret: secret)
    let verifiers = WebhookProviders.verifiers(configuration.secrets)

    let ids = SortableIDGenerator(prefix: "wh_")
    let router = Router(context: PonteRequestContext.self)
    router.add(middleware: HubMiddleware(metrics: metrics))
    let reception = WebhookReception(
        verifiers: verifiers, inbox: inbox, ids: ids,
        publicURL: configuration.publicURL, maxBodyBytes: configuration.maxBodyBytes, metrics: metrics, now: now
    )
    WebhookController(reception: reception).addRoutes(to: router)
    OperationsController(database: database, metrics: metrics, expectedSchemaVersion: Store.latestSchemaVersion)
        .addRoutes(to: router)
    let admin = router.group("api/v1").add(middleware: AdminAuthMiddleware(tokens: tokens, now: now))
    WebhookAdminController(database: database, ids: ids).addRoutes(to: admin)
    JobAdminController(database: database, queue: jobQueue, abandonment: jobs.registry.abandonment).addRoutes(to: admin)
    OutboundController(queue: jobQueue).addRoutes(to: admin)
    IntegrationsController(clients: clients).addRoutes(to: admin)

    var app = Application(
        router: router,
        server: .http1(configuration: .init(additionalChannelHandlers: [WebhookIntakeHandler(reception: reception, logger: logger)])),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ponte"),
        services: services,
        onServerRunning: { [configuration] channel in
            sandbox?.simulators.environment.webhooks.setHubBaseURL(
                SandboxWiring.hubBaseURL(configuration, port: channel.localAddress?.port)
            )
            logger.info(
                "ponte is listening",
                metadata: [
                    "address": "\(channel.localAddress?.description ?? "?")",
                    "database": "\(location)",
                    "providers": "\(verifiers.keys.sorted().joined(separator: ","))",
                    "workers": "\(configuration.workers ? "on" : "off (--no-workers)")",
                ]
            )
        },
        logger: logger
    )
    app.beforeServerStarts {
        let applied = try await database.migrate(logger: logger)
        logger.info("database ready", metadata: ["database": "\(location)", "kind": "\(database.kind)", "migrations_applied": "\(applied.count)"])
    }
    return app
}

/// The in-process simulators of `serve --sandbox`, and their HTTP application.
struct InProcessSandbox: Sendable {
    let simulators: Sandbox
    let application: any Service
}

/// For `serve --sandbox`: starts nothing yet, but builds the simulators on their port and
/// points the configuration's provider APIs and credentials at them. For `PONTE_SANDBOX_URL`:
/// points the configuration at that sandbox. Otherwise does nothing.
private func startSandboxIfAsked(_ configuration: inout HubConfiguration, logger: Logger) throws -> InProcessSandbox? {
    if configuration.sandbox {
        let credentials = SandboxWiring.agree(&configuration)
        if configuration.sandboxPort == 0 { configuration.sandboxPort = try SandboxWiring.freeLoopbackPort() }
        let url = "http://127.0.0.1:\(configuration.sandboxPort)"
        SandboxWiring.pointAPIs(at: url, &configuration)
        let simulators = Sandbox(credentials: credentials, hubBaseURL: SandboxWiring.hubBaseURL(configuration), logger: logger)
        let application = buildSandboxApplication(
            sandbox: simulators, host: "127.0.0.1", port: configuration.sandboxPort, logger: logger
        ) { port in
            logger.notice(
                "sandbox mode: provider APIs and webhooks are simulated; no real provider is called",
                metadata: ["sandbox": "\(url)", "control_api": "\(url)/_sandbox"]
            )
        }
        return InProcessSandbox(simulators: simulators, application: application)
    }
    if let url = configuration.sandboxURL {
        _ = SandboxWiring.agree(&configuration)
        SandboxWiring.pointAPIs(at: url, &configuration)
        logger.notice("provider APIs are called on the sandbox at PONTE_SANDBOX_URL", metadata: ["sandbox": "\(url)"])
    }
    return nil
}

/// Builds a worker process: the database and the job runner, and no HTTP unless a metrics
/// port is configured, where it serves `/health`, `/ready` and `/metrics` (its own jobs'
/// outcomes and run times, and the shared queue's depth). It applies migrations before taking
/// jobs, and stops on SIGTERM/SIGINT like `serve`: the runner first, so the endpoint answers
/// until the last job is finished or released.
public func buildWorker(configuration: HubConfiguration, logger: Logger) async throws -> ServiceGroup {
    let problems = configuration.problems()
    guard problems.isEmpty else {
        throw ConfigurationError(message: "invalid configuration: " + problems.joined(separator: "; "))
    }
    let location = try configuration.databaseLocation()
    let database = try await Store.open(location, logger: logger)
    var configuration = configuration
    if let url = configuration.sandboxURL {
        _ = SandboxWiring.agree(&configuration)
        SandboxWiring.pointAPIs(at: url, &configuration)
    }
    let metrics = HubMetrics()
    let outboundHTTP = OutboundHTTPClientService(client: ProviderHTTPClient.makeHTTPClient())
    let clients = ProviderClients(
        settings: ProviderClientSettings(configuration), httpClient: outboundHTTP.client, logger: logger, observer: metrics
    )
    let queue = JobQueue(database: database) { queue, count in metrics.jobsEnqueued(queue: queue, count: count) }
    let jobs = HubJobs(database: database, concurrency: configuration.workerConcurrency, clock: queue.clock, clients: clients)
    let runner = jobs.runner(
        queue: queue, metrics: metrics, logger: logger,
        prepare: {
            let applied = try await database.migrate(logger: logger)
            logger.info("database ready", metadata: ["database": "\(location)", "kind": "\(database.kind)", "migrations_applied": "\(applied.count)"])
        }
    )
    var services: [any Service] = [database, outboundHTTP]
    if let port = configuration.metricsPort {
        services.append(workerOperations(database: database, metrics: metrics, host: configuration.host, port: port, logger: logger))
    } else {
        logger.info("no metrics port: this worker serves no HTTP; pass --metrics-port (or PONTE_METRICS_PORT) for /metrics")
    }
    services.append(runner)
    return ServiceGroup(
        configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    )
}

/// A worker's `/health`, `/ready` and `/metrics`, and nothing else.
private func workerOperations(database: any StoreDatabase, metrics: HubMetrics, host: String, port: Int, logger: Logger) -> some Service {
    let router = Router(context: PonteRequestContext.self)
    router.add(middleware: HubMiddleware(metrics: metrics))
    OperationsController(database: database, metrics: metrics, expectedSchemaVersion: Store.latestSchemaVersion)
        .addRoutes(to: router)
    return Application(
        router: router,
        configuration: .init(address: .hostname(host, port: port), serverName: "ponte"),
        onServerRunning: { channel in
            logger.info(
                "worker metrics are served",
                metadata: ["address": "\(channel.localAddress?.description ?? "?")", "paths": "/health,/ready,/metrics"]
            )
        },
        logger: logger
    )
}
