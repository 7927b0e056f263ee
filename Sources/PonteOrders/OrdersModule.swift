import Foundation
import PonteJobs
import PonteKit
import PonteStore

/// Store orders (seeds 003 and 000 §1–§3): clients and stores with their order policy,
/// orders from every channel in one model and one state machine, Asaas charges and refunds,
/// deadlines as jobs at their exact time, each store's stream for its POS, and the
/// customer's WhatsApp messages.
///
/// Settings: `PONTE_ORDERS_PAYMENT_WINDOW` (minutes an online order waits for its payment,
/// default 30), `PONTE_ORDERS_WHATSAPP_FROM` (the WhatsApp sender of stores without a
/// `whatsapp_number`).
public struct OrdersModule: HubModule {
    public let name = "orders"

    public init() {}

    public var migrations: [Migration] { OrdersSchema.migrations }

    public func install(into module: inout ModuleInstallation, context: ModuleContext) throws {
        let environment = context.environment
        let window = try Self.minutes(environment["PONTE_ORDERS_PAYMENT_WINDOW"], name: "PONTE_ORDERS_PAYMENT_WINDOW", default: 30)
        let notifier = CustomerNotifier(defaultSender: environment["PONTE_ORDERS_WHATSAPP_FROM"].flatMap { $0.isEmpty ? nil : $0 })
        let payments = OrderPayments(context: context, notifier: notifier, paymentWindow: .seconds(window * 60))
        let deadlines = OrderDeadlines(notifier: notifier)
        let ifood = IFoodOrders(context: context, notifier: notifier)

        module.queue(OrderJobs.queue)
        module.queue(OrderJobs.notificationsQueue)
        module.job(OrderJobs.createCharge) { reference, job in try await payments.createCharge(reference, job: job) }
        module.job(OrderJobs.refund) { reference, job in try await payments.refund(reference, job: job) }
        module.job(OrderJobs.deadline) { deadline, job in try await deadlines.run(deadline, job: job) }
        module.job(CustomerNotifier.send) { notification, job in
            try await CustomerNotifier.run(notification, job: job, context: context)
        }
        module.job(IFoodOrders.action) { action, job in try await ifood.run(action, job: job) }
        module.subscribe(payments.subscription())
        module.subscribe(ifood.subscription())
        module.subscribe(CustomerNotifier.statusCallbacks)

        let database = context.database
        module.authenticate { token in
            guard token.hasPrefix(StoreKeys.prefix) else { return nil }
            guard let key = try await OrdersStorage.key(hash: StoreKeys.hash(token), on: database), key.revokedAt == nil else {
                throw APIError.unauthorized("this store API key is unknown or revoked; create one with POST /api/v1/clients/{client_id}/stores/{store_id}/api-keys")
            }
            return Caller(subject: key.id, role: StoreKeys.role, scopes: [StoreKeys.scope: key.storeId])
        }

        OrdersSchemas.add(to: &module.routes)
        StoresAPI(context: context).addRoutes(to: &module.routes)
        OrdersAPI(context: context, notifier: notifier).addRoutes(to: &module.routes)
    }

    static func minutes(_ text: String?, name: String, default value: Int) throws -> Int {
        guard let text, !text.isEmpty else { return value }
        guard let minutes = Int(text), (1...1440).contains(minutes) else {
            throw ModuleSettingError(message: "\(name) must be a whole number of minutes from 1 to 1440, not '\(text)'")
        }
        return minutes
    }
}

struct ModuleSettingError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
