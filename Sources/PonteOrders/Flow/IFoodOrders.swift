import Foundation
import PonteCore
import PonteJobs
import PonteKit
import PonteProviders

/// Orders from iFood: each `PLACED` event's order is fetched, mapped (seed 000 §1.4; iFood's
/// decimal reais are read as exact centavos) and stored once as source `IFOOD`, however often
/// the event comes and whichever way (webhook or polling: the inbox keeps one). The store's
/// actions go back to iFood as jobs; iFood's own events (its cancellation after 8 minutes
/// unconfirmed, the customer's, the conclusion) move the order `by: IFOOD`.
struct IFoodOrders: Sendable {
    let context: ModuleContext
    let notifier: CustomerNotifier

    /// An action to send to iFood for an order.
    struct Action: Codable, Sendable, Equatable {
        enum Kind: String, Codable, Sendable {
            case confirm, startPreparation, readyToPickup, dispatch, requestCancellation
        }

        let orderID: String
        let kind: Kind
        let notes: String?

        enum CodingKeys: String, CodingKey {
            case orderID = "order_id"
            case kind, notes
        }
    }

    static let action = JobKind<Action>("orders.ifood.action", queue: OrderJobs.queue, priority: .high, maxAttempts: 10, provider: "ifood")

    /// The action a status change of an iFood order asks of iFood, if any.
    static func action(for status: OrderStatus, deliveryType: DeliveryType) -> Action.Kind? {
        switch status {
        case .confirmed: .confirm
        case .preparing: .startPreparation
        case .ready: deliveryType == .pickup ? .readyToPickup : nil
        case .delivering: .dispatch
        case .cancelled: .requestCancellation
        default: nil
        }
    }

    // MARK: Events

    struct Event: Decodable {
        let id: String
        let code: String
        let fullCode: String?
        let orderId: String?
        let merchantId: String?
        let metadata: [String: JSONValue]?
    }

    func subscription() -> EventSubscription {
        EventSubscription("orders.ifood_events", provider: "ifood") { event, job in
            let payload = try event.decode(Event.self)
            guard let orderID = payload.orderId else { return .ignored(reason: "the event names no order") }
            switch payload.fullCode ?? payload.code {
            case "PLACED", "PLC":
                return try await placed(orderID: orderID, merchantID: payload.merchantId, job: job)
            case "CANCELLED", "CAN":
                let reason = payload.metadata?["CANCEL_REASON"]?.stringValue ?? payload.metadata?["reason"]?.stringValue
                try await move(orderID, to: [.cancelled], notes: "cancelled by iFood" + (reason.map { ": \($0)" } ?? ""), job: job)
                return .processed
            case "CONCLUDED", "CON":
                try await move(orderID, to: [.delivered, .completed], notes: "concluded on iFood", job: job)
                return .processed
            case let code:
                return .ignored(reason: "iFood's \(code) needs nothing of the order (the store's own actions come back as these)")
            }
        }
    }

    private func placed(orderID: String, merchantID: String?, job: JobContext) async throws -> EventHandling {
        guard let ifood = context.providers.ifood else {
            throw JobFailure.permanent(reason: "iFood has no credentials (IFOOD_CLIENT_ID, IFOOD_CLIENT_SECRET): its orders cannot be fetched")
        }
        let details = try await ifood.order(id: orderID)
        let merchant = details.merchant?.id ?? merchantID ?? ""
        let notifier = self.notifier
        job.onSuccess { unit in
            guard let (store, config) = try await OrdersStorage.store(ifoodMerchantID: merchant, in: unit),
                try await OrdersStorage.lockOrder(source: .ifood, externalID: orderID, in: unit) == nil
            else { return }
            let order = try Self.order(from: details, store: store, at: unit.now)
            try await OrdersStorage.insertOrder(order, idempotencyKey: nil, requestHash: nil, in: unit)
            var flow = OrderFlow(unit: unit, order: order, store: store, config: config, notifier: notifier)
            try await flow.reachStore()
            try await flow.save()
        }
        return .processed
    }

    /// Moves the order along `path` (each step the state machine allows), by iFood.
    private func move(_ orderID: String, to path: [OrderStatus], notes: String, job: JobContext) async throws {
        let notifier = self.notifier
        job.onSuccess { unit in
            guard let order = try await OrdersStorage.lockOrder(source: .ifood, externalID: orderID, in: unit),
                let (store, config) = try await OrdersStorage.store(order.storeID, in: unit)
            else { return }
            var flow = OrderFlow(unit: unit, order: order, store: store, config: config, notifier: notifier)
            var changed = false
            for status in path where flow.order.status.allowedNextStatuses.contains(status) {
                changed = try await flow.changeStatus(to: status, by: .ifood, notes: notes) || changed
            }
            if changed { try await flow.save() }
        }
    }

    // MARK: Mapping

    /// The order iFood describes, in Ponte's model: amounts in centavos, exactly as iFood's
    /// decimals; iFood's additional fees count with the delivery fee; its benefits are the
    /// discount. iFood collects the payment (or the courier does): nothing for Ponte to charge.
    static func order(from details: IFoodOrder, store: Store, at now: Int64) throws -> Order {
        let at = OrdersStorage.timestamp(now)
        let items = (details.items ?? []).enumerated().map { index, item in
            let quantity = max(1, Int((item.quantity ?? 1).rounded()))
            let unit = item.unitPrice?.minorUnits ?? 0
            return OrderItem(
                itemID: item.externalCode ?? item.id ?? "item-\(index + 1)", name: item.name ?? "Item \(index + 1)", quantity: quantity,
                unitPrice: unit, totalPrice: item.totalPrice?.minorUnits ?? unit * quantity, notes: item.observations)
        }
        let total = details.total
        let subtotal = total?.subTotal?.minorUnits ?? items.reduce(0) { $0 + ($1.totalPrice ?? 0) }
        let fee = (total?.deliveryFee?.minorUnits ?? 0) + (total?.additionalFees?.minorUnits ?? 0)
        let discount = total?.benefits?.minorUnits ?? 0
        let method = details.payments?.methods?.first
        var payment = PaymentDetails()
        payment.billingType = method?.method.map { "IFOOD_\($0)" } ?? "IFOOD"
        let address = details.delivery?.deliveryAddress.map { address -> JSONValue in
            func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
            return .object([
                "street": text(address.streetName), "number": text(address.streetNumber), "complement": text(address.complement),
                "neighborhood": text(address.neighborhood), "city": text(address.city), "state": text(address.state),
                "postal_code": text(address.postalCode), "formatted": text(address.formattedAddress),
            ])
        }
        return Order(
            id: OrdersStorage.orderIDs.next(at: OrdersStorage.date(now)), clientID: store.clientID, storeID: store.id, source: .ifood,
            externalID: details.id, status: .pending, customerID: details.customer?.id, customerName: details.customer?.name,
            phoneNumber: nil, customerCPF: nil, items: items, subtotal: subtotal, deliveryFee: fee, discount: discount,
            total: total?.orderAmount?.minorUnits ?? subtotal + fee - discount,
            paymentMethod: method?.method.flatMap(PaymentMethod.init(rawValue:)) ?? .credit, paymentStatus: .notApplicable,
            paymentID: nil, paymentDetails: payment, deliveryType: details.orderType == "DELIVERY" ? .delivery : .pickup,
            deliveryAddress: address, deliveryTime: details.delivery?.deliveryDateTime, customerNotes: nil, awaitingConfirmation: false,
            reachedStoreAt: nil, confirmationDeadline: nil, refundDeadline: nil,
            statusHistory: [StatusHistoryEntry(status: .pending, at: at, by: .ifood, notes: "iFood order \(details.displayId ?? details.id)")],
            createdAt: at, updatedAt: at
        )
    }

    // MARK: Actions

    /// Sends one action. Every action but a cancellation confirms first (iFood takes the
    /// others only from a confirmed order, and a repeated confirmation changes nothing), so
    /// the actions may run in any order.
    func run(_ action: Action, job: JobContext) async throws {
        guard let ifood = context.providers.ifood else {
            throw JobFailure.permanent(reason: "iFood has no credentials (IFOOD_CLIENT_ID, IFOOD_CLIENT_SECRET)")
        }
        guard let order = try await OrdersStorage.order(action.orderID, on: context.database), let id = order.externalID else { return }
        switch action.kind {
        case .requestCancellation:
            let reasons = try await ifood.cancellationReasons(orderID: id)
            guard let reason = reasons.first else {
                throw JobFailure.permanent(reason: "iFood offers no cancellation reason for order \(id): it can no longer be cancelled")
            }
            try await ifood.requestCancellation(
                orderID: id, reason: action.notes ?? reason.description ?? "cancelled by the store", cancellationCode: reason.cancelCodeId)
        case .confirm:
            try await ifood.confirm(orderID: id)
        case .startPreparation:
            try await ifood.confirm(orderID: id)
            try await ifood.startPreparation(orderID: id)
        case .readyToPickup:
            try await ifood.confirm(orderID: id)
            try await ifood.readyToPickup(orderID: id)
        case .dispatch:
            try await ifood.confirm(orderID: id)
            try await ifood.dispatch(orderID: id)
        }
    }
}
