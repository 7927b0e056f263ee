import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The sandbox: a faithful simulator of each provider, on one router, each under its
/// provider's prefix with the provider's real paths below it (`/stripe/v1/...`,
/// `/asaas/v3/...`, `/ifood/authentication/v1.0/...`, `/ifood/order/v1.0/...`,
/// `/twilio/2010-04-01/...`, `/square/oauth2/...` and `/square/v2/...`, `/mailchimp/oauth2/...`
/// and `/mailchimp/3.0/...`, `/quickbooks/connect/oauth2`, `/quickbooks/oauth2/v1/...` and
/// `/quickbooks/v3/company/...`), plus a control API under `/_sandbox`.
public final class Sandbox: Sendable {
    public let environment: SandboxEnvironment
    public let simulators: [any ProviderSimulator]

    /// - Parameters:
    ///   - hubBaseURL: where webhooks go (`HUB_BASE_URL/webhooks/{provider}`); nil keeps them
    ///     in the delivery log only.
    ///   - seed: makes fault injection reproducible.
    public init(
        credentials: SandboxCredentials, hubBaseURL: String?, seed: UInt64? = nil, logger: Logger,
        clock: SandboxClock = SandboxClock(), webhookRetryBaseDelay: Duration = .milliseconds(500)
    ) {
        let faults = FaultBook(seed: seed)
        let environment = SandboxEnvironment(
            credentials: credentials, clock: clock, faults: faults, ledger: Ledger(),
            webhooks: WebhookOutbox(
                hubBaseURL: hubBaseURL, credentials: credentials, faults: faults, logger: logger,
                retryBaseDelay: webhookRetryBaseDelay
            ),
            idempotency: IdempotencyCache(), logger: logger
        )
        self.environment = environment
        self.simulators = Self.makeSimulators(environment)
    }

    /// Every simulator, in the order of `SandboxProvider.allCases`.
    private static func makeSimulators(_ environment: SandboxEnvironment) -> [any ProviderSimulator] {
        [
            StripeSimulator(environment: environment),
            AsaasSimulator(environment: environment),
            IFoodSimulator(environment: environment),
            TwilioSimulator(environment: environment),
            SquareSimulator(environment: environment),
            MailchimpSimulator(environment: environment),
            QuickBooksSimulator(environment: environment),
        ]
    }

    /// Adds every simulator's API and the control API to `router`.
    public func addRoutes(to router: Router<SandboxContext>) {
        for simulator in simulators {
            let group = router.group(RouterPath(simulator.provider.rawValue))
                .add(middleware: FaultMiddleware(simulator: simulator, faults: environment.faults))
            simulator.addRoutes(to: group)
        }
        let control = router.group("_sandbox")
        SandboxControlController(sandbox: self).addRoutes(to: control)
        for simulator in simulators {
            simulator.addControlRoutes(to: control.group(RouterPath(simulator.provider.rawValue)))
        }
    }
}

/// Builds the sandbox's HTTP application: all simulators on one port, and the webhook
/// outbox and the simulators' timers as background services. It stops on SIGTERM/SIGINT like the hub.
public func buildSandboxApplication(
    sandbox: Sandbox, host: String, port: Int, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router(context: SandboxContext.self)
    sandbox.addRoutes(to: router)
    return Application(
        router: router,
        configuration: .init(address: .hostname(host, port: port), serverName: "ponte-sandbox"),
        services: [sandbox.environment.webhooks, sandbox.environment.timers],
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
        logger: logger
    )
}
