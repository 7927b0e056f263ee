import ArgumentParser
import Hummingbird
import Logging
import PonteSandboxHub
import PonteServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the hub: webhook endpoints, admin API, job workers, provider calls, /health, /ready and /metrics.",
        discussion: """
            Migrations are applied before the port opens. SIGTERM or SIGINT stops accepting \
            connections, finishes in-flight requests, commits queued events and closes the database.
            Provider secrets come from the environment (STRIPE_WEBHOOK_SECRET, SQUARE_WEBHOOK_SIGNATURE_KEY, \
            QUICKBOOKS_WEBHOOK_TOKEN, TWILIO_AUTH_TOKEN, IFOOD_CLIENT_SECRET, ASAAS_WEBHOOK_TOKEN, \
            MAILCHIMP_WEBHOOK_SECRET, STANDARD_WEBHOOK_SECRET) or the YAML file. `ponte config check` \
            shows what is in effect.
            """
    )

    @OptionGroup var options: HubOptions

    @Flag(help: "Serve HTTP only; run jobs in `ponte worker` processes instead (env PONTE_WORKERS=false).")
    var noWorkers = false

    @Flag(help: "Run the provider simulators in-process (port PONTE_SANDBOX_PORT, default 8090) and call them instead of the real providers; credentials that are not set take sandbox defaults (env PONTE_SANDBOX=true).")
    var sandbox = false

    func run() async throws {
        let configuration = try loadConfiguration(options, workers: noWorkers ? false : nil, sandbox: sandbox ? true : nil)
        let logger = bootstrapLogging(level: configuration.logLevel)
        do {
            let app = try await buildApplication(configuration: configuration, sandbox: SandboxHub(), logger: logger)
            try await app.runService()
            logger.info("ponte stopped: in-flight requests answered, running jobs finished or released, queued events committed, database closed")
        } catch {
            var listening = "\(configuration.host):\(configuration.port)"
            if configuration.sandbox { listening += " or the sandbox's port \(configuration.sandboxPort)" }
            logger.critical("ponte stopped", metadata: ["error": "\(startupFailure(error, listening: listening))"])
            throw ExitCode.failure
        }
    }
}
