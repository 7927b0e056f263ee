import PonteJobs
import PonteKit

/// What an order's deadline does when its time comes. The job exists only while the order
/// can still need it (moving on cancels it), and checks again here: a deadline that finds the
/// order already moved on does nothing.
struct OrderDeadlines: Sendable {
    let notifier: CustomerNotifier

    func run(_ deadline: OrderDeadline, job: JobContext) async throws {
        let notifier = self.notifier
        job.onSuccess { unit in
            guard let order = try await OrdersStorage.lockOrder(deadline.orderID, in: unit), order.status == .pending,
                let (store, config) = try await OrdersStorage.store(order.storeID, in: unit)
            else { return }
            var flow = OrderFlow(unit: unit, order: order, store: store, config: config, notifier: notifier)
            switch deadline.kind {
            case .confirm:
                guard order.reachedStore else { return }
                try await flow.changeStatus(
                    to: .confirmed, by: .system,
                    notes: "confirmed automatically: the store did not answer within \(Self.minutes(config.autoConfirmationTimeout))")
            case .refund:
                let paid = order.paymentStatus == .paid
                try await flow.changeStatus(
                    to: .cancelled, by: .system,
                    notes: "not confirmed within \(Self.minutes(config.refundTimeout))" + (paid ? "; the payment is refunded" : ""))
            case .paymentExpiry:
                guard !order.reachedStore, order.paymentStatus == .pending || order.paymentStatus == .failed else { return }
                try await flow.changeStatus(to: .cancelled, by: .system, notes: "not paid before the charge expired")
            }
            try await flow.save()
        }
    }

    static func minutes(_ count: Int) -> String { count == 1 ? "1 minute" : "\(count) minutes" }
}
