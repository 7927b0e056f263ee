import Hummingbird
import Logging
import NIOCore
import PonteJobs
import PonteStore

/// `/health`, `/ready` and `/metrics`.
struct OperationsController: Sendable {
    let database: any StoreDatabase
    let metrics: HubMetrics
    let expectedSchemaVersion: Int

    func addRoutes(to router: Router<PonteRequestContext>) {
        router.get("/health") { _, _ in
            Response.json("{\"status\":\"ok\"}")
        }
        router.get("/ready", use: ready)
        router.get("/metrics") { _, context in
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
    }

    /// Ready when the database answers and every migration is applied.
    @Sendable func ready(_ request: Request, context: PonteRequestContext) async throws -> Response {
        let version: Int
        do {
            version = try await database.schemaVersion()
        } catch {
            context.logger.warning("readiness check failed", metadata: ["error": "\(error)"])
            return Response.json(
                "{\"status\":\"unavailable\",\"database\":\"\(database.kind)\",\"reason\":\"the database is unreachable\"}",
                status: .serviceUnavailable
            )
        }
        guard version >= expectedSchemaVersion else {
            return Response.json(
                "{\"status\":\"unavailable\",\"database\":\"\(database.kind)\",\"reason\":\"schema version \(version) of \(expectedSchemaVersion); run `ponte migrate`\"}",
                status: .serviceUnavailable
            )
        }
        return Response.json("{\"status\":\"ready\",\"database\":\"\(database.kind)\",\"schema_version\":\(version)}")
    }
}
