import Foundation
import Hummingbird
import Logging
import NIOCore
import PonteCore
import PonteJobs
import PonteKit
import PonteProviders
import PonteStore

/// Stored webhooks: what was received, newest first, each with its subscribers' outcomes;
/// replay to every subscriber or to one.
struct WebhookAdminController: Sendable {
    let database: any StoreDatabase
    let ids: SortableIDGenerator
    let queue: JobQueue
    let work: UnitsOfWork
    let dispatcher: WebhookProcessor

    func addRoutes(to routes: inout APIRoutes) {
        Self.addSchemas(to: &routes)
        routes.get(
            "webhooks",
            APIOperation("listWebhooks", "Stored webhooks, newest first", tags: ["Webhooks"])
                .query("provider", .oneOf(WebhookProviderNames.all), "Only this provider's")
                .query("status", .oneOf(WebhookStatus.allCases.map(\.rawValue)), "Only those with this status")
                .paged()
                .response(200, .ref("WebhookPage"), "A page")
                .errors(400, "INVALID_QUERY"),
            list
        )
        routes.get(
            "webhooks/{id}",
            APIOperation("getWebhook", "A stored webhook: headers (credentials redacted), the exact body, and each subscriber's delivery", tags: ["Webhooks"])
                .response(200, .ref("WebhookDetail"), "The webhook")
                .errors(404, "WEBHOOK_NOT_FOUND"),
            show
        )
        routes.post(
            "webhooks/{id}/replay",
            APIOperation(
                "replayWebhook", "Deliver a stored webhook again",
                description: "To every subscriber (the event is dispatched again), or with `subscriber` to that one only.",
                tags: ["Webhooks"]
            )
            .query("subscriber", .string(), "Only this subscriber (a name from the webhook's deliveries)")
            .response(202, .ref("Replay"), "Queued")
            .errors(404, "WEBHOOK_NOT_FOUND", "SUBSCRIBER_NOT_FOUND"),
            replay
        )
    }

    // MARK: Routes

    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let parameters = ListParameters(request)
        var query = InboxQuery()
        if let provider = parameters.text("provider") {
            guard WebhookProviderNames.all.contains(provider) else {
                throw APIError.invalidQuery("provider", "provider '\(provider)' is unknown; use one of \(WebhookProviderNames.all.joined(separator: ", "))")
            }
            query.provider = provider
        }
        query.status = try parameters.value(WebhookStatus.self, "status")
        query.before = try parameters.cursor(ids: ids)
        let page = try await ListParameters.page(size: try parameters.limit(), id: \.id, item: WebhookSummaryJSON.init) { limit in
            query.limit = limit
            return try await database.listInbox(query)
        }
        return try .json(encoding: page)
    }

    @Sendable func show(_ request: Request, context: APIRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let entry = try await database.inboxEntry(id: id) else { throw Self.notFound(id) }
        let headers = (try? JSONDecoder().decode([String: String].self, from: Data(entry.headersJSON.utf8))) ?? [:]
        let bytes = Array(buffer: entry.body)
        let text = String(validating: bytes, as: UTF8.self)
        let detail = WebhookDetailJSON(
            summary: WebhookSummaryJSON(entry.summary),
            headers: headers,
            body: text,
            bodyBase64: text == nil ? Data(bytes).base64EncodedString() : nil,
            deliveries: try await database.deliveries(webhookID: id).map(DeliveryJSON.init)
        )
        return try .json(encoding: detail)
    }

    @Sendable func replay(_ request: Request, context: APIRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let subscriberName = ListParameters(request).text("subscriber")
        guard let entry = try await database.inboxEntry(id: id) else { throw Self.notFound(id) }
        let outcome: EnqueuedJob
        if let subscriberName {
            guard let subscription = dispatcher.subscriptions.first(where: { $0.name == subscriberName }),
                subscription.matches(provider: entry.summary.provider, eventType: entry.summary.eventType)
            else {
                let names = dispatcher.subscribers(provider: entry.summary.provider, eventType: entry.summary.eventType).map(\.name)
                throw APIError.notFound(
                    "SUBSCRIBER_NOT_FOUND",
                    "no subscriber '\(subscriberName)' takes \(entry.summary.provider) \(entry.summary.eventType) events; "
                        + (names.isEmpty ? "none does" : "those that do: \(names.joined(separator: ", "))")
                )
            }
            let dispatcher = self.dispatcher
            outcome = try await work.run { unit in try await dispatcher.deliver(id, to: [subscription], in: unit)[0] }
        } else {
            let job = WebhookProcessor.job(for: id, queue: queue)
            guard let replayed = try await database.replayWebhook(id: id, job: job, now: queue.clock.now()) else { throw Self.notFound(id) }
            queue.didEnqueue([job], [replayed])
            outcome = replayed
        }
        context.logger.info(
            "webhook replay requested",
            metadata: ["webhook_id": "\(id)", "job_id": "\(outcome.id)", "subscriber": "\(subscriberName ?? "all")"]
        )
        return try .json(encoding: ReplayJSON(webhookID: id, jobID: outcome.id, existing: outcome.existing, subscriber: subscriberName), status: .accepted)
    }

    static func notFound(_ id: String) -> APIError {
        APIError.notFound("WEBHOOK_NOT_FOUND", "no webhook with id '\(id)'")
    }

    // MARK: Schemas

    static func addSchemas(to routes: inout APIRoutes) {
        let summary: KeyValuePairs<String, JSONSchema> = [
            "id": .string("The inbox id (wh_…)"),
            "provider": .string(),
            "event_id": .string("The provider's event id"),
            "event_type": .string(),
            "status": .oneOf(WebhookStatus.allCases.map(\.rawValue)),
            "received_at": .timestamp(),
            "attempts": .integer(minimum: 0),
            "last_error": .string().nullable,
            "reason": .string("Why it was ignored, when it was").nullable,
        ]
        routes.schema("WebhookSummary", .object(summary))
        routes.schema("WebhookPage", .object(["data": .array(.ref("WebhookSummary")), "next_cursor": .string().nullable]))
        routes.schema(
            "WebhookDelivery",
            .object([
                "subscriber": .string("The subscription's name"),
                "status": .oneOf(["pending", "processed", "ignored", "failed"]),
                "job_id": .string("The job delivering it").nullable,
                "attempts": .integer(minimum: 0),
                "last_error": .string().nullable,
                "reason": .string().nullable,
                "updated_at": .timestamp(),
            ])
        )
        var detail = Array(summary)
        detail += [
            ("headers", .map(.string(), "Request headers, credentials redacted")),
            ("body", JSONSchema.string("The exact body, when it is UTF-8").nullable),
            ("body_base64", JSONSchema.string("The body in base64, when it is not UTF-8").optional),
            ("deliveries", .array(.ref("WebhookDelivery"), "Each subscriber's outcome")),
        ]
        routes.schema("WebhookDetail", JSONSchema.object(detail))
        routes.schema(
            "Replay",
            .object([
                "webhook_id": .string(), "job_id": .string("The job that delivers it"),
                "existing": .boolean("True when that job was already pending or running"),
                "subscriber": .string("The one subscriber replayed to, or null for all").nullable,
            ])
        )
    }
}

/// Every provider whose webhooks the hub can receive.
enum WebhookProviderNames {
    static var all: [String] { WebhookProviders.known }
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

struct DeliveryJSON: Encodable {
    let delivery: WebhookDelivery

    init(_ delivery: WebhookDelivery) {
        self.delivery = delivery
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.encode(delivery.subscriber, forKey: "subscriber")
        try c.encode(delivery.status, forKey: "status")
        try c.encode(delivery.jobId, forKey: "job_id")
        try c.encode(delivery.attempts, forKey: "attempts")
        try c.encode(delivery.lastError, forKey: "last_error")
        try c.encode(delivery.reason, forKey: "reason")
        try c.encode(Timestamps.iso8601(microseconds: delivery.updatedAt), forKey: "updated_at")
    }
}

struct WebhookDetailJSON: Encodable {
    let summary: WebhookSummaryJSON
    let headers: [String: String]
    let body: String?
    let bodyBase64: String?
    let deliveries: [DeliveryJSON]

    enum CodingKeys: String, CodingKey {
        case headers, body, deliveries
        case bodyBase64 = "body_base64"
    }

    func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(headers, forKey: .headers)
        try container.encode(body, forKey: .body)
        try container.encodeIfPresent(bodyBase64, forKey: .bodyBase64)
        try container.encode(deliveries, forKey: .deliveries)
    }
}

struct ReplayJSON: Encodable {
    let webhookID: String
    let jobID: String
    let existing: Bool
    let subscriber: String?

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: DynamicKey.self)
        try c.encode(webhookID, forKey: "webhook_id")
        try c.encode(jobID, forKey: "job_id")
        try c.encode(existing, forKey: "existing")
        try c.encode(subscriber, forKey: "subscriber")
    }
}
