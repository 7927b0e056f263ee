/// One event found in a verified request.
public struct VerifiedEvent: Sendable, Equatable, Hashable {
    /// The provider's event id: the deduplication key within the provider.
    public var eventID: String
    /// The provider's event type, e.g. "payment_intent.succeeded".
    public var eventType: String

    /// Creates an event from its id and type.
    public init(eventID: String, eventType: String) {
        self.eventID = eventID
        self.eventType = eventType
    }
}
