import NIOCore
import PonteCore

/// A verified webhook event about to be stored.
public struct NewInboxRecord: Sendable {
    public var id: String
    public var provider: String
    public var eventID: String
    public var eventType: String
    /// Microseconds since the Unix epoch.
    public var receivedAt: Int64
    /// JSON object of the request headers, secrets already redacted.
    public var headersJSON: String
    public var body: ByteBuffer

    public init(id: String, provider: String, eventID: String, eventType: String, receivedAt: Int64, headersJSON: String, body: ByteBuffer) {
        self.id = id
        self.provider = provider
        self.eventID = eventID
        self.eventType = eventType
        self.receivedAt = receivedAt
        self.headersJSON = headersJSON
        self.body = body
    }
}

/// What storing one event did: stored it now, or found it already stored under `id`.
public struct InboxStoreOutcome: Sendable, Equatable {
    public var id: String
    public var duplicate: Bool

    public init(id: String, duplicate: Bool) {
        self.id = id
        self.duplicate = duplicate
    }
}

/// One stored webhook as listed by the admin API.
public struct InboxSummary: Sendable, Equatable {
    public var id: String
    public var provider: String
    public var eventID: String
    public var eventType: String
    public var status: WebhookStatus
    public var receivedAt: Int64
    public var attempts: Int
    public var lastError: String?
    /// Why the event was ignored, or what its handler reported.
    public var reason: String?
}

/// One stored webhook in full.
public struct InboxEntry: Sendable, Equatable {
    public var summary: InboxSummary
    public var headersJSON: String
    public var body: ByteBuffer
}

/// Filters and page for listing stored webhooks, newest first.
public struct InboxQuery: Sendable, Equatable {
    public var provider: String?
    public var status: WebhookStatus?
    public var limit: Int
    /// List only entries older than this id (the previous page's last id).
    public var before: String?

    public init(provider: String? = nil, status: WebhookStatus? = nil, limit: Int = 50, before: String? = nil) {
        self.provider = provider
        self.status = status
        self.limit = limit
        self.before = before
    }
}
