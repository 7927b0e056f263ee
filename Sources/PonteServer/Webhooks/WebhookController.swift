import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PonteCore
import PonteProviders
import PonteStore

/// `POST /webhooks/{provider}`: verify the signature on the raw bytes, store durably, and only
/// then acknowledge.
struct WebhookController: Sendable {
    let verifiers: [String: any WebhookVerifier]
    let inbox: WebhookInbox
    let ids: SortableIDGenerator
    let publicURL: String?
    let maxBodyBytes: Int
    let metrics: HubMetrics
    let now: @Sendable () -> Date

    func addRoutes(to router: Router<PonteRequestContext>) {
        router.post("/webhooks/:provider", use: receive)
        router.get("/webhooks/:provider", use: validate)
    }

    // MARK: Routes

    @Sendable func receive(_ request: Request, context: PonteRequestContext) async throws -> Response {
        let provider = try context.parameters.require("provider")
        let verifier = try self.verifier(for: provider)

        // Let the inbox know this request is coming, so the next commit can wait for it.
        inbox.expectArrival()
        var queued = false
        defer { if !queued { inbox.cancelArrival() } }

        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            metrics.webhookReceived(provider: provider, outcome: "too_large")
            throw Self.tooLarge(maxBodyBytes)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            metrics.webhookReceived(provider: provider, outcome: "too_large")
            throw Self.tooLarge(maxBodyBytes)
        }

        let receivedAt = now()
        let incoming = WebhookRequest(
            method: request.method.rawValue,
            url: publicURL(of: request),
            headers: request.headers.map { ($0.name.rawName, $0.value) },
            body: Array(buffer: body)
        )
        let events: [VerifiedEvent]
        do {
            events = try verifier.verify(incoming, now: receivedAt)
        } catch {
            switch error {
            case .signatureInvalid(let reason):
                metrics.webhookReceived(provider: provider, outcome: "signature_invalid")
                context.logger.notice("webhook rejected", metadata: ["provider": "\(provider)", "reason": "\(reason)"])
                throw APIError(.unauthorized, code: "WEBHOOK_SIGNATURE_INVALID", message: reason)
            case .payloadInvalid(let reason):
                metrics.webhookReceived(provider: provider, outcome: "payload_invalid")
                context.logger.notice("webhook payload refused", metadata: ["provider": "\(provider)", "reason": "\(reason)"])
                throw APIError(.badRequest, code: "WEBHOOK_PAYLOAD_INVALID", message: reason)
            }
        }

        // Mailchimp checks a new webhook URL with an empty POST; answer it without storing anything.
        if provider == "mailchimp" && body.readableBytes == 0 {
            return Response.json("{\"received\":true,\"validation\":true}")
        }

        let headersJSON = StoredHeaders.json(request.headers)
        let micros = Int64(receivedAt.timeIntervalSince1970 * 1_000_000)
        let records = events.map { event in
            NewInboxRecord(
                id: ids.next(at: receivedAt), provider: provider, eventID: event.eventID, eventType: event.eventType,
                receivedAt: micros, headersJSON: headersJSON, body: body
            )
        }
        let outcomes: [InboxStoreOutcome]
        do {
            queued = true
            outcomes = try await inbox.store(records, announced: true)
        } catch {
            metrics.webhookReceived(provider: provider, outcome: "error")
            context.logger.error("webhook not stored", metadata: ["provider": "\(provider)", "error": "\(error)"])
            throw APIError(.serviceUnavailable, code: "STORE_UNAVAILABLE", message: "the event was not stored; the sender should retry")
        }
        let allDuplicates = outcomes.allSatisfy(\.duplicate)
        metrics.webhookReceived(provider: provider, outcome: allDuplicates ? "duplicate" : "accepted")
        if context.logger.logLevel <= .debug {
            context.logger.debug(
                "webhook stored",
                metadata: ["provider": "\(provider)", "id": "\(outcomes[0].id)", "duplicate": "\(allDuplicates)", "events": "\(outcomes.count)"]
            )
        }
        return acknowledgement(provider: provider, events: events, outcomes: outcomes)
    }

    /// Mailchimp validates a webhook URL with a GET; other providers only POST.
    @Sendable func validate(_ request: Request, context: PonteRequestContext) async throws -> Response {
        let provider = try context.parameters.require("provider")
        let verifier = try self.verifier(for: provider)
        guard provider == "mailchimp" else {
            throw APIError(.methodNotAllowed, code: "METHOD_NOT_ALLOWED", message: "webhooks for \(provider) are received with POST")
        }
        let probe = WebhookRequest(method: "GET", url: publicURL(of: request), headers: [], body: [])
        do {
            _ = try verifier.verify(probe, now: now())
        } catch {
            if case .signatureInvalid(let reason) = error {
                throw APIError(.unauthorized, code: "WEBHOOK_SIGNATURE_INVALID", message: reason)
            }
            // A valid secret with no body is what a validation GET looks like.
        }
        return Response.json("{\"received\":true,\"validation\":true}")
    }

    // MARK: Helpers

    private func verifier(for provider: String) throws -> any WebhookVerifier {
        if let verifier = verifiers[provider] { return verifier }
        if WebhookProviders.known.contains(provider) {
            metrics.webhookReceived(provider: provider, outcome: "not_configured")
            throw APIError(
                .notFound, code: "PROVIDER_NOT_CONFIGURED",
                message: "\(provider) has no webhook secret configured; set it (see `ponte config check`) and restart"
            )
        }
        throw APIError(
            .notFound, code: "UNKNOWN_PROVIDER",
            message: "unknown provider '\(provider)'; known: \(WebhookProviders.known.joined(separator: ", "))"
        )
    }

    /// The URL the provider called, as it signed it: `PONTE_PUBLIC_URL` + path and query,
    /// or, without it, `http://` + the Host header.
    private func publicURL(of request: Request) -> String {
        let pathAndQuery = request.uri.string
        if let publicURL {
            let base = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
            return base + pathAndQuery
        }
        let host = request.head.authority ?? "localhost"
        return "http://\(host)\(pathAndQuery)"
    }

    private func acknowledgement(provider: String, events: [VerifiedEvent], outcomes: [InboxStoreOutcome]) -> Response {
        if provider == "twilio" {
            return Response(
                status: .ok,
                headers: [.contentType: "text/xml"],
                body: .init(byteBuffer: ByteBuffer(string: "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>"))
            )
        }
        var json = "{\"received\":true,\"id\":"
        JSONText.appendString(outcomes[0].id, to: &json)
        json += ",\"duplicate\":"
        json += outcomes.allSatisfy(\.duplicate) ? "true" : "false"
        if outcomes.count > 1 {
            json += ",\"events\":["
            for (index, (event, outcome)) in zip(events, outcomes).enumerated() {
                if index > 0 { json += "," }
                json += "{\"id\":"
                JSONText.appendString(outcome.id, to: &json)
                json += ",\"event_id\":"
                JSONText.appendString(event.eventID, to: &json)
                json += ",\"duplicate\":\(outcome.duplicate)}"
            }
            json += "]"
        }
        json += "}"
        return Response.json(json)
    }

    private static func tooLarge(_ limit: Int) -> APIError {
        APIError(.contentTooLarge, code: "PAYLOAD_TOO_LARGE", message: "the body is larger than the \(limit)-byte limit (PONTE_MAX_BODY_BYTES)")
    }
}

/// Request headers as stored with a webhook: a JSON object of lower-cased names, with
/// credentials replaced by `"[redacted]"`.
enum StoredHeaders {
    static let redacted: Set<String> = ["authorization", "proxy-authorization", "cookie", "asaas-access-token", "x-api-key"]

    static func json(_ headers: HTTPFields) -> String {
        var merged: [(String, String)] = []
        var position: [String: Int] = [:]
        for field in headers {
            let name = field.name.canonicalName
            let value = redacted.contains(name) ? "[redacted]" : field.value
            if let index = position[name] {
                merged[index].1 += ", " + value
            } else {
                position[name] = merged.count
                merged.append((name, value))
            }
        }
        var json = "{"
        for (index, (name, value)) in merged.enumerated() {
            if index > 0 { json += "," }
            JSONText.appendString(name, to: &json)
            json += ":"
            JSONText.appendString(value, to: &json)
        }
        json += "}"
        return json
    }
}
