#if canImport(Glibc)
import Glibc
#endif
import Foundation
import PonteProviders
import PonteSandbox

/// Makes the hub and the simulators agree: `serve --sandbox` (simulators in-process) and
/// `PONTE_SANDBOX_URL` (a separate `ponte sandbox`) both point every simulated provider's API
/// at the sandbox, and fill each credential the configuration leaves unset with the
/// sandbox's default — the same default `ponte sandbox` uses — so calls authenticate and
/// webhooks verify with no credentials configured at all.
enum SandboxWiring {
    /// Fills unset credentials in `configuration` and returns the credentials both sides use.
    static func agree(_ configuration: inout HubConfiguration) -> SandboxCredentials {
        let defaults = SandboxCredentials.defaults
        func fill(_ keyPath: WritableKeyPath<HubConfiguration, String?>, _ fallback: String) -> String {
            if let value = configuration[keyPath: keyPath], !value.isEmpty { return value }
            configuration[keyPath: keyPath] = fallback
            return fallback
        }
        return SandboxCredentials(
            stripeSecretKey: fill(\.providerAPI.stripeSecretKey, defaults.stripeSecretKey),
            stripeWebhookSecret: fill(\.secrets.stripe, defaults.stripeWebhookSecret),
            asaasAPIKey: fill(\.providerAPI.asaasAPIKey, defaults.asaasAPIKey),
            asaasWebhookToken: fill(\.secrets.asaas, defaults.asaasWebhookToken),
            ifoodClientID: fill(\.providerAPI.ifoodClientID, defaults.ifoodClientID),
            ifoodClientSecret: fill(\.secrets.ifood, defaults.ifoodClientSecret),
            twilioAccountSID: fill(\.providerAPI.twilioAccountSID, defaults.twilioAccountSID),
            twilioAuthToken: fill(\.secrets.twilio, defaults.twilioAuthToken)
        )
    }

    /// Points each provider's API base URL that is not set at `<sandboxURL>/<provider>`.
    static func pointAPIs(at sandboxURL: String, _ configuration: inout HubConfiguration) {
        let base = sandboxURL.hasSuffix("/") ? String(sandboxURL.dropLast()) : sandboxURL
        let urls: [(WritableKeyPath<HubConfiguration, String?>, SandboxProvider)] = [
            (\.providerAPI.stripeBaseURL, .stripe), (\.providerAPI.asaasBaseURL, .asaas),
            (\.providerAPI.ifoodBaseURL, .ifood), (\.providerAPI.twilioBaseURL, .twilio),
        ]
        for (keyPath, provider) in urls where configuration[keyPath: keyPath] == nil {
            configuration[keyPath: keyPath] = "\(base)/\(provider.rawValue)"
        }
    }

    /// The hub's own base URL as the sandbox should call it (nil while the port is still 0).
    static func hubBaseURL(_ configuration: HubConfiguration, port: Int? = nil) -> String? {
        if let publicURL = configuration.publicURL { return publicURL }
        let port = port ?? configuration.port
        guard port != 0 else { return nil }
        let host = ["0.0.0.0", "::", ""].contains(configuration.host) ? "127.0.0.1" : configuration.host
        return "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    /// A loopback TCP port that is free right now (for `PONTE_SANDBOX_PORT=0`).
    static func freeLoopbackPort() throws -> Int {
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
