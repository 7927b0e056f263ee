import Hummingbird
import Logging

/// The request context of every sandbox route.
public typealias SandboxContext = BasicRequestContext

/// What every simulator shares: credentials, the clock, faults, the ledger, the webhook
/// outbox, the idempotency cache and real-time timers.
public struct SandboxEnvironment: Sendable {
    public var credentials: SandboxCredentials
    public var clock: SandboxClock
    public var faults: FaultBook
    public var ledger: Ledger
    public var webhooks: WebhookOutbox
    public var idempotency: IdempotencyCache
    public var timers: SandboxTimers
    public var logger: Logger

    public init(
        credentials: SandboxCredentials, clock: SandboxClock, faults: FaultBook, ledger: Ledger,
        webhooks: WebhookOutbox, idempotency: IdempotencyCache, timers: SandboxTimers = SandboxTimers(), logger: Logger
    ) {
        self.credentials = credentials
        self.clock = clock
        self.faults = faults
        self.ledger = ledger
        self.webhooks = webhooks
        self.idempotency = idempotency
        self.timers = timers
        self.logger = logger
    }
}

/// One provider's simulator: its real API under `/{provider}/...`, and the control routes
/// that let a test act as the outside world under `/_sandbox/{provider}/...`.
public protocol ProviderSimulator: Sendable {
    /// The provider, whose raw value is the URL prefix.
    var provider: SandboxProvider { get }

    /// Adds the provider's API (paths as the provider has them: `v1/payment_intents`, ...)
    /// to `group`, which is already under `/{provider}` and injects the configured faults.
    func addRoutes(to group: RouterGroup<SandboxContext>)

    /// Adds control routes to `group`, which is under `/_sandbox/{provider}`.
    func addControlRoutes(to group: RouterGroup<SandboxContext>)

    /// The provider's own answer to an injected fault (`.serverError` or `.rateLimited`),
    /// in its error shape.
    func faultResponse(_ fault: APIFault) -> Response
}
