import Foundation
import PonteProviders
import PonteStore

/// Everything `ponte serve` needs, after flags, environment, the YAML file and defaults are merged.
public struct HubConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    /// A SQLite file path or a `postgres://` URL.
    public var database: String = "./data/ponte.sqlite"
    /// The URL providers call, e.g. `https://hub.example.com`; Square and Twilio sign it.
    public var publicURL: String?
    /// Largest webhook body accepted, in bytes.
    public var maxBodyBytes: Int = 1 << 20
    /// HS256 key for admin tokens; when nil, a random key kept in `<data dir>/jwt-secret`.
    public var jwtSecret: String?
    /// Tokens of the platform's identity provider (RS256 / ES256): its public key in PEM
    /// (`PONTE_JWT_PUBLIC_KEY_FILE`) or its JWKS (`PONTE_JWKS_FILE`), and the `iss` / `aud`
    /// they must carry (`PONTE_JWT_ISSUER`, `PONTE_JWT_AUDIENCE`) when set.
    public var jwtPublicKeyFile: String?
    public var jwksFile: String?
    public var jwtIssuer: String?
    public var jwtAudience: String?
    /// The credential vault's key ring, `v1:<base64 of 32 bytes>,v2:<…>` (`PONTE_VAULT_KEYS`).
    public var vaultKeys: String?
    /// A file with the vault's keys, one `vN:<base64>` a line (`PONTE_VAULT_KEY_FILE`). With
    /// neither, a random `v1` is kept in `<data dir>/vault-keys`.
    public var vaultKeyFile: String?
    /// Where local state lives (the JWT key file); defaults to the SQLite file's directory, or `./data`.
    public var dataDirectory: String?
    public var logLevel: String = "info"
    /// Whether this process runs job workers (`serve --no-workers` turns them off).
    public var workers: Bool = true
    /// Jobs of each queue one process runs at once.
    public var workerConcurrency: Int = 16
    /// `ponte worker --metrics-port`: where a worker process serves `/health`, `/ready` and
    /// `/metrics` (on `host`); nil serves nothing. `ponte serve` has them on its own port.
    public var metricsPort: Int?
    /// How long events of streams are kept (`PONTE_STREAM_RETENTION`, e.g. `7d`), in seconds.
    public var streamRetentionSeconds: Int = 7 * 86400
    /// How often stream readers' counters are polled, the fallback for appends made by other
    /// processes when no notification comes (nil: 1 s on SQLite, 5 s on PostgreSQL).
    public var streamPollInterval: Duration?
    public var secrets = WebhookSecrets()
    /// Credentials and base URLs for calling providers' APIs.
    public var providerAPI = ProviderAPIConfiguration()
    /// `serve --sandbox`: run the provider simulators in-process and point every provider's
    /// API and webhooks at them (missing credentials take the sandbox's defaults).
    public var sandbox: Bool = false
    /// The port of the in-process sandbox (`PONTE_SANDBOX_PORT`, default 8090; 0 picks one).
    public var sandboxPort: Int = 8090
    /// `PONTE_SANDBOX_URL`: the base URL of a separate `ponte sandbox`; every provider's API is
    /// called there (`<URL>/stripe`, `<URL>/asaas`, ...) unless a base URL of its own is set.
    public var sandboxURL: String?
    /// Where each value came from (`flag`, `env PONTE_PORT`, `file`, `default`), for `config check`.
    public var sources: [String: String] = [:]

    public init() {}

    /// The parsed database location.
    public func databaseLocation() throws(DatabaseLocationError) -> DatabaseLocation {
        try DatabaseLocation(parsing: database)
    }

    /// The vault's key ring as configured (`VaultKeyRing.load`), and the key file's path when
    /// this call created it.
    public func vaultKeyRing() throws -> (ring: VaultKeyRing, createdFile: String?) {
        var environment: [String: String] = [:]
        environment[VaultKeyRing.environmentKeys] = vaultKeys
        environment[VaultKeyRing.environmentKeyFile] = vaultKeyFile
        return try VaultKeyRing.load(environment: environment, dataDirectory: resolvedDataDirectory)
    }

    /// The directory for local state files.
    public var resolvedDataDirectory: String {
        if let dataDirectory { return dataDirectory }
        if case .sqlite(let path)? = try? databaseLocation() {
            return URL(fileURLWithPath: path).deletingLastPathComponent().path
        }
        return "./data"
    }

    /// Problems that make this configuration unusable; empty when it is valid.
    public func problems() -> [String] {
        var problems: [String] = []
        if !(1...65535).contains(port) && port != 0 {
            problems.append("port \(port) is out of range; use 1-65535")
        }
        if host.isEmpty { problems.append("host is empty") }
        do { _ = try databaseLocation() } catch { problems.append("database: \(error.message)") }
        if let publicURL {
            if let url = URL(string: publicURL), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil {
                // fine
            } else {
                problems.append("public URL '\(publicURL)' is not an http(s) URL like https://hub.example.com")
            }
        }
        if !(1...1024).contains(workerConcurrency) {
            problems.append("worker concurrency \(workerConcurrency) is out of range; use 1-1024")
        }
        if let metricsPort, !(0...65535).contains(metricsPort) {
            problems.append("metrics port \(metricsPort) is out of range; use 1-65535 (0 picks a free port)")
        }
        if !(0...65535).contains(sandboxPort) { problems.append("sandbox port \(sandboxPort) is out of range; use 0-65535") }
        if sandbox, sandboxPort != 0, sandboxPort == port {
            problems.append("the sandbox and the hub cannot both use port \(port); set PONTE_SANDBOX_PORT to another port (or 0)")
        }
        let urls: [(String, String?)] = [
            ("PONTE_SANDBOX_URL", sandboxURL), ("STRIPE_API_BASE_URL", providerAPI.stripeBaseURL),
            ("ASAAS_API_BASE_URL", providerAPI.asaasBaseURL), ("IFOOD_API_BASE_URL", providerAPI.ifoodBaseURL),
            ("TWILIO_API_BASE_URL", providerAPI.twilioBaseURL), ("SQUARE_API_BASE_URL", providerAPI.squareBaseURL),
            ("MAILCHIMP_API_BASE_URL", providerAPI.mailchimpBaseURL), ("QUICKBOOKS_API_BASE_URL", providerAPI.quickbooksBaseURL),
        ]
        for (name, value) in urls {
            guard let value else { continue }
            if let url = URL(string: value), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil {
                continue
            }
            problems.append("\(name) '\(value)' is not an http(s) URL")
        }
        if maxBodyBytes < 1024 { problems.append("max body size \(maxBodyBytes) is below 1024 bytes") }
        if let jwtSecret, jwtSecret.utf8.count < 32 {
            problems.append("PONTE_JWT_SECRET is shorter than 32 bytes; use e.g. `openssl rand -hex 32`")
        }
        if let standard = secrets.standard, StandardWebhookSignature.key(fromSecret: standard) == nil {
            problems.append("STANDARD_WEBHOOK_SECRET is not whsec_ followed by base64")
        }
        if !["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) {
            problems.append("log level '\(logLevel)' is unknown; use trace, debug, info, notice, warning, error or critical")
        }
        return problems
    }
}
