import Foundation
import Logging
import NIOCore
import PonteCore
import PonteJobs
import PonteKit
import PonteProviders
import PonteStore

/// iFood's event polling, every 30 seconds as iFood asks (polling is also what keeps the store
/// shown as open). New events go into the webhook inbox exactly like signed webhooks — the
/// same (provider, event id) is stored once, whichever way it came first — and are
/// acknowledged only after they are committed, so an event lost between the two is polled
/// again, never lost. This is what recovers an event whose webhook never arrived.
public struct IFoodPollingModule: HubModule {
    public let name = "ifood_polling"

    static let poll = JobKind<NoArguments>("ifood.events.poll", queue: "providers", priority: .high)
    static let interval: Duration = .seconds(30)

    public init() {}

    public func install(into module: inout ModuleInstallation, context: ModuleContext) throws {
        module.queue(Self.poll.queue)
        module.job(Self.poll) { _, job in
            try await Self.pollOnce(context: context, job: job)
        }
        if context.providers.ifood != nil {
            module.periodic(
                PeriodicJob(
                    name: "ifood-event-polling", kind: Self.poll.name, queue: Self.poll.queue, priority: Self.poll.priority,
                    schedule: .every(Self.interval)
                )
            )
        }
    }

    static func pollOnce(context: ModuleContext, job: JobContext) async throws {
        guard let ifood = context.providers.ifood else { return }
        let polled: [IFoodEvent]
        do {
            polled = try await ifood.poll()
        } catch let error as ProviderCallError {
            // The next poll is 30 s away: no retry of this one.
            job.logger.warning("iFood polling failed", metadata: ["error": "\(error)"])
            return
        }
        guard !polled.isEmpty else { return }
        let outcomes = try await context.intake.receive(
            polled.map { event in
                ReceivedProviderEvent(
                    provider: "ifood", eventID: event.id, eventType: event.fullCode ?? event.code, source: "ifood-polling",
                    body: ByteBuffer(string: json(event).text)
                )
            }
        )
        try await ifood.acknowledge(eventIDs: polled.map(\.id))
        job.logger.info(
            "iFood events polled",
            metadata: ["events": "\(polled.count)", "new": "\(outcomes.filter { !$0.duplicate }.count)"]
        )
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
