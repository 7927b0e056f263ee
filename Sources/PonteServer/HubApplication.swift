import Foundation
import Hummingbird
import Logging
import PonteCore
import PonteProviders
import PonteStore
import ServiceLifecycle

/// Builds the hub: storage, the webhook inbox, routes and services, ready to `runService()`.
///
/// Migrations run before the port opens. Services stop in reverse order on SIGTERM/SIGINT:
/// the HTTP server finishes in-flight requests, then the inbox commits what is queued, then
/// the database closes.
public func buildApplication(
    configuration: HubConfiguration,
    logger: Logger,
    now: @escaping @Sendable () -> Date = Date.init
) async throws -> some ApplicationProtocol {
    let problems = configuration.problems()
    guard problems.isEmpty else {
        throw ConfigurationError(message: "invalid configuration: " + problems.joined(separator: "; "))
    }
    let location = try configuration.databaseLocation()
    let database = try await Store.open(location, logger: logger)
    let metrics = HubMetrics()
    let inbox = WebhookInbox(database: database, logger: logger) { rows, seconds in
        metrics.batchCommitted(rows: rows, seconds: seconds)
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
    WebhookController(
        verifiers: verifiers, inbox: inbox, ids: ids,
        publicURL: configuration.publicURL, maxBodyBytes: configuration.maxBodyBytes, metrics: metrics, now: now
    ).addRoutes(to: router)
    OperationsController(database: database, metrics: metrics, expectedSchemaVersion: Store.latestSchemaVersion)
        .addRoutes(to: router)
    let admin = router.group("api/v1").add(middleware: AdminAuthMiddleware(tokens: tokens, now: now))
    WebhookAdminController(database: database, ids: ids).addRoutes(to: admin)

    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "ponte"),
        services: [database, inbox],
        onServerRunning: { channel in
            logger.info(
                "ponte is listening",
                metadata: [
                    "address": "\(channel.localAddress?.description ?? "?")",
                    "database": "\(location)",
                    "providers": "\(verifiers.keys.sorted().joined(separator: ","))",
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
