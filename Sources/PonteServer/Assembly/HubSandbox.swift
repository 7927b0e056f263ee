import Logging
import ServiceLifecycle

/// Simulated providers beside the hub (`serve --sandbox`, `PONTE_SANDBOX_URL`). The executable
/// injects them, so the server never depends on the simulators.
public protocol HubSandbox: Sendable {
    /// Points the providers of `configuration` at the simulators (filling unset credentials
    /// with theirs); returns the simulators' own service when they run in this process.
    func prepare(_ configuration: inout HubConfiguration, logger: Logger) throws -> (any Service)?

    /// The hub listens now (on `port`): simulators send their webhooks to it.
    func hubIsListening(_ configuration: HubConfiguration, port: Int?)
}
