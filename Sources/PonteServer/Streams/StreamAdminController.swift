import Foundation
import Hummingbird
import Logging
import PonteCore
import PonteJobs
import PonteKit
import PonteStore

/// Event streams for operators: list them, read any of them (long-poll or Server-Sent
/// Events), and append a notice to one.
struct StreamAdminController: Sendable {
    let database: any StoreDatabase
    let work: UnitsOfWork
    let endpoint: StreamEndpoint

    static let namePattern = "^[A-Za-z0-9_.:-]{1,200}$"
    static let typePattern = "^[A-Za-z0-9_.:-]{1,100}$"

    func addRoutes(to routes: inout APIRoutes) {
        StreamEndpoint.addSchemas(to: &routes)
        let name = JSONSchema.string("A stream's name, such as store:st_…", pattern: Self.namePattern)
        routes.schema(
            "Stream",
            .object([
                "name": .string(), "last_seq": .integer(minimum: 0), "first_seq": .integer(minimum: 1), "updated_at": .timestamp(),
            ])
        )
        routes.get(
            "streams",
            APIOperation("listStreams", "Event streams by name, with their newest and oldest kept sequence", tags: ["Streams"])
                .query("limit", .integer(minimum: 1, maximum: Int64(ListParameters.maxLimit)), "Page size (default 50)")
                .query("cursor", name, "The previous page's next_cursor")
                .response(200, .object(["data": .array(.ref("Stream")), "next_cursor": .string().nullable]), "A page")
                .errors(400, "INVALID_QUERY"),
            list
        )
        routes.get(
            "streams/{stream}/events",
            StreamEndpoint.operation("readStream", "Read any stream's events").tagged("Streams").path("stream", name, "The stream")
                .errors(400, "INVALID_STREAM"),
            read
        )
        routes.post(
            "streams/{stream}/events",
            APIOperation(
                "appendStreamEvent", "Append an event to a stream",
                description: "For operators' notices and for testing readers; modules append their own events in their units of work.",
                tags: ["Streams"]
            )
            .path("stream", name, "The stream")
            .body(.object(["type": .string("What happened", pattern: Self.typePattern), "data": JSONSchema.any("The event's JSON document").optional]))
            .response(201, .ref("StreamEvent"), "The event, with its sequence")
            .errors(400, "INVALID_JSON", "INVALID_STREAM"),
            append
        )
    }

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let parameters = ListParameters(request)
        let after = try parameters.text("cursor").map { try Self.streamName($0, parameter: "cursor") }
        let page = try await ListParameters.page(size: try parameters.limit(), id: \.name, item: StreamJSON.init) { limit in
            try await database.streams(limit: limit, after: after)
        }
        return try .json(encoding: page)
    }

    @Sendable func read(_ request: Request, context: APIRequestContext) async throws -> Response {
        let stream = try Self.streamName(try context.parameters.require("stream"), parameter: nil)
        return try await endpoint.respond(to: request, context: context, stream: stream)
    }

    private struct AppendRequest: Decodable {
        let type: String
        let data: JSONValue?
    }

    @Sendable func append(_ request: Request, context: APIRequestContext) async throws -> Response {
        let stream = try Self.streamName(try context.parameters.require("stream"), parameter: nil)
        let asked = try await request.decodeJSON(AppendRequest.self, expected: "{\"type\": \"NOTICE\", \"data\": {...}}")
        guard Self.isName(asked.type, maxLength: 100) else {
            throw APIError.badRequest(
                "INVALID_JSON", "type must be 1-100 letters, digits, _ . : or -", details: .object(["field": "type"])
            )
        }
        let data = asked.data ?? .object([:])
        let event = try await work.run { unit in try await unit.append(to: stream, type: asked.type, data: data) }
        context.logger.info("stream event appended by an operator", metadata: ["stream": "\(stream)", "seq": "\(event.seq)"])
        return .json("\(StreamEndpoint.eventJSON(event))", status: .created)
    }

    /// A stream name from the path or a cursor, or `400` saying what a name may hold.
    static func streamName(_ text: String, parameter: String?) throws -> String {
        guard isName(text, maxLength: 200) else {
            let message = "a stream name is 1-200 letters, digits, _ . : or -"
            if let parameter { throw APIError.invalidQuery(parameter, message) }
            throw APIError.badRequest("INVALID_STREAM", message)
        }
        return text
    }
}

extension StreamAdminController {
    /// Whether `text` is 1 to `maxLength` letters, digits, `_ . : -` (`namePattern`, `typePattern`).
    static func isName(_ text: String, maxLength: Int) -> Bool {
        var count = 0
        for byte in text.utf8 {
            count += 1
            let allowed =
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "-")
            guard allowed, count <= maxLength else { return false }
        }
        return count > 0
    }
}

struct StreamJSON: Encodable {
    let stream: StreamSummary

    init(_ stream: StreamSummary) {
        self.stream = stream
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.encode(stream.name, forKey: "name")
        try c.encode(stream.lastSeq, forKey: "last_seq")
        try c.encode(stream.firstSeq, forKey: "first_seq")
        try c.encode(Timestamps.iso8601(microseconds: stream.updatedAt), forKey: "updated_at")
    }
}
