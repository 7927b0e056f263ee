import Hummingbird
import Logging
import NIOCore
import PonteJobs
import PonteKit
import PonteStore

/// `/health`, `/ready`, `/metrics` and `/openapi.json`.
struct OperationsController: Sendable {
    let database: any StoreDatabase
    let metrics: HubMetrics
    /// Every migration the hub's modules need, for readiness.
    let migrations: [ModuleMigrations]

    func addRoutes(to routes: inout APIRoutes) {
        let tags = ["Operations"]
        routes.get(
            "health",
            APIOperation("health", "The process is alive", tags: tags)
                .response(200, .object(["status": .oneOf(["ok"])]), "Alive"),
            access: .open
        ) { _, _ in
            Response.json("{\"status\":\"ok\"}")
        }
        routes.get(
            "ready",
            APIOperation("ready", "The database answers and every migration is applied", tags: tags)
                .response(200, .object(["status": .oneOf(["ready"]), "database": .oneOf(["sqlite", "postgresql"])]), "Ready")
                .response(
                    503,
                    .object(["status": .oneOf(["unavailable"]), "database": .oneOf(["sqlite", "postgresql"]), "reason": .string()]),
                    "Not ready, and why"
                ),
            access: .open, ready
        )
        routes.get(
            "metrics",
            APIOperation("metrics", "Prometheus metrics", tags: tags)
                .response(200, .string("Prometheus text exposition format"), "The metrics", contentType: "text/plain"),
            access: .open, exposition
        )
    }

    /// The description of `GET /openapi.json`.
    static let documentOperation = APIOperation("openAPIDocument", "This API's OpenAPI 3.1 document", tags: ["Operations"])
        .response(200, .map(.any(), "An OpenAPI 3.1 document"), "The document")

    @Sendable func exposition(_ request: Request, context: APIRequestContext) async throws -> Response {
        do {
            let now = SystemJobClock().now()
            metrics.updateQueues(try await database.queueCounts(now: now), now: now)
        } catch {
            context.logger.warning("queue counts unavailable for /metrics", metadata: ["error": "\(error)"])
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition()))
        )
    }

    /// Ready when the database answers and every migration is applied.
    @Sendable func ready(_ request: Request, context: APIRequestContext) async throws -> Response {
        let pending: [AppliedMigration]
        do {
            pending = try await database.pendingMigrations(migrations)
        } catch {
            context.logger.warning("readiness check failed", metadata: ["error": "\(error)"])
            return Response.json(
                "{\"status\":\"unavailable\",\"database\":\"\(database.kind)\",\"reason\":\"the database is unreachable\"}",
                status: .serviceUnavailable
            )
        }
        guard pending.isEmpty else {
            return Response.json(
                "{\"status\":\"unavailable\",\"database\":\"\(database.kind)\",\"reason\":\"\(pending.count) migrations are not applied; run `ponte migrate`\"}",
                status: .serviceUnavailable
            )
        }
        return Response.json("{\"status\":\"ready\",\"database\":\"\(database.kind)\"}")
    }
}
