import PonteProviders
import PonteStore

/// The effective configuration as text, with every secret redacted, for `ponte config check`.
public enum ConfigurationReport {
    public static func render(_ configuration: HubConfiguration) -> String {
        var rows: [(String, String, String)] = []
        func row(_ key: String, _ value: String) {
            rows.append((key, value, configuration.sources[key] ?? "default"))
        }
        row("host", configuration.host)
        row("port", String(configuration.port))
        row("database", (try? configuration.databaseLocation().description) ?? configuration.database)
        row("public_url", configuration.publicURL ?? "(from each request's Host header)")
        row("max_body_bytes", String(configuration.maxBodyBytes))
        row("data_dir", configuration.resolvedDataDirectory)
        row("log_level", configuration.logLevel)
        row("stream_retention", "\(configuration.streamRetentionSeconds) s (events of streams kept this long)")
        row("metrics_port", configuration.metricsPort.map { "\($0) (ponte worker's /health, /ready, /metrics)" } ?? "(none: ponte worker serves no HTTP)")
        row("sandbox", configuration.sandbox ? "on (simulators on port \(configuration.sandboxPort))" : "off")
        if let sandboxURL = configuration.sandboxURL { row("sandbox_url", sandboxURL) }
        row("jwt_secret", configuration.jwtSecret == nil ? "(random key in data_dir/jwt-secret)" : redacted)
        if configuration.vaultKeys != nil {
            row("vault_keys", redacted)
        } else {
            row("vault_key_file", configuration.vaultKeyFile ?? "(random key in data_dir/\(VaultKeyRing.fileName))")
        }
        for secret in ProviderSecret.all {
            let value = configuration[keyPath: secret.keyPath]
            row(secret.label, value.map { secret.isSecret ? redacted : $0 } ?? "(not set)")
        }
        let width = rows.map(\.0.count).max() ?? 0
        let valueWidth = min(48, rows.map(\.1.count).max() ?? 0)
        var lines = ["Effective configuration (value, then where it came from):"]
        for (key, value, source) in rows {
            lines.append("  " + pad(key, width) + "  " + pad(value, valueWidth) + "  " + source)
        }
        let configured = WebhookProviders.verifiers(configuration.secrets).keys
        lines.append("")
        lines.append("Webhook endpoints (POST /webhooks/{provider}):")
        for provider in WebhookProviders.known {
            lines.append("  " + pad(provider, 10) + "  " + (configured.contains(provider) ? "configured" : "not configured (answers 404 PROVIDER_NOT_CONFIGURED)"))
        }
        return lines.joined(separator: "\n")
    }

    static let redacted = "[redacted]"

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
