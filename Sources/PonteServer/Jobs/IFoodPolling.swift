import Foundation
import Logging
import NIOCore
import PonteCore
import PonteJobs
import PonteProviders
import PonteStore

/// iFood's event polling, every 30 seconds as iFood asks (polling is also what keeps the store
/// shown as open). New events go into the webhook inbox exactly like signed webhooks — the
/// same (provider, event id) is stored once, whichever way it came first — and are
/// acknowledged only after they are committed, so an event lost between the two is polled
/// again, never lost. This is what recovers an event whose webhook never arrived.
enum IFoodPolling {
    static let kind = "ifood.events.poll"
    static let interval: Duration = .seconds(30)

    static func periodicJob() -> PeriodicJob {
        PeriodicJob(
            name: "ifood-event-polling", kind: kind, queue: OutboundJobs.queue, priority: .high,
            schedule: .every(interval)
        )
    }

    static func register(
        in registry: inout JobRegistry, database: any StoreDatabase, clients: ProviderClients, queue: JobQueue
    ) {
        let ids = SortableIDGenerator(prefix: "wh_")
        registry.register(kind) { context in
            guard let ifood = clients.ifood else { return }
            let polled: [IFoodEvent]
            do {
                polled = try await ifood.poll()
            } catch let error as ProviderCallError {
                // The next poll is 30 s away: no retry of this one.
                context.logger.warning("iFood polling failed", metadata: ["error": "\(error)"])
                return
            }
            guard !polled.isEmpty else { return }
            let now = queue.clock.now()
            let records = polled.map { event in
                NewInboxRecord(
                    id: ids.next(at: Date(timeIntervalSince1970: Double(now) / 1_000_000)), provider: "ifood",
                    eventID: event.id, eventType: event.fullCode ?? event.code, receivedAt: now,
                    headersJSON: #"{"x-ponte-source":"ifood-polling"}"#, body: ByteBuffer(string: Self.json(event).text)
                )
            }
            let outcomes = try await database.insertInbox(records) { WebhookProcessor.job(for: $0.id, queue: queue) }
            try await ifood.acknowledge(eventIDs: polled.map(\.id))
            context.logger.info(
                "iFood events polled",
                metadata: [
                    "events": "\(polled.count)", "new": "\(outcomes.filter { !$0.duplicate }.count)",
                ]
            )
        }
    }

    /// The event as iFood's JSON (the fields of a polled event; a webhook of the same event
    /// keeps its exact bytes).
    private static func json(_ event: IFoodEvent) -> JSONValue {
        func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        return .object([
            "id": .string(event.id), "code": .string(event.code), "fullCode": optional(event.fullCode),
            "orderId": optional(event.orderId), "merchantId": optional(event.merchantId),
            "createdAt": optional(event.createdAt), "salesChannel": optional(event.salesChannel),
            "metadata": .object(event.metadata.mapValues(JSONValue.string)),
        ])
    }
}
