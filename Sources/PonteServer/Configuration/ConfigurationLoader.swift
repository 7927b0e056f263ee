import Foundation
import PonteProviders
import PonteStore
import Yams

/// Values given on the command line; nil means "not given".
public struct CommandLineOverrides: Sendable {
    public var host: String?
    public var port: Int?
    public var database: String?
    public var configFile: String?
    public var logLevel: String?
    public var workers: Bool?
    public var sandbox: Bool?
    public var metricsPort: Int?

    public init(
        host: String? = nil, port: Int? = nil, database: String? = nil, configFile: String? = nil, logLevel: String? = nil,
        workers: Bool? = nil, sandbox: Bool? = nil, metricsPort: Int? = nil
    ) {
        self.workers = workers
        self.metricsPort = metricsPort
        self.sandbox = sandbox
        self.host = host
        self.port = port
        self.database = database
        self.configFile = configFile
        self.logLevel = logLevel
    }
}

/// A configuration that cannot be loaded, with a message that says what to fix.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }

    public init(message: String) {
        self.message = message
    }
}

/// Builds a `HubConfiguration`: flags win, then environment variables, then the YAML file, then defaults.
///
/// The YAML file has the shape of `config/integrations.yaml` (a `server:` section and an
/// `integrations:` section); `${VAR}` and `${VAR:-default}` in its values are replaced from the
/// environment. A provider with `enabled: false` in the file stays off whatever else is set.
public enum ConfigurationLoader {
    public static func load(
        flags: CommandLineOverrides,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> HubConfiguration {
        let env = environment.filter { !$0.value.isEmpty }
        var file = ConfigFile.empty
        if let path = flags.configFile ?? env["PONTE_CONFIG"] {
            file = try ConfigFile.read(path: path, environment: env)
        }

        var config = HubConfiguration()
        func pick<T>(_ key: String, flag: T?, envName: String, fileValue: T?, parse: (String) -> T?, apply: (T) -> Void) throws(ConfigurationError) {
            if let flag {
                apply(flag)
                config.sources[key] = "flag"
            } else if let raw = env[envName] {
                guard let value = parse(raw) else {
                    throw ConfigurationError(message: "\(envName)='\(raw)' is not valid for \(key)")
                }
                apply(value)
                config.sources[key] = "env \(envName)"
            } else if let fileValue {
                apply(fileValue)
                config.sources[key] = "file"
            } else {
                config.sources[key] = "default"
            }
        }
        let string: (String) -> String? = { $0 }
        try pick("host", flag: flags.host, envName: "PONTE_HOST", fileValue: file.server["host"], parse: string) { config.host = $0 }
        try pick("port", flag: flags.port, envName: "PONTE_PORT", fileValue: try file.serverInt("port"), parse: { Int($0) }) { config.port = $0 }
        try pick("database", flag: flags.database, envName: "PONTE_DATABASE_URL", fileValue: file.server["database"], parse: string) { config.database = $0 }
        try pick("public_url", flag: nil, envName: "PONTE_PUBLIC_URL", fileValue: file.server["public_url"], parse: string) { config.publicURL = $0 }
        try pick("max_body_bytes", flag: nil, envName: "PONTE_MAX_BODY_BYTES", fileValue: try file.serverInt("max_body_bytes"), parse: { Int($0) }) { config.maxBodyBytes = $0 }
        try pick("jwt_secret", flag: nil, envName: "PONTE_JWT_SECRET", fileValue: file.server["jwt_secret"], parse: string) { config.jwtSecret = $0 }
        try pick("jwt_public_key_file", flag: nil, envName: "PONTE_JWT_PUBLIC_KEY_FILE", fileValue: file.server["jwt_public_key_file"], parse: string) { config.jwtPublicKeyFile = $0 }
        try pick("jwks_file", flag: nil, envName: "PONTE_JWKS_FILE", fileValue: file.server["jwks_file"], parse: string) { config.jwksFile = $0 }
        try pick("jwt_issuer", flag: nil, envName: "PONTE_JWT_ISSUER", fileValue: file.server["jwt_issuer"], parse: string) { config.jwtIssuer = $0 }
        try pick("jwt_audience", flag: nil, envName: "PONTE_JWT_AUDIENCE", fileValue: file.server["jwt_audience"], parse: string) { config.jwtAudience = $0 }
        try pick("vault_keys", flag: nil, envName: VaultKeyRing.environmentKeys, fileValue: nil, parse: string) { config.vaultKeys = $0 }
        try pick("vault_key_file", flag: nil, envName: VaultKeyRing.environmentKeyFile, fileValue: file.server["vault_key_file"], parse: string) { config.vaultKeyFile = $0 }
        try pick("data_dir", flag: nil, envName: "PONTE_DATA_DIR", fileValue: file.server["data_dir"], parse: string) { config.dataDirectory = $0 }
        try pick("workers", flag: flags.workers, envName: "PONTE_WORKERS", fileValue: file.server["workers"].flatMap(parseBool), parse: parseBool) { config.workers = $0 }
        try pick("worker_concurrency", flag: nil, envName: "PONTE_WORKER_CONCURRENCY", fileValue: try file.serverInt("worker_concurrency"), parse: { Int($0) }) { config.workerConcurrency = $0 }
        try pick("metrics_port", flag: flags.metricsPort, envName: "PONTE_METRICS_PORT", fileValue: try file.serverInt("metrics_port"), parse: { Int($0) }) { config.metricsPort = $0 }
        try pick("sandbox", flag: flags.sandbox, envName: "PONTE_SANDBOX", fileValue: file.server["sandbox"].flatMap(parseBool), parse: parseBool) { config.sandbox = $0 }
        try pick("sandbox_port", flag: nil, envName: "PONTE_SANDBOX_PORT", fileValue: try file.serverInt("sandbox_port"), parse: { Int($0) }) { config.sandboxPort = $0 }
        try pick("sandbox_url", flag: nil, envName: "PONTE_SANDBOX_URL", fileValue: file.server["sandbox_url"], parse: string) { config.sandboxURL = $0 }
        try pick("stream_retention", flag: nil, envName: "PONTE_STREAM_RETENTION", fileValue: file.server["stream_retention"].flatMap(parseSeconds), parse: parseSeconds) { config.streamRetentionSeconds = $0 }
        try pick("log_level", flag: flags.logLevel, envName: "PONTE_LOG_LEVEL", fileValue: file.server["log_level"], parse: string) { config.logLevel = $0 }

        for secret in ProviderSecret.all {
            guard file.isEnabled(secret.section) else {
                config.sources[secret.label] = "file (provider disabled)"
                continue
            }
            try pick(secret.label, flag: nil, envName: secret.environmentName, fileValue: file.integration(secret.section, secret.fileKeys), parse: string) {
                config[keyPath: secret.keyPath] = $0
            }
        }
        return config
    }
}

/// Whole seconds in `<n>s`, `<n>m`, `<n>h`, `<n>d` or a bare number of seconds.
func parseSeconds(_ text: String) -> Int? {
    let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
    if let last = text.last, let unit = units[last], let value = Int(text.dropLast()), value > 0 { return value * unit }
    if let value = Int(text), value > 0 { return value }
    return nil
}

private func parseBool(_ text: String) -> Bool? {
    switch text.lowercased() {
    case "true", "yes", "on", "1": true
    case "false", "no", "off", "0": false
    default: nil
    }
}

/// One provider setting: its environment variable, where it sits in the YAML file, and its field.
struct ProviderSecret: Sendable {
    let label: String
    let environmentName: String
    let section: [String]  // alternative section names in `integrations:`
    let fileKeys: [String]  // alternative keys within the section
    nonisolated(unsafe) let keyPath: WritableKeyPath<HubConfiguration, String?>
    /// False for values that are not secret (URLs).
    let isSecret: Bool

    static let all: [ProviderSecret] = [
        .init(label: "stripe.webhook_secret", environmentName: "STRIPE_WEBHOOK_SECRET", section: ["stripe"], fileKeys: ["webhook_secret"], keyPath: \.secrets.stripe, isSecret: true),
        .init(label: "square.webhook_signature_key", environmentName: "SQUARE_WEBHOOK_SIGNATURE_KEY", section: ["square"], fileKeys: ["webhook_signature_key", "signature_key"], keyPath: \.secrets.squareSignatureKey, isSecret: true),
        .init(label: "square.webhook_url", environmentName: "SQUARE_WEBHOOK_URL", section: ["square"], fileKeys: ["webhook_url", "notification_url"], keyPath: \.secrets.squareNotificationURL, isSecret: false),
        .init(label: "quickbooks.webhook_token", environmentName: "QUICKBOOKS_WEBHOOK_TOKEN", section: ["quickbooks"], fileKeys: ["webhook_token", "verifier_token"], keyPath: \.secrets.quickbooks, isSecret: true),
        .init(label: "twilio.auth_token", environmentName: "TWILIO_AUTH_TOKEN", section: ["twilio", "whatsapp"], fileKeys: ["auth_token"], keyPath: \.secrets.twilio, isSecret: true),
        .init(label: "ifood.client_secret", environmentName: "IFOOD_CLIENT_SECRET", section: ["ifood"], fileKeys: ["client_secret"], keyPath: \.secrets.ifood, isSecret: true),
        .init(label: "asaas.webhook_token", environmentName: "ASAAS_WEBHOOK_TOKEN", section: ["asaas"], fileKeys: ["webhook_token"], keyPath: \.secrets.asaas, isSecret: true),
        .init(label: "mailchimp.webhook_secret", environmentName: "MAILCHIMP_WEBHOOK_SECRET", section: ["mailchimp"], fileKeys: ["webhook_secret"], keyPath: \.secrets.mailchimp, isSecret: true),
        .init(label: "standard.webhook_secret", environmentName: "STANDARD_WEBHOOK_SECRET", section: ["standard"], fileKeys: ["webhook_secret"], keyPath: \.secrets.standard, isSecret: true),
        .init(label: "stripe.secret_key", environmentName: "STRIPE_SECRET_KEY", section: ["stripe"], fileKeys: ["secret_key", "api_key"], keyPath: \.providerAPI.stripeSecretKey, isSecret: true),
        .init(label: "stripe.base_url", environmentName: "STRIPE_API_BASE_URL", section: ["stripe"], fileKeys: ["base_url"], keyPath: \.providerAPI.stripeBaseURL, isSecret: false),
        .init(label: "asaas.api_key", environmentName: "ASAAS_API_KEY", section: ["asaas"], fileKeys: ["api_key"], keyPath: \.providerAPI.asaasAPIKey, isSecret: true),
        .init(label: "asaas.base_url", environmentName: "ASAAS_API_BASE_URL", section: ["asaas"], fileKeys: ["base_url"], keyPath: \.providerAPI.asaasBaseURL, isSecret: false),
        .init(label: "ifood.client_id", environmentName: "IFOOD_CLIENT_ID", section: ["ifood"], fileKeys: ["client_id"], keyPath: \.providerAPI.ifoodClientID, isSecret: false),
        .init(label: "ifood.base_url", environmentName: "IFOOD_API_BASE_URL", section: ["ifood"], fileKeys: ["base_url"], keyPath: \.providerAPI.ifoodBaseURL, isSecret: false),
        .init(label: "twilio.account_sid", environmentName: "TWILIO_ACCOUNT_SID", section: ["twilio", "whatsapp"], fileKeys: ["account_sid"], keyPath: \.providerAPI.twilioAccountSID, isSecret: false),
        .init(label: "twilio.base_url", environmentName: "TWILIO_API_BASE_URL", section: ["twilio", "whatsapp"], fileKeys: ["base_url"], keyPath: \.providerAPI.twilioBaseURL, isSecret: false),
        .init(label: "square.app_id", environmentName: "SQUARE_APP_ID", section: ["square"], fileKeys: ["app_id"], keyPath: \.providerAPI.squareAppID, isSecret: false),
        .init(label: "square.app_secret", environmentName: "SQUARE_APP_SECRET", section: ["square"], fileKeys: ["app_secret"], keyPath: \.providerAPI.squareAppSecret, isSecret: true),
        .init(label: "square.base_url", environmentName: "SQUARE_API_BASE_URL", section: ["square"], fileKeys: ["base_url"], keyPath: \.providerAPI.squareBaseURL, isSecret: false),
        .init(label: "mailchimp.client_id", environmentName: "MAILCHIMP_CLIENT_ID", section: ["mailchimp"], fileKeys: ["client_id"], keyPath: \.providerAPI.mailchimpClientID, isSecret: false),
        .init(label: "mailchimp.client_secret", environmentName: "MAILCHIMP_CLIENT_SECRET", section: ["mailchimp"], fileKeys: ["client_secret"], keyPath: \.providerAPI.mailchimpClientSecret, isSecret: true),
        .init(label: "mailchimp.base_url", environmentName: "MAILCHIMP_API_BASE_URL", section: ["mailchimp"], fileKeys: ["base_url"], keyPath: \.providerAPI.mailchimpBaseURL, isSecret: false),
        .init(label: "quickbooks.client_id", environmentName: "QUICKBOOKS_CLIENT_ID", section: ["quickbooks"], fileKeys: ["client_id"], keyPath: \.providerAPI.quickbooksClientID, isSecret: false),
        .init(label: "quickbooks.client_secret", environmentName: "QUICKBOOKS_CLIENT_SECRET", section: ["quickbooks"], fileKeys: ["client_secret"], keyPath: \.providerAPI.quickbooksClientSecret, isSecret: true),
        .init(label: "quickbooks.base_url", environmentName: "QUICKBOOKS_API_BASE_URL", section: ["quickbooks"], fileKeys: ["base_url"], keyPath: \.providerAPI.quickbooksBaseURL, isSecret: false),
    ]
}

/// The parsed YAML file, with `${VAR}` already substituted.
struct ConfigFile {
    var server: [String: String]
    var integrations: [String: [String: String]]

    static let empty = ConfigFile(server: [:], integrations: [:])

    static func read(path: String, environment: [String: String]) throws(ConfigurationError) -> ConfigFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(message: "cannot read the config file '\(path)': \(error.localizedDescription)")
        }
        return try parse(text, origin: path, environment: environment)
    }

    static func parse(_ text: String, origin: String, environment: [String: String]) throws(ConfigurationError) -> ConfigFile {
        let root: Any?
        do {
            root = try Yams.load(yaml: text)
        } catch {
            throw ConfigurationError(message: "the config file '\(origin)' is not valid YAML: \(error)")
        }
        guard let root else { return .empty }
        guard let top = root as? [String: Any] else {
            throw ConfigurationError(message: "the config file '\(origin)' must be a mapping with 'server:' and/or 'integrations:'")
        }
        var file = ConfigFile.empty
        if let server = top["server"] {
            file.server = try scalars(server, path: "server", environment: environment)
        }
        if let integrations = top["integrations"] {
            guard let map = integrations as? [String: Any] else {
                throw ConfigurationError(message: "'integrations' must be a mapping of provider name to settings")
            }
            for (name, settings) in map {
                file.integrations[name] = try scalars(settings, path: "integrations.\(name)", environment: environment)
            }
        }
        return file
    }

    /// Flattens one level of a mapping into strings, substituting `${VAR}`. Nested mappings are
    /// kept out (e.g. `fiscal.sat`) because no setting read here lives there.
    private static func scalars(_ value: Any, path: String, environment: [String: String]) throws(ConfigurationError) -> [String: String] {
        guard let map = value as? [String: Any] else {
            throw ConfigurationError(message: "'\(path)' must be a mapping")
        }
        var out: [String: String] = [:]
        for (key, item) in map {
            switch item {
            case let text as String:
                // A `${VAR}` left empty means "not set here", so later defaults still apply.
                let value = substitute(text, environment: environment)
                if !value.isEmpty { out[key] = value }
            case let number as Int: out[key] = String(number)
            case let flag as Bool: out[key] = flag ? "true" : "false"
            case let number as Double: out[key] = String(number)
            default: continue
            }
        }
        return out
    }

    /// Replaces `${NAME}` and `${NAME:-fallback}`; an unset name becomes the fallback or "".
    static func substitute(_ text: String, environment: [String: String]) -> String {
        guard text.contains("${") else { return text }
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                result += rest[open.lowerBound...]
                return result
            }
            let inner = rest[open.upperBound..<close]
            if let separator = inner.range(of: ":-") {
                let name = String(inner[..<separator.lowerBound])
                result += environment[name] ?? String(inner[separator.upperBound...])
            } else {
                result += environment[String(inner)] ?? ""
            }
            rest = rest[rest.index(after: close)...]
        }
        result += rest
        return result
    }

    func serverInt(_ key: String) throws(ConfigurationError) -> Int? {
        guard let raw = server[key], !raw.isEmpty else { return nil }
        guard let value = Int(raw) else {
            throw ConfigurationError(message: "server.\(key) in the config file is '\(raw)', not a whole number")
        }
        return value
    }

    func isEnabled(_ sections: [String]) -> Bool {
        for section in sections {
            if let enabled = integrations[section]?["enabled"], enabled == "false" { return false }
        }
        return true
    }

    func integration(_ sections: [String], _ keys: [String]) -> String? {
        for section in sections {
            for key in keys {
                if let value = integrations[section]?[key], !value.isEmpty { return value }
            }
        }
        return nil
    }
}
