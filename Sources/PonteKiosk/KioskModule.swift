import Foundation
import PonteJobs
import PonteKit
import PonteStore
import Synchronization

/// Self-service kiosks (seed 002): locations with their services and ticket printer; payment
/// sessions charged through Asaas; the ticket a confirmed payment makes, exactly once,
/// printed as ESC/POS; the operators' service queue; each location's stream and display
/// panel; and the integration's health.
///
/// Settings: `PONTE_KIOSK_SESSION_MINUTES` (how long a session waits for its payment,
/// default 15); `PONTE_ENV=production` refuses the webhook simulation.
public struct KioskModule: HubModule {
    public let name = "kiosk"
    let ticketFault: TicketFault?
    let production: Bool?

    public init() {
        ticketFault = nil
        production = nil
    }

    /// For tests: ticket creation fails while `ticketFault` says so; `production` stands for
    /// `PONTE_ENV=production` when not nil.
    public init(ticketFault: TicketFault? = nil, production: Bool?) {
        self.ticketFault = ticketFault
        self.production = production
    }

    public var migrations: [Migration] { KioskSchema.migrations }

    public func install(into module: inout ModuleInstallation, context: ModuleContext) throws {
        let environment = context.environment
        let minutes = try Self.minutes(environment["PONTE_KIOSK_SESSION_MINUTES"], default: 15)
        let payments = SessionPayments(context: context, window: .seconds(minutes * 60), ticketFault: ticketFault)
        let printing = TicketPrinting(context: context)

        module.queue(TicketPrinting.queue)
        module.job(TicketPrinting.job) { request, job in try await printing.run(request, job: job) }
        module.job(SessionPayments.expire) { reference, job in try await payments.expire(reference, job: job) }
        module.job(SessionPayments.refund) { reference, job in try await payments.refund(reference, job: job) }
        module.subscribe(payments.subscription())

        KioskSchemas.add(to: &module.routes)
        LocationsAPI(context: context).addRoutes(to: &module.routes)
        SessionsAPI(context: context, payments: payments, production: production ?? (environment["PONTE_ENV"] == "production"))
            .addRoutes(to: &module.routes)
        TicketsAPI(context: context).addRoutes(to: &module.routes)
        var pages = APIRoutes(prefix: "")
        DisplayPage(context: context).addRoutes(to: &pages)
        module.routes.append(pages)
    }

    static func minutes(_ text: String?, default value: Int) throws -> Int {
        guard let text, !text.isEmpty else { return value }
        guard let minutes = Int(text), (1...1440).contains(minutes) else {
            throw KioskSettingError(description: "PONTE_KIOSK_SESSION_MINUTES must be a whole number of minutes from 1 to 1440, not '\(text)'")
        }
        return minutes
    }
}

struct KioskSettingError: Error, CustomStringConvertible {
    let description: String
}

/// Makes ticket creation fail, for tests of what happens then: the next `count` tickets
/// cannot be made.
public final class TicketFault: Sendable {
    private let remaining: Mutex<Int>

    public init(failing count: Int) {
        remaining = Mutex(count)
    }

    func check() throws {
        let fail = remaining.withLock { count in
            guard count > 0 else { return false }
            count -= 1
            return true
        }
        if fail { throw TicketNotMade("ticket creation failed (injected by the test)") }
    }
}
