import HTTPTypes
import Hummingbird
import NIOCore
import PonteCore
import PonteStore
import ServiceLifecycle

/// Serves one event stream over HTTP, the same way wherever a module mounts it
/// (`GET /api/v1/stores/{store_id}/events`, …): a page of events after a cursor, by long-poll,
/// or as Server-Sent Events when the request asks for `text/event-stream`.
///
/// - JSON: `?after=SEQ&limit=N&wait=SECONDS` answers as soon as an event newer than `after`
///   exists, or with an empty page once `wait` seconds pass; the page's `next_after` is the
///   cursor for the next call.
/// - SSE: each event is `id: <seq>`, `event: <type>`, `data: <the event as JSON>`; a reader
///   resumes with `Last-Event-ID` (or `after`); a comment line every 15 s keeps idle
///   connections open.
///
/// Delivery is at least once, in order. A cursor older than what retention kept answers
/// `410 STREAM_CURSOR_EXPIRED` with the oldest available sequence in `details`.
public struct StreamEndpoint: Sendable {
    public let streams: EventStreams
    /// Longest long-poll, in seconds.
    public static let maxWait: Int64 = 60
    public static let maxLimit: Int64 = 500
    public static let defaultLimit: Int64 = 100
    static let keepAlive: Duration = .seconds(15)
    static let lastEventID = HTTPField.Name("Last-Event-ID")!

    public init(streams: EventStreams) {
        self.streams = streams
    }

    /// Answers `request` with the events of `stream`.
    public func respond(to request: Request, context: APIRequestContext, stream: String) async throws -> Response {
        let query = ListParameters(request)
        let limit = Int(try query.integer("limit", in: 1...Self.maxLimit) ?? Self.defaultLimit)
        let wait = try query.integer("wait", in: 0...Self.maxWait) ?? 0
        var after = try query.integer("after", in: 0...Int64.max) ?? 0
        if let lastEventID = request.headers[Self.lastEventID] {
            guard let seq = Int64(lastEventID.trimmingWhitespace()), seq >= 0 else {
                throw APIError.badRequest("INVALID_LAST_EVENT_ID", "Last-Event-ID must be the sequence number of an event (a whole number)")
            }
            after = seq
        }
        let first: StreamRead
        do {
            first = try await streams.read(stream, after: after, limit: limit)
        } catch let expired as StreamCursorExpired {
            throw Self.expired(expired)
        }
        if request.headers[.accept]?.contains("text/event-stream") == true {
            return serverSentEvents(stream: stream, after: after, limit: limit, first: first)
        }
        var page = first
        if page.events.isEmpty && wait > 0 {
            do {
                page = try await streams.wait(stream, after: after, limit: limit, timeout: .seconds(wait))
            } catch let expired as StreamCursorExpired {
                throw Self.expired(expired)
            }
        }
        return .json(Self.pageJSON(stream: stream, page: page, after: after))
    }

    static func expired(_ expired: StreamCursorExpired) -> APIError {
        APIError(
            .gone, code: "STREAM_CURSOR_EXPIRED",
            message: "\(expired.description); read again after \(expired.oldestAvailable - 1) (events in between are gone)",
            details: .object(["oldest_available_seq": .integer(expired.oldestAvailable)])
        )
    }

    private func serverSentEvents(stream: String, after: Int64, limit: Int, first: StreamRead) -> Response {
        let streams = self.streams
        let body = ResponseBody { writer in
            let follower = streams.follow(stream)
            defer { follower.close() }
            try await withGracefulShutdownHandler {
                var cursor = after
                var page = first
                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                while !Task.isCancelled && !follower.isClosed {
                    if page.events.isEmpty {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    } else {
                        var text = ""
                        for event in page.events { text += Self.sseFrame(event) }
                        try await writer.write(ByteBuffer(string: text))
                        cursor = page.nextAfter(cursor)
                    }
                    do {
                        page = try await follower.next(after: cursor, limit: limit, timeout: Self.keepAlive)
                    } catch is StreamCursorExpired {
                        break  // only after a long stall; the reader reconnects and gets the 410
                    }
                }
            } onGracefulShutdown: {
                follower.close()
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no"],
            body: body
        )
    }

    // MARK: Shapes

    public static func eventJSON(_ event: StreamEvent) -> String {
        var json = "{\"seq\":\(event.seq),\"stream\":"
        JSONText.appendString(event.stream, to: &json)
        json += ",\"type\":"
        JSONText.appendString(event.type, to: &json)
        json += ",\"created_at\":"
        JSONText.appendString(Timestamps.iso8601(microseconds: event.createdAt), to: &json)
        json += ",\"data\":" + event.data + "}"
        return json
    }

    static func sseFrame(_ event: StreamEvent) -> String {
        "id: \(event.seq)\nevent: \(event.type)\ndata: \(eventJSON(event))\n\n"
    }

    static func pageJSON(stream: String, page: StreamRead, after: Int64) -> String {
        var json = "{\"stream\":"
        JSONText.appendString(stream, to: &json)
        json += ",\"events\":[" + page.events.map(eventJSON).joined(separator: ",") + "]"
        json += ",\"next_after\":\(page.nextAfter(after)),\"last_seq\":\(page.lastSeq),\"first_seq\":\(page.firstSeq)}"
        return json
    }

    // MARK: Description

    /// The operation of a route served by `respond`: its query parameters, both answers and errors.
    public static func operation(_ id: String, _ summary: String, description: String? = nil) -> APIOperation {
        APIOperation(id, summary, description: description ?? """
            Events after the cursor `after`, oldest first. With `wait`, a long-poll: answers as soon as \
            a newer event exists, or with an empty page at the deadline. With `Accept: text/event-stream`, \
            Server-Sent Events (`id` is the sequence; resume with `Last-Event-ID`; a comment every 15 s). \
            Delivery is at least once, in order per stream.
            """)
            .query("after", .integer("Read events after this sequence", minimum: 0, maximum: Int64.max), "Cursor: the `next_after` of the previous page (default 0: from the start)")
            .query("limit", .integer("Events per page", minimum: 1, maximum: maxLimit), "Events per page (default 100)")
            .query("wait", .integer("Seconds to wait", minimum: 0, maximum: maxWait), "Seconds to wait for an event when none is newer than `after` (default 0)")
            .header("Last-Event-ID", .string("The last sequence received", pattern: "^[0-9]+$"), "Server-Sent Events: resume after this sequence")
            .response(
                200, .ref("StreamPage"), "A page of events (JSON), or the stream itself (`text/event-stream`)",
                alternatives: [("text/event-stream", .string("Server-Sent Events"))]
            )
            .errors(400, "INVALID_QUERY", "INVALID_LAST_EVENT_ID")
            .errors(410, "STREAM_CURSOR_EXPIRED")
    }

    /// The schemas `operation` refers to.
    public static func addSchemas(to routes: inout APIRoutes) {
        routes.schema(
            "StreamEvent",
            .object([
                "seq": .integer("Position in the stream, from 1, contiguous", minimum: 1),
                "stream": .string("The stream's name"),
                "type": .string("What happened, e.g. ORDER_STATUS_CHANGED"),
                "created_at": .timestamp("When it was appended"),
                "data": .any("The event's document"),
            ])
        )
        routes.schema(
            "StreamPage",
            .object([
                "stream": .string("The stream's name"),
                "events": .array(.ref("StreamEvent")),
                "next_after": .integer("The cursor for the next read", minimum: 0),
                "last_seq": .integer("The stream's newest sequence (0 when empty)", minimum: 0),
                "first_seq": .integer("The oldest sequence still kept", minimum: 1),
            ])
        )
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text.removeFirst() }
        while text.last?.isWhitespace == true { text.removeLast() }
        return String(text)
    }
}
