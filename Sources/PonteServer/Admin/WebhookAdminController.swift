import Foundation
import Hummingbird
import NIOCore
import PonteCore
import PonteStore

/// `GET /api/v1/webhooks` and `GET /api/v1/webhooks/{id}`: what was received, newest first.
struct WebhookAdminController: Sendable {
    let database: any StoreDatabase
    let ids: SortableIDGenerator

    static let maxLimit = 500

    func addRoutes(to group: RouterGroup<PonteRequestContext>) {
        group.get("webhooks", use: list)
        group.get("webhooks/:id", use: show)
    }

    @Sendable func list(_ request: Request, context: PonteRequestContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        var query = InboxQuery()
        if let provider = parameters["provider"], !provider.isEmpty {
            query.provider = String(provider)
        }
        if let status = parameters["status"], !status.isEmpty {
            guard let value = WebhookStatus(rawValue: String(status)) else {
                throw APIError.badRequest(
                    "INVALID_QUERY",
                    "status '\(status)' is unknown; use one of \(WebhookStatus.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            query.status = value
        }
        if let limit = parameters["limit"], !limit.isEmpty {
            guard let value = Int(limit), (1...Self.maxLimit).contains(value) else {
                throw APIError.badRequest("INVALID_QUERY", "limit must be a whole number from 1 to \(Self.maxLimit)")
            }
            query.limit = value
        }
        if let cursor = parameters["cursor"], !cursor.isEmpty {
            guard ids.isWellFormed(String(cursor)) else {
                throw APIError.badRequest("INVALID_QUERY", "cursor '\(cursor)' is not one this API returned; pass next_cursor from the previous page")
            }
            query.before = String(cursor)
        }
        // Ask for one more row than the page holds, to know whether another page follows.
        let pageSize = query.limit
        query.limit = pageSize + 1
        var rows = try await database.listInbox(query)
        let hasMore = rows.count > pageSize
        if hasMore { rows.removeLast() }
        let page = WebhookPage(data: rows.map(WebhookSummaryJSON.init), nextCursor: hasMore ? rows.last?.id : nil)
        return try Self.encode(page)
    }

    @Sendable func show(_ request: Request, context: PonteRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let entry = try await database.inboxEntry(id: id) else {
            throw APIError(.notFound, code: "WEBHOOK_NOT_FOUND", message: "no webhook with id '\(id)'")
        }
        let headers = (try? JSONDecoder().decode([String: String].self, from: Data(entry.headersJSON.utf8))) ?? [:]
        let bytes = Array(buffer: entry.body)
        let text = String(validating: bytes, as: UTF8.self)
        let detail = WebhookDetailJSON(
            summary: WebhookSummaryJSON(entry.summary),
            headers: headers,
            body: text,
            bodyBase64: text == nil ? Data(bytes).base64EncodedString() : nil
        )
        return try Self.encode(detail)
    }

    static func encode(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}

// MARK: JSON shapes

struct WebhookPage: Encodable {
    let data: [WebhookSummaryJSON]
    let nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case data
        case nextCursor = "next_cursor"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(data, forKey: .data)
        try container.encode(nextCursor, forKey: .nextCursor)  // explicit null on the last page
    }
}

struct WebhookSummaryJSON: Encodable {
    let id: String
    let provider: String
    let eventID: String
    let eventType: String
    let status: String
    let receivedAt: String
    let attempts: Int
    let lastError: String?
    let reason: String?

    init(_ summary: InboxSummary) {
        id = summary.id
        provider = summary.provider
        eventID = summary.eventID
        eventType = summary.eventType
        status = summary.status.rawValue
        receivedAt = Timestamps.iso8601(microseconds: summary.receivedAt)
        attempts = summary.attempts
        lastError = summary.lastError
        reason = summary.reason
    }

    enum CodingKeys: String, CodingKey {
        case id, provider, status, attempts, reason
        case eventID = "event_id"
        case eventType = "event_type"
        case receivedAt = "received_at"
        case lastError = "last_error"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(provider, forKey: .provider)
        try container.encode(eventID, forKey: .eventID)
        try container.encode(eventType, forKey: .eventType)
        try container.encode(status, forKey: .status)
        try container.encode(receivedAt, forKey: .receivedAt)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(reason, forKey: .reason)
    }
}

struct WebhookDetailJSON: Encodable {
    let summary: WebhookSummaryJSON
    let headers: [String: String]
    let body: String?
    let bodyBase64: String?

    enum CodingKeys: String, CodingKey {
        case headers, body
        case bodyBase64 = "body_base64"
    }

    func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(headers, forKey: .headers)
        try container.encode(body, forKey: .body)
        try container.encodeIfPresent(bodyBase64, forKey: .bodyBase64)
    }
}

/// Formats stored microsecond timestamps for the API.
enum Timestamps {
    static func iso8601(microseconds: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(microseconds) / 1_000_000)
        return date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
