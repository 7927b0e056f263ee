import Hummingbird
import PonteCore
import PonteJobs
import PonteKit

/// Every route of the hub: the platform's (webhooks, operations, the admin API) and the
/// modules', and `GET /openapi.json`, which describes them all.
enum HubRoutes {
    static let title = "Ponte"
    static let version = "1"
    static let summary = """
        A self-hosted integration hub: signed webhooks received durably and exactly once, durable jobs, \
        provider calls made safe to repeat, event streams, and the business modules built on them.
        """

    static func all(hub: HubAssembly, reception: WebhookReception) -> APIRoutes {
        var root = APIRoutes(prefix: "")
        WebhookController(reception: reception).addRoutes(to: &root)
        OperationsController(database: hub.database, metrics: hub.metrics, migrations: hub.migrations).addRoutes(to: &root)

        var admin = APIRoutes(prefix: "/api/v1")
        WebhookAdminController(database: hub.database, ids: hub.webhookIDs, queue: hub.queue, work: hub.work, dispatcher: hub.dispatcher)
            .addRoutes(to: &admin)
        JobAdminController(database: hub.database, queue: hub.queue, abandonment: hub.registry.abandonment).addRoutes(to: &admin)
        StreamAdminController(database: hub.database, work: hub.work, endpoint: StreamEndpoint(streams: hub.streams))
            .addRoutes(to: &admin)
        IntegrationsController(clients: hub.clients).addRoutes(to: &admin)

        var routes = root
        routes.append(admin)
        routes.append(hub.moduleRoutes)
        return withDocument(routes)
    }

    /// The hub's router: every route behind its access rule, in Ponte's error shape.
    static func router(hub: HubAssembly, reception: WebhookReception, authentication: APIAuthentication) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: HubMiddleware(metrics: hub.metrics))
        router.add(all(hub: hub, reception: reception).routes, authentication: authentication)
        return router
    }

    /// `routes` and `GET /openapi.json`, whose document includes itself.
    static func withDocument(_ routes: APIRoutes) -> APIRoutes {
        var described = APIRoutes(prefix: "")
        described.get("openapi.json", OperationsController.documentOperation, access: .open) { _, _ in .json("{}") }
        var all = routes
        all.append(described)
        let document = OpenAPIDocument.make(title: title, version: version, description: summary, routes: all).text
        var served = APIRoutes(prefix: "")
        served.get("openapi.json", OperationsController.documentOperation, access: .open) { _, _ in .json(document) }
        var result = routes
        result.append(served)
        return result
    }
}
