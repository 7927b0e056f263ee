import Foundation
import Hummingbird
import Logging
import PonteCore
import PonteJobs
import PonteKit
import PonteProviders
import PonteStore
import ServiceLifecycle
import UnixSignals

/// Builds the hub: storage, the webhook inbox, the modules, routes and services, ready to
/// `runService()`.
///
/// Migrations run before the port opens. Services stop in reverse order on SIGTERM/SIGINT:
/// the HTTP server finishes in-flight requests, the workers finish running jobs (within their
/// grace period), the inbox commits what is queued, then the database closes.
///
/// `now` is the webhook intake's and the tokens' clock; `clock` the jobs' and units of work's
/// (both are injected by tests).
public func buildApplication(
    configuration: HubConfiguration,
    modules: [any HubModule] = HubModules.all,
    sandbox: (any HubSandbox)? = nil,
    logger: Logger,
    now: @escaping @Sendable () -> Date = Date.init,
    clock: any JobClock = SystemJobClock()
) async throws -> some ApplicationProtocol {
    let problems = configuration.problems()
    guard problems.isEmpty else {
        throw ConfigurationError(message: "invalid configuration: " + problems.joined(separator: "; "))
    }
    var configuration = configuration
    let sandboxService = try sandbox?.prepare(&configuration, logger: logger)
    let hub = try await HubAssembly.make(configuration: configuration, modules: modules, logger: logger, now: now, clock: clock)
    let database = hub.database
    let metrics = hub.metrics
    let queue = hub.queue
    let dispatcher = hub.dispatcher
    let inbox = WebhookInbox(
        database: database, processing: { dispatcher.processing(for: $0, queue: queue) }, logger: logger
    ) { rows, jobs, seconds in
        metrics.batchCommitted(rows: rows, seconds: seconds)
        for (name, count) in Dictionary(grouping: jobs, by: \.queue).mapValues(\.count) {
            metrics.jobsEnqueued(queue: name, count: count)
            queue.wakeWorkers(queue: name)
        }
    }
    var services = hub.services
    services.insert(inbox, at: 1)
    if let sandboxService { services.append(sandboxService) }
    if configuration.workers {
        services.append(hub.runner(logger: logger, prepare: { try await hub.waitForMigrations(logger: logger) }))
    }

    let (secret, fromFile) = try TokenSecret.resolve(
        configured: configuration.jwtSecret, dataDirectory: configuration.resolvedDataDirectory
    )
    if fromFile {
        logger.warning(
            "PONTE_JWT_SECRET is not set; admin tokens are signed with a random key kept in \(configuration.resolvedDataDirectory)/\(TokenSecret.fileName). Set PONTE_JWT_SECRET when several hubs must accept the same tokens."
        )
    }
    let verifiers = WebhookProviders.verifiers(configuration.secrets)
    let reception = WebhookReception(
        verifiers: verifiers, inbox: inbox, ids: hub.webhookIDs,
        publicURL: configuration.publicURL, maxBodyBytes: configuration.maxBodyBytes, metrics: metrics, now: now
    )
    let router = HubRoutes.router(
        hub: hub, reception: reception,
        authentication: APIAuthentication(
            tokens: AdminTokens(secret: secret),
            identityProvider: try IdentityProviderTokens.load(
                publicKeyFile: configuration.jwtPublicKeyFile, jwksFile: configuration.jwksFile, issuer: configuration.jwtIssuer,
                audience: configuration.jwtAudience),
            authenticators: hub.authenticators, now: now)
    )

    var app = Application(
        router: router,
        server: .http1(configuration: .init(additionalChannelHandlers: [WebhookIntakeHandler(reception: reception, logger: logger)])),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ponte"),
        services: services,
        onServerRunning: { [configuration] channel in
            sandbox?.hubIsListening(configuration, port: channel.localAddress?.port)
            logger.info(
                "ponte is listening",
                metadata: [
                    "address": "\(channel.localAddress?.description ?? "?")",
                    "database": "\(configuration.database.redactedDatabase)",
                    "providers": "\(verifiers.keys.sorted().joined(separator: ","))",
                    "modules": "\(modules.map(\.name).joined(separator: ","))",
                    "workers": "\(configuration.workers ? "on" : "off (--no-workers)")",
                ]
            )
        },
        logger: logger
    )
    app.beforeServerStarts {
        try await hub.migrate(logger: logger)
    }
    return app
}

/// Builds a worker process: the database and the job runner, and no HTTP unless a metrics
/// port is configured, where it serves `/health`, `/ready` and `/metrics` (its own jobs'
/// outcomes and run times, and the shared queue's depth). It applies migrations before taking
/// jobs, and stops on SIGTERM/SIGINT like `serve`: the runner first, so the endpoint answers
/// until the last job is finished or released. (`shutdownSignals` is for a worker inside another
/// process, such as a test's, which stops it itself.)
public func buildWorker(
    configuration: HubConfiguration, modules: [any HubModule] = HubModules.all, sandbox: (any HubSandbox)? = nil, logger: Logger,
    shutdownSignals: [UnixSignal] = [.sigterm, .sigint]
) async throws -> ServiceGroup {
    let problems = configuration.problems()
    guard problems.isEmpty else {
        throw ConfigurationError(message: "invalid configuration: " + problems.joined(separator: "; "))
    }
    var configuration = configuration
    configuration.sandbox = false  // a worker calls a sandbox that runs elsewhere (PONTE_SANDBOX_URL)
    let sandboxService = try sandbox?.prepare(&configuration, logger: logger)
    let hub = try await HubAssembly.make(configuration: configuration, modules: modules, logger: logger, now: Date.init)
    let runner = hub.runner(logger: logger, prepare: { try await hub.migrate(logger: logger) })
    var services = hub.services
    if let sandboxService { services.append(sandboxService) }
    if let port = configuration.metricsPort {
        services.append(workerOperations(hub: hub, host: configuration.host, port: port, logger: logger))
    } else {
        logger.info("no metrics port: this worker serves no HTTP; pass --metrics-port (or PONTE_METRICS_PORT) for /metrics")
    }
    services.append(runner)
    return ServiceGroup(
        configuration: .init(services: services, gracefulShutdownSignals: shutdownSignals, logger: logger)
    )
}

/// A worker's `/health`, `/ready` and `/metrics`, and nothing else.
private func workerOperations(hub: HubAssembly, host: String, port: Int, logger: Logger) -> some Service {
    let router = Router(context: APIRequestContext.self)
    router.add(middleware: HubMiddleware(metrics: hub.metrics))
    var routes = APIRoutes(prefix: "")
    OperationsController(database: hub.database, metrics: hub.metrics, migrations: hub.migrations).addRoutes(to: &routes)
    router.add(routes.routes, authentication: APIAuthentication(tokens: AdminTokens(secret: []), authenticators: [], now: Date.init))
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
