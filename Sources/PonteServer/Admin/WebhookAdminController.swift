import Foundation
import Hummingbird
import NIOCore
import PonteCore
import PonteStore

/// `GET /api/v1/webhooks` and `GET /api/v1/webhooks/{id}`: what was received, newest first.
struct WebhookAdminController: Sendable {
    let database: any StoreDatabase
    let ids: SortableIDGenerator

    func addRoutes(to group: RouterGroup<PonteRequestContext>) {
        group.get("webhooks", use: list)
        group.get("webhooks/:id", use: show)
    }

    @Sendable func list(_ request: Request, context: PonteRequestContext) async throws -> Response {
        let parameters = ListParameters(request)
        var query = InboxQuery()
        query.provider = parameters.text("provider")
        query.status = try parameters.value(WebhookStatus.self, "status")
        query.before = try parameters.cursor(ids: ids)
        let page = try await ListParameters.page(
            size: try parameters.limit() ?? query.limit, id: \.id, item: WebhookSummaryJSON.init
        ) { limit in
            query.limit = limit
            return try await database.listInbox(query)
        }
        return try .json(encoding: page)
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
        return try .json(encoding: detail)
    }
}

// MARK: JSON shapes

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
