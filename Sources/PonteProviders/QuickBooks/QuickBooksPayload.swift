/// Reads the events of a QuickBooks webhook body, legacy or CloudEvents.
enum QuickBooksPayload {
    /// One event per legacy entity change, or one per CloudEvents array element.
    ///
    /// A top-level array is CloudEvents; an object is the legacy
    /// `eventNotifications` format. Every event must carry a usable id:
    /// a half-readable payload is refused whole rather than partly dropped.
    static func events(in body: [UInt8]) throws(WebhookRejection) -> [VerifiedEvent] {
        let first = body.first { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }
        let events: [VerifiedEvent]
        if first == UInt8(ascii: "[") {
            events = try cloudEvents(in: body)
        } else {
            events = try legacyEvents(in: body)
        }
        guard !events.isEmpty else {
            throw .payloadInvalid("body carries no events")
        }
        return events
    }

    private static func cloudEvents(in body: [UInt8]) throws(WebhookRejection) -> [VerifiedEvent] {
        let elements = try JSONFields.decode([CloudEvent].self, from: body)
        var events: [VerifiedEvent] = []
        for (index, element) in elements.enumerated() {
            guard let id = element.id, !id.isEmpty else {
                throw .payloadInvalid("CloudEvent [\(index)] has no \"id\"")
            }
            events.append(VerifiedEvent(eventID: id, eventType: element.type ?? "unknown"))
        }
        return events
    }

    private static func legacyEvents(in body: [UInt8]) throws(WebhookRejection) -> [VerifiedEvent] {
        let payload = try JSONFields.decode(LegacyPayload.self, from: body)
        guard let notifications = payload.eventNotifications else {
            throw .payloadInvalid("body has no \"eventNotifications\" field")
        }
        var events: [VerifiedEvent] = []
        for (index, notification) in notifications.enumerated() {
            guard let realmID = notification.realmId, !realmID.isEmpty else {
                throw .payloadInvalid("eventNotifications[\(index)] has no \"realmId\"")
            }
            for entity in notification.dataChangeEvent?.entities ?? [] {
                guard let name = entity.name, let id = entity.id, let operation = entity.operation,
                    let lastUpdated = entity.lastUpdated,
                    !name.isEmpty, !id.isEmpty, !operation.isEmpty, !lastUpdated.isEmpty
                else {
                    throw .payloadInvalid(
                        "an entity of eventNotifications[\(index)] lacks name, id, operation or lastUpdated")
                }
                // lastUpdated is part of the id so that two updates of one entity stay two events.
                events.append(
                    VerifiedEvent(
                        eventID: "\(realmID):\(name):\(id):\(operation):\(lastUpdated)",
                        eventType: "\(name).\(operation)"))
            }
        }
        return events
    }
}

// MARK: Decoded shapes (only the fields read)

private struct CloudEvent: Decodable {
    var id: String?
    var type: String?
}

private struct LegacyPayload: Decodable {
    var eventNotifications: [Notification]?

    struct Notification: Decodable {
        var realmId: String?
        var dataChangeEvent: DataChangeEvent?
    }

    struct DataChangeEvent: Decodable {
        var entities: [Entity]?
    }

    struct Entity: Decodable {
        var name: String?
        var id: String?
        var operation: String?
        var lastUpdated: String?
    }
}
