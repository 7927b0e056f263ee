/// One event of a stream: its place (`seq`, from 1, contiguous per stream), what happened
/// (`type`) and its JSON document (`data`).
public struct StreamEvent: Sendable, Equatable, Decodable {
    public let stream: String
    public let seq: Int64
    public let type: String
    /// The event's JSON text, as appended.
    public let data: String
    /// Microseconds since the Unix epoch.
    public let createdAt: Int64

    public init(stream: String, seq: Int64, type: String, data: String, createdAt: Int64) {
        self.stream = stream
        self.seq = seq
        self.type = type
        self.data = data
        self.createdAt = createdAt
    }
}

/// A page of a stream read after a cursor.
public struct StreamRead: Sendable, Equatable {
    /// Events after the cursor, in order.
    public var events: [StreamEvent]
    /// The stream's newest sequence (0 for a stream nothing was appended to).
    public var lastSeq: Int64
    /// The oldest sequence still kept (retention deletes older ones).
    public var firstSeq: Int64

    public init(events: [StreamEvent], lastSeq: Int64, firstSeq: Int64) {
        self.events = events
        self.lastSeq = lastSeq
        self.firstSeq = firstSeq
    }

    /// The cursor to read after next: the last event's sequence, or the cursor given.
    public func nextAfter(_ after: Int64) -> Int64 { events.last?.seq ?? after }
}

/// A cursor older than what retention kept: the reader missed events that are gone.
public struct StreamCursorExpired: Error, Sendable, Equatable, CustomStringConvertible {
    public let stream: String
    public let after: Int64
    /// The oldest sequence that can still be read; read after `oldestAvailable - 1`.
    public let oldestAvailable: Int64

    public var description: String {
        "events of \(stream) after \(after) are no longer kept; the oldest available is \(oldestAvailable)"
    }
}

/// The PostgreSQL channel on which appends tell other processes' readers: the payload is
/// `<seq>:<stream>`.
public enum StreamNotifications {
    public static let channel = "ponte_streams"

    static func payload(stream: String, seq: Int64) -> String { "\(seq):\(stream)" }

    static func parse(_ payload: String) -> (stream: String, seq: Int64)? {
        guard let colon = payload.firstIndex(of: ":"), let seq = Int64(payload[..<colon]) else { return nil }
        return (String(payload[payload.index(after: colon)...]), seq)
    }
}
