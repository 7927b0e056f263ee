import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PonteSandbox

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract:
            "Run the provider simulators (Stripe, Asaas, iFood, Twilio, Square, Mailchimp, QuickBooks) on one port, for development and tests.",
        discussion: """
            Each simulator speaks its provider's wire format under the provider's prefix: \
            /stripe/v1/..., /asaas/v3/..., /ifood/authentication/v1.0/... and /ifood/order/v1.0/..., \
            /twilio/2010-04-01/..., /square/oauth2/... and /square/v2/..., /mailchimp/oauth2/... and \
            /mailchimp/3.0/..., /quickbooks/connect/oauth2, /quickbooks/oauth2/v1/... and \
            /quickbooks/v3/company/... Point a client or SDK at http://HOST:PORT/<provider> as its base URL.
            Square, Mailchimp and QuickBooks are OAuth 2.0 servers (authorize redirect, code exchange, \
            refresh, revoke) with the one API call a connection test makes.
            Credentials come from the same variables the hub reads (STRIPE_SECRET_KEY, \
            STRIPE_WEBHOOK_SECRET, ASAAS_API_KEY, ASAAS_WEBHOOK_TOKEN, IFOOD_CLIENT_ID, \
            IFOOD_CLIENT_SECRET, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, SQUARE_APP_ID, SQUARE_APP_SECRET, \
            MAILCHIMP_CLIENT_ID, MAILCHIMP_CLIENT_SECRET, MAILCHIMP_API_KEY, QUICKBOOKS_CLIENT_ID, \
            QUICKBOOKS_CLIENT_SECRET; the hub does not read the last seven yet); unset ones take fixed \
            sandbox defaults, logged at start. Requests \
            with another credential get the provider's own authentication error.
            Webhooks (a PIX paid, an iFood order placed, a message delivered) are signed as the \
            provider signs them and sent to HUB_BASE_URL/webhooks/<provider>.
            The control API under /_sandbox acts as the outside world: fault injection \
            (PUT /_sandbox/faults/<provider>), clock (POST /_sandbox/clock/advance), the money ledger \
            (GET /_sandbox/ledger), webhook deliveries (GET /_sandbox/webhooks), and each provider's \
            actions (see the README), among them /_sandbox/<square|mailchimp|quickbooks>/oauth: deny the \
            next authorization, set the lifetime of new access tokens, expire or revoke a token, and \
            count token requests by grant type.
            """
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8090

    @Option(help: "The hub's base URL, e.g. http://127.0.0.1:8080; webhooks go to <URL>/webhooks/<provider>. Without it, webhooks are only logged.")
    var webhookURL: String?

    @Option(help: "Seed for fault injection, so a run with faults can be repeated (env PONTE_SANDBOX_SEED).")
    var seed: UInt64?

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel = "info"

    func validate() throws {
        if let webhookURL, URL(string: webhookURL)?.scheme.map({ ["http", "https"].contains($0) }) != true {
            throw ValidationError("--webhook-url must be an http:// or https:// URL, e.g. http://127.0.0.1:8080")
        }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0...65535") }
    }

    func run() async throws {
        let logger = bootstrapLogging(level: logLevel)
        let environment = ProcessInfo.processInfo.environment
        let seed = seed ?? environment["PONTE_SANDBOX_SEED"].flatMap(UInt64.init)
        let credentials = SandboxCredentials.from(environment: environment)
        let defaulted = SandboxCredentials.defaulted(in: environment)
        if !defaulted.isEmpty {
            logger.notice(
                "sandbox credentials: these variables are not set, so their sandbox defaults are in use (give the hub the same environment)",
                metadata: ["defaulted": "\(defaulted.joined(separator: ","))"]
            )
        }
        let sandbox = Sandbox(credentials: credentials, hubBaseURL: webhookURL, seed: seed, logger: logger)
        let app = buildSandboxApplication(sandbox: sandbox, host: host, port: port, logger: logger) { port in
            logger.info(
                "ponte sandbox is listening",
                metadata: [
                    "address": "\(host):\(port)",
                    "simulators": "\(sandbox.simulators.map(\.provider.rawValue).joined(separator: ","))",
                    "webhooks_to": "\(webhookURL ?? "nowhere (no --webhook-url)")",
                ]
            )
        }
        do {
            try await app.runService()
        } catch {
            logger.critical("ponte sandbox stopped", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }
}
