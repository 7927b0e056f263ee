import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PonteSandbox
import Testing

/// The start of the stopped clock the simulator tests run on.
let sandboxTestStart = Date(timeIntervalSince1970: 1_773_154_800)  // 2026-03-10T15:00:00Z

/// A whole sandbox with default credentials and no hub, on a clock that only `advance(by:)`
/// moves, driven through its router.
func withSandboxRouter(
    label: String, _ test: @Sendable (Sandbox, any TestClientProtocol) async throws -> Void
) async throws {
    let sandbox = Sandbox(
        credentials: .defaults, hubBaseURL: nil, seed: 1, logger: Logger(label: label),
        clock: SandboxClock(wallClock: { sandboxTestStart })
    )
    let router = Router(context: SandboxContext.self)
    sandbox.addRoutes(to: router)
    try await Application(router: router).test(.router) { client in
        try await test(sandbox, client)
    }
}
