import Foundation
import NIOCore
import PonteCore
import PonteJobs

/// A module's subscription to provider events: which provider, which event types, and the
/// handler. Each stored event that matches gets a job of its own for each subscriber (its
/// kind is the subscription's `name`), so subscribers succeed, retry or dead-letter apart;
/// `GET /api/v1/webhooks/{id}` shows each one's outcome.
public struct EventSubscription: Sendable {
    /// Unique across modules, e.g. `orders.asaas_payments`; also the job kind.
    public let name: String
    public let provider: String
    /// Event types, exact (`PAYMENT_RECEIVED`) or by prefix (`PAYMENT_*`); empty: every type.
    public let eventTypes: [String]
    public var queue: String
    public var maxAttempts: Int
    /// A quick look at the event's body that says whether it can concern this subscriber
    /// (e.g. the charge's reference is one of the module's ids); nil: every matching event
    /// does. An event no subscriber accepts gets no delivery at all and is stored `ignored`.
    /// Runs where the event is stored, so it must be cheap and must not throw.
    public let accepts: (@Sendable (_ body: ByteBuffer) -> Bool)?
    /// Handles one event. Runs in a job: it may run more than once for the same event, so
    /// its effect must be idempotent. Changes to commit go through `job.onSuccess`.
    public let handle: @Sendable (_ event: ProviderEvent, _ job: JobContext) async throws -> EventHandling

    public init(
        _ name: String, provider: String, eventTypes: [String] = [], queue: String = "webhooks", maxAttempts: Int = 10,
        accepts: (@Sendable (_ body: ByteBuffer) -> Bool)? = nil,
        handle: @escaping @Sendable (_ event: ProviderEvent, _ job: JobContext) async throws -> EventHandling
    ) {
        self.name = name
        self.provider = provider
        self.eventTypes = eventTypes
        self.queue = queue
        self.maxAttempts = max(1, maxAttempts)
        self.accepts = accepts
        self.handle = handle
    }

    /// True when this event, by its provider, type and body, is for this subscription.
    public func wants(provider: String, eventType: String, body: ByteBuffer) -> Bool {
        matches(provider: provider, eventType: eventType) && (accepts?(body) ?? true)
    }

    /// True when events of `provider` and `eventType` are this subscription's.
    public func matches(provider: String, eventType: String) -> Bool {
        guard provider == self.provider else { return false }
        if eventTypes.isEmpty { return true }
        return eventTypes.contains { pattern in
            pattern.hasSuffix("*") ? eventType.hasPrefix(pattern.dropLast()) : eventType == pattern
        }
    }
}

/// What a subscriber did with an event.
public enum EventHandling: Sendable, Equatable {
    case processed
    /// Nothing to do for this subscriber; the reason is kept on its delivery.
    case ignored(reason: String)
}

/// A stored provider event, as a subscriber gets it.
public struct ProviderEvent: Sendable {
    /// The inbox id (`wh_…`).
    public let webhookID: String
    public let provider: String
    /// The provider's own event id.
    public let eventID: String
    public let eventType: String
    /// Microseconds since the Unix epoch.
    public let receivedAt: Int64
    /// The exact bytes received.
    public let body: ByteBuffer

    public init(webhookID: String, provider: String, eventID: String, eventType: String, receivedAt: Int64, body: ByteBuffer) {
        self.webhookID = webhookID
        self.provider = provider
        self.eventID = eventID
        self.eventType = eventType
        self.receivedAt = receivedAt
        self.body = body
    }

    /// The body decoded as `T` (a provider's JSON payload).
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
    }

    /// The body as a JSON document, when it is one.
    public var json: JSONValue? {
        JSONValue(parsing: String(buffer: body))
    }
}
