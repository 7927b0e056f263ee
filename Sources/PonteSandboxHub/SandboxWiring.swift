#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import Hummingbird
import Logging
import PonteProviders
import PonteSandbox
import PonteServer
import ServiceLifecycle

/// The simulators beside a hub: for `serve --sandbox` they run in the hub's process (on
/// `PONTE_SANDBOX_PORT`); with `PONTE_SANDBOX_URL` the hub calls a `ponte sandbox` running
/// elsewhere. Either way every simulated provider's API points at them, and credentials the
/// configuration leaves unset take the sandbox's defaults on both sides.
public final class SandboxHub: HubSandbox {
    private let simulators = SimulatorsBox()

    public init() {}

    public func prepare(_ configuration: inout HubConfiguration, logger: Logger) throws -> (any Service)? {
        if configuration.sandbox {
            let credentials = SandboxWiring.agree(&configuration)
            if configuration.sandboxPort == 0 { configuration.sandboxPort = try SandboxWiring.freeLoopbackPort() }
            let url = "http://127.0.0.1:\(configuration.sandboxPort)"
            SandboxWiring.pointAPIs(at: url, &configuration)
            let sandbox = Sandbox(credentials: credentials, hubBaseURL: SandboxWiring.hubBaseURL(configuration), logger: logger)
            simulators.set(sandbox)
            return buildSandboxApplication(sandbox: sandbox, host: "127.0.0.1", port: configuration.sandboxPort, logger: logger) { _ in
                logger.notice(
                    "sandbox mode: provider APIs and webhooks are simulated; no real provider is called",
                    metadata: ["sandbox": "\(url)", "control_api": "\(url)/_sandbox"]
                )
            }
        }
        if let url = configuration.sandboxURL {
            _ = SandboxWiring.agree(&configuration)
            SandboxWiring.pointAPIs(at: url, &configuration)
            logger.notice("provider APIs are called on the sandbox at PONTE_SANDBOX_URL", metadata: ["sandbox": "\(url)"])
        }
        return nil
    }

    public func hubIsListening(_ configuration: HubConfiguration, port: Int?) {
        simulators.sandbox?.environment.webhooks.setHubBaseURL(SandboxWiring.hubBaseURL(configuration, port: port))
    }

    /// The in-process simulators, once `prepare` made them.
    public var sandbox: Sandbox? { simulators.sandbox }
}

/// Holds the simulators made by `prepare`.
private final class SimulatorsBox: Sendable {
    private let value = Mutex<Sandbox?>(nil)
    func set(_ sandbox: Sandbox) { value.withLock { $0 = sandbox } }
    var sandbox: Sandbox? { value.withLock { $0 } }
}

/// Makes the hub and the simulators agree: `serve --sandbox` (simulators in-process) and
/// `PONTE_SANDBOX_URL` (a separate `ponte sandbox`) both point every simulated provider's API
/// at the sandbox, and fill each credential the configuration leaves unset with the
/// sandbox's default — the same default `ponte sandbox` uses — so calls authenticate and
/// webhooks verify with no credentials configured at all.
public enum SandboxWiring {
    /// Fills unset credentials in `configuration` and returns the credentials both sides use.
    public static func agree(_ configuration: inout HubConfiguration) -> SandboxCredentials {
        let defaults = SandboxCredentials.defaults
        func fill(_ keyPath: WritableKeyPath<HubConfiguration, String?>, _ fallback: String) -> String {
            if let value = configuration[keyPath: keyPath], !value.isEmpty { return value }
            configuration[keyPath: keyPath] = fallback
            return fallback
        }
        var credentials = defaults
        credentials.stripeSecretKey = fill(\.providerAPI.stripeSecretKey, defaults.stripeSecretKey)
        credentials.stripeWebhookSecret = fill(\.secrets.stripe, defaults.stripeWebhookSecret)
        credentials.asaasAPIKey = fill(\.providerAPI.asaasAPIKey, defaults.asaasAPIKey)
        credentials.asaasWebhookToken = fill(\.secrets.asaas, defaults.asaasWebhookToken)
        credentials.ifoodClientID = fill(\.providerAPI.ifoodClientID, defaults.ifoodClientID)
        credentials.ifoodClientSecret = fill(\.secrets.ifood, defaults.ifoodClientSecret)
        credentials.twilioAccountSID = fill(\.providerAPI.twilioAccountSID, defaults.twilioAccountSID)
        credentials.twilioAuthToken = fill(\.secrets.twilio, defaults.twilioAuthToken)
        credentials.squareAppID = fill(\.providerAPI.squareAppID, defaults.squareAppID)
        credentials.squareAppSecret = fill(\.providerAPI.squareAppSecret, defaults.squareAppSecret)
        credentials.mailchimpClientID = fill(\.providerAPI.mailchimpClientID, defaults.mailchimpClientID)
        credentials.mailchimpClientSecret = fill(\.providerAPI.mailchimpClientSecret, defaults.mailchimpClientSecret)
        credentials.quickbooksClientID = fill(\.providerAPI.quickbooksClientID, defaults.quickbooksClientID)
        credentials.quickbooksClientSecret = fill(\.providerAPI.quickbooksClientSecret, defaults.quickbooksClientSecret)
        return credentials
    }

    /// Points each provider's API base URL that is not set at `<sandboxURL>/<provider>`.
    public static func pointAPIs(at sandboxURL: String, _ configuration: inout HubConfiguration) {
        let base = sandboxURL.hasSuffix("/") ? String(sandboxURL.dropLast()) : sandboxURL
        let urls: [(WritableKeyPath<HubConfiguration, String?>, SandboxProvider)] = [
            (\.providerAPI.stripeBaseURL, .stripe), (\.providerAPI.asaasBaseURL, .asaas),
            (\.providerAPI.ifoodBaseURL, .ifood), (\.providerAPI.twilioBaseURL, .twilio),
            (\.providerAPI.squareBaseURL, .square), (\.providerAPI.mailchimpBaseURL, .mailchimp),
            (\.providerAPI.quickbooksBaseURL, .quickbooks),
        ]
        for (keyPath, provider) in urls where configuration[keyPath: keyPath] == nil {
            configuration[keyPath: keyPath] = "\(base)/\(provider.rawValue)"
        }
    }

    /// The hub's own base URL as the sandbox should call it (nil while the port is still 0).
    public static func hubBaseURL(_ configuration: HubConfiguration, port: Int? = nil) -> String? {
        if let publicURL = configuration.publicURL { return publicURL }
        let port = port ?? configuration.port
        guard port != 0 else { return nil }
        let host = ["0.0.0.0", "::", ""].contains(configuration.host) ? "127.0.0.1" : configuration.host
        return "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    /// A loopback TCP port that is free right now (for `PONTE_SANDBOX_PORT=0`).
    public static func freeLoopbackPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ConfigurationError(message: "cannot open a socket to pick a sandbox port") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(descriptor, raw, length) == 0 && getsockname(descriptor, raw, &length) == 0
            }
        }
        guard bound else { throw ConfigurationError(message: "cannot pick a free port for the sandbox; set PONTE_SANDBOX_PORT") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
