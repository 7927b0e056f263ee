import AsyncHTTPClient
import ServiceLifecycle

/// Owns the HTTP client every provider client shares: kept open while the hub runs, shut
/// down on graceful shutdown (listed before the job runner, so it closes after the runner's
/// last call).
struct OutboundHTTPClientService: Service {
    let client: HTTPClient

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
