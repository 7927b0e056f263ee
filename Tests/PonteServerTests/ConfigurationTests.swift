import Foundation
import PonteProviders
import PonteServer
import Testing

/// `ConfigurationLoader`, `HubConfiguration.problems()` and `ConfigurationReport`.
@Suite struct ConfigurationTests {
    /// A config file in the shape of the seeds' `config/integrations.yaml` (section 7.1) plus `server:`.
    static let yaml = """
        server:
          host: 0.0.0.0
          port: 7000
          database: ${PONTE_TEST_DB:-/var/lib/ponte/ponte.sqlite}
          public_url: ${PUBLIC_BASE_URL}
          jwt_secret: file-jwt-secret-file-jwt-secret-0000
        integrations:
          ifood:
            enabled: true
            client_id: ${IFOOD_CLIENT_ID}
            client_secret: ${IFOOD_SECRET_FROM_VAULT}
            webhook_secret: ${IFOOD_WEBHOOK_SECRET}
            sandbox: false
          whatsapp:
            enabled: true
            provider: twilio
            account_sid: ${TWILIO_ACCOUNT_SID}
            auth_token: ${TWILIO_TOKEN_VAR:-twilio-from-default}
            phone_number: ${TWILIO_WHATSAPP_NUMBER}
          asaas:
            enabled: false
            api_key: ${ASAAS_API_KEY}
            webhook_token: asaas-token-in-file
          stripe:
            webhook_secret: whsec_from_file
          tef:
            enabled: true
            provider: sitef
            terminal_id: ${TEF_TERMINAL_ID}
          fiscal:
            sat:
              enabled: true
              activation_code: ${SAT_ACTIVATION_CODE}
        """

    /// Writes `text` to a temporary YAML file and runs `body` with its path.
    @discardableResult
    func withConfigFile<R>(_ text: String = Self.yaml, _ body: (String) throws -> R) throws -> R {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/ponte.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try body(path)
    }

    // MARK: Precedence

    @Test func defaultsApplyWithNothingGiven() throws {
        let configuration = try ConfigurationLoader.load(flags: CommandLineOverrides(), environment: [:])
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8080)
        #expect(configuration.database == "./data/ponte.sqlite")
        #expect(configuration.publicURL == nil)
        #expect(configuration.jwtSecret == nil)
        #expect(configuration.secrets == WebhookSecrets())
        #expect(configuration.sources["port"] == "default")
    }

    @Test func flagBeatsEnvironmentBeatsFileBeatsDefault() throws {
        try withConfigFile { path in
            let fileOnly = try ConfigurationLoader.load(flags: CommandLineOverrides(configFile: path), environment: [:])
            #expect(fileOnly.port == 7000)
            #expect(fileOnly.sources["port"] == "file")

            let envAndFile = try ConfigurationLoader.load(
                flags: CommandLineOverrides(configFile: path), environment: ["PONTE_PORT": "7001"])
            #expect(envAndFile.port == 7001)
            #expect(envAndFile.sources["port"] == "env PONTE_PORT")

            let all = try ConfigurationLoader.load(
                flags: CommandLineOverrides(port: 7002, configFile: path), environment: ["PONTE_PORT": "7001"])
            #expect(all.port == 7002)
            #expect(all.sources["port"] == "flag")

            // Values the flags and environment do not touch still come from the file.
            #expect(all.host == "0.0.0.0")
            #expect(all.jwtSecret == "file-jwt-secret-file-jwt-secret-0000")
        }
    }

    @Test func configFileCanBeNamedByTheEnvironment() throws {
        try withConfigFile { path in
            let configuration = try ConfigurationLoader.load(flags: CommandLineOverrides(), environment: ["PONTE_CONFIG": path])
            #expect(configuration.port == 7000)
        }
    }

    @Test func providerSecretFromEnvironmentBeatsTheFile() throws {
        try withConfigFile { path in
            let fromFile = try ConfigurationLoader.load(flags: CommandLineOverrides(configFile: path), environment: [:])
            #expect(fromFile.secrets.stripe == "whsec_from_file")

            let fromEnv = try ConfigurationLoader.load(
                flags: CommandLineOverrides(configFile: path), environment: ["STRIPE_WEBHOOK_SECRET": "whsec_from_env"])
            #expect(fromEnv.secrets.stripe == "whsec_from_env")
            #expect(fromEnv.sources["stripe.webhook_secret"] == "env STRIPE_WEBHOOK_SECRET")
        }
    }

    @Test func emptyEnvironmentVariableCountsAsUnset() throws {
        let configuration = try ConfigurationLoader.load(
            flags: CommandLineOverrides(), environment: ["PONTE_PORT": "", "STRIPE_WEBHOOK_SECRET": ""])
        #expect(configuration.port == 8080)
        #expect(configuration.secrets.stripe == nil)
    }

    // MARK: Substitution

    @Test func variablesInTheFileAreSubstitutedFromTheEnvironment() throws {
        try withConfigFile { path in
            let configuration = try ConfigurationLoader.load(
                flags: CommandLineOverrides(configFile: path),
                environment: [
                    "IFOOD_SECRET_FROM_VAULT": "ifood-secret-value",
                    "PUBLIC_BASE_URL": "https://hub.example.com",
                    "TWILIO_TOKEN_VAR": "twilio-from-env",
                ])
            #expect(configuration.secrets.ifood == "ifood-secret-value")
            #expect(configuration.publicURL == "https://hub.example.com")
            #expect(configuration.secrets.twilio == "twilio-from-env")
            // `${VAR:-default}` with the variable unset.
            #expect(configuration.database == "/var/lib/ponte/ponte.sqlite")
        }
    }

    @Test func unsetVariableUsesItsDefaultOrLeavesTheValueUnset() throws {
        try withConfigFile { path in
            let configuration = try ConfigurationLoader.load(flags: CommandLineOverrides(configFile: path), environment: [:])
            // `${TWILIO_TOKEN_VAR:-twilio-from-default}` (in the `whatsapp` section, which feeds Twilio).
            #expect(configuration.secrets.twilio == "twilio-from-default")
            // `${IFOOD_SECRET_FROM_VAULT}` unset: not configured, rather than configured with "".
            #expect(configuration.secrets.ifood == nil)
            #expect(configuration.publicURL == nil)
        }
    }

    @Test func disabledProviderStaysOffEvenWithItsEnvironmentVariable() throws {
        try withConfigFile { path in
            let configuration = try ConfigurationLoader.load(
                flags: CommandLineOverrides(configFile: path), environment: ["ASAAS_WEBHOOK_TOKEN": "asaas-from-env"])
            #expect(configuration.secrets.asaas == nil)
            #expect(WebhookProviders.verifiers(configuration.secrets)["asaas"] == nil)
            #expect(configuration.sources["asaas.webhook_token"]?.contains("disabled") == true)
        }
    }

    // MARK: Invalid input

    @Test func invalidYAMLIsAnErrorNamingTheFile() throws {
        try withConfigFile("server:\n  port: [7000\n  host: x\n") { path in
            #expect {
                _ = try ConfigurationLoader.load(flags: CommandLineOverrides(configFile: path), environment: [:])
            } throws: { error in
                let message = (error as? ConfigurationError)?.message ?? ""
                return message.contains("not valid YAML") && message.contains(path)
            }
        }
    }

    @Test func fileThatIsNotAMappingIsAnError() throws {
        try withConfigFile("- just\n- a list\n") { path in
            #expect(throws: ConfigurationError.self) {
                _ = try ConfigurationLoader.load(flags: CommandLineOverrides(configFile: path), environment: [:])
            }
        }
    }

    @Test func missingConfigFileIsAnError() {
        #expect {
            _ = try ConfigurationLoader.load(flags: CommandLineOverrides(configFile: "/nonexistent/ponte.yaml"), environment: [:])
        } throws: { error in
            ((error as? ConfigurationError)?.message ?? "").contains("/nonexistent/ponte.yaml")
        }
    }

    @Test func nonNumericPortInTheFileIsAnError() throws {
        try withConfigFile("server:\n  port: eighty\n") { path in
            #expect {
                _ = try ConfigurationLoader.load(flags: CommandLineOverrides(configFile: path), environment: [:])
            } throws: { error in
                let message = (error as? ConfigurationError)?.message ?? ""
                return message.contains("server.port") && message.contains("eighty")
            }
        }
    }

    @Test func nonNumericPortInTheEnvironmentIsAnError() {
        #expect {
            _ = try ConfigurationLoader.load(flags: CommandLineOverrides(), environment: ["PONTE_PORT": "80a"])
        } throws: { error in
            ((error as? ConfigurationError)?.message ?? "").contains("PONTE_PORT")
        }
    }

    @Test func portOutOfRangeIsAProblem() throws {
        let configuration = try ConfigurationLoader.load(flags: CommandLineOverrides(port: 70000), environment: [:])
        #expect(configuration.problems().contains { $0.contains("70000") && $0.contains("out of range") })
    }

    @Test func validConfigurationHasNoProblems() {
        var configuration = HubConfiguration()
        configuration.jwtSecret = String(repeating: "k", count: 32)
        configuration.publicURL = "https://hub.example.com"
        configuration.secrets = WebhookSecrets(stripe: "whsec_x", standard: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        #expect(configuration.problems() == [])
    }

    @Test func shortJWTSecretIsAProblem() {
        var configuration = HubConfiguration()
        configuration.jwtSecret = String(repeating: "k", count: 31)
        #expect(configuration.problems().contains { $0.contains("PONTE_JWT_SECRET") && $0.contains("32") })
    }

    @Test(arguments: ["hub.example.com", "ftp://hub.example.com", "https://", "not a url"])
    func publicURLThatIsNotHTTPIsAProblem(url: String) {
        var configuration = HubConfiguration()
        configuration.publicURL = url
        #expect(configuration.problems().contains { $0.contains("public URL") })
    }

    @Test func otherProblemsAreReported() {
        var configuration = HubConfiguration()
        configuration.maxBodyBytes = 100
        configuration.logLevel = "loud"
        configuration.database = "postgres://user@host:5432/db?sslmode=bogus"
        configuration.secrets.standard = "whsec_!!!"
        let problems = configuration.problems()
        #expect(problems.count == 4, "\(problems)")
    }

    // MARK: The report

    @Test func reportNeverContainsASecretValue() throws {
        var configuration = HubConfiguration()
        configuration.database = "postgres://ponte:db-password-value@db.internal:5432/ponte"
        configuration.jwtSecret = "jwt-secret-value-jwt-secret-value-0000"
        configuration.publicURL = "https://hub.example.com"
        configuration.secrets = WebhookSecrets(
            stripe: "whsec_stripe_secret_value", squareSignatureKey: "square-key-value",
            squareNotificationURL: "https://hub.example.com/webhooks/square", quickbooks: "quickbooks-token-value",
            twilio: "twilio-token-value", ifood: "ifood-secret-value", asaas: "asaas-token-value",
            mailchimp: "mailchimp-secret-value", standard: "whsec_c3RhbmRhcmQtc2VjcmV0LXZhbHVl"
        )

        let report = ConfigurationReport.render(configuration)

        let secrets = [
            "db-password-value", "jwt-secret-value", "whsec_stripe_secret_value", "square-key-value",
            "quickbooks-token-value", "twilio-token-value", "ifood-secret-value", "asaas-token-value",
            "mailchimp-secret-value", "c3RhbmRhcmQtc2VjcmV0LXZhbHVl",
        ]
        for secret in secrets {
            #expect(!report.contains(secret), "the report shows \(secret)")
        }
        // Not secret, and useful: still shown.
        #expect(report.contains("https://hub.example.com/webhooks/square"))
        #expect(report.contains("db.internal"))
        #expect(report.contains("[redacted]"))
    }

    @Test func reportListsEveryProviderAndWhetherItIsConfigured() {
        var configuration = HubConfiguration()
        configuration.secrets.stripe = "whsec_x"
        let report = ConfigurationReport.render(configuration)
        for provider in WebhookProviders.known {
            #expect(report.contains(provider))
        }
        let stripeLine = report.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("stripe ") }
        #expect(stripeLine?.hasSuffix("configured") == true && stripeLine?.contains("not configured") == false)
        let squareLine = report.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("square ") }
        #expect(squareLine?.contains("not configured") == true)
    }
}
