import Foundation
import HTTPTypes
import Logging
import NIOCore
import PonteCore
import PonteKit
import PonteProviders
import PonteStore

/// The rules of `POST /webhooks/{provider}`, whichever way the request reached the hub: find
/// the provider's verifier, check the body's size and signature on the raw bytes, turn the
/// verified events into inbox records, and answer once they are stored.
///
/// `WebhookIntakeHandler` applies them on the connection's event loop; `WebhookController`
/// applies them in the router, for requests that reach it (a webhook pipelined behind another
/// request on the same connection, and the router tests).
struct WebhookReception: Sendable {
    let verifiers: [String: any WebhookVerifier]
    let inbox: WebhookInbox
    let ids: SortableIDGenerator
    let publicURL: String?
    let maxBodyBytes: Int
    let metrics: HubMetrics
    let now: @Sendable () -> Date

    /// What a request comes to once its body is read and checked.
    enum Decision {
        /// Verified events to store; answer with `acknowledgement` once they are.
        case store([NewInboxRecord], events: [VerifiedEvent])
        /// Nothing to store; answer this now.
        case answer(WebhookAnswer)
    }

    /// The verifier of `provider`, or the 404 that says why there is none.
    func verifier(for provider: String) throws(APIError) -> any WebhookVerifier {
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

    /// The 413 for a body over the limit, counted.
    func tooLarge(provider: String) -> APIError {
        metrics.webhookReceived(provider: provider, outcome: "too_large")
        return APIError(
            .contentTooLarge, code: "PAYLOAD_TOO_LARGE",
            message: "the body is larger than the \(maxBodyBytes)-byte limit (PONTE_MAX_BODY_BYTES)"
        )
    }

    /// Checks the signature of a whole request and makes the records to store.
    ///
    /// - Parameters:
    ///   - pathAndQuery: the request target as sent, which Square and Twilio sign.
    ///   - authority: the Host, for the public URL when `PONTE_PUBLIC_URL` is not set.
    func decide(
        provider: String, verifier: any WebhookVerifier, method: String, pathAndQuery: String, authority: String?,
        headers: HTTPFields, body: ByteBuffer, logger: Logger
    ) throws(APIError) -> Decision {
        let receivedAt = now()
        let incoming = WebhookRequest(
            method: method,
            url: publicURL(pathAndQuery: pathAndQuery, authority: authority),
            headers: headers.map { ($0.name.rawName, $0.value) },
            body: Array(buffer: body)
        )
        let events: [VerifiedEvent]
        do {
            events = try verifier.verify(incoming, now: receivedAt)
        } catch {
            switch error {
            case .signatureInvalid(let reason):
                metrics.webhookReceived(provider: provider, outcome: "signature_invalid")
                logger.notice("webhook rejected", metadata: ["provider": "\(provider)", "reason": "\(reason)"])
                throw APIError(.unauthorized, code: "WEBHOOK_SIGNATURE_INVALID", message: reason)
            case .payloadInvalid(let reason):
                metrics.webhookReceived(provider: provider, outcome: "payload_invalid")
                logger.notice("webhook payload refused", metadata: ["provider": "\(provider)", "reason": "\(reason)"])
                throw APIError(.badRequest, code: "WEBHOOK_PAYLOAD_INVALID", message: reason)
            }
        }

        // Mailchimp checks a new webhook URL with an empty POST; answer it without storing anything.
        if provider == "mailchimp" && body.readableBytes == 0 {
            return .answer(.validation)
        }

        let headersJSON = StoredHeaders.json(headers)
        let micros = Int64(receivedAt.timeIntervalSince1970 * 1_000_000)
        let records = events.map { event in
            NewInboxRecord(
                id: ids.next(at: receivedAt), provider: provider, eventID: event.eventID, eventType: event.eventType,
                receivedAt: micros, headersJSON: headersJSON, body: body
            )
        }
        return .store(records, events: events)
    }

    /// The answer to a request whose events are now stored (or were already).
    func acknowledgement(
        provider: String, events: [VerifiedEvent], outcomes: [InboxStoreOutcome], logger: Logger
    ) -> WebhookAnswer {
        let allDuplicates = outcomes.allSatisfy(\.duplicate)
        metrics.webhookReceived(provider: provider, outcome: allDuplicates ? "duplicate" : "accepted")
        if logger.logLevel <= .debug {
            logger.debug(
                "webhook stored",
                metadata: ["provider": "\(provider)", "id": "\(outcomes[0].id)", "duplicate": "\(allDuplicates)", "events": "\(outcomes.count)"]
            )
        }
        if provider == "twilio" {
            return WebhookAnswer(status: .ok, contentType: "text/xml", body: "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>")
        }
        var json = "{\"received\":true,\"id\":"
        JSONText.appendString(outcomes[0].id, to: &json)
        json += ",\"duplicate\":"
        json += allDuplicates ? "true" : "false"
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
        return WebhookAnswer(json: json)
    }

    /// The 503 for events the inbox could not store.
    func notStored(provider: String, error: any Error, logger: Logger) -> APIError {
        metrics.webhookReceived(provider: provider, outcome: "error")
        logger.error("webhook not stored", metadata: ["provider": "\(provider)", "error": "\(error)"])
        return APIError(.serviceUnavailable, code: "STORE_UNAVAILABLE", message: "the event was not stored; the sender should retry")
    }

    /// The URL the provider called, as it signed it: `PONTE_PUBLIC_URL` + path and query,
    /// or, without it, `http://` + the Host header.
    func publicURL(pathAndQuery: String, authority: String?) -> String {
        if let publicURL {
            let base = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
            return base + pathAndQuery
        }
        return "http://\(authority ?? "localhost")\(pathAndQuery)"
    }
}

/// A webhook response: status, content type and body.
struct WebhookAnswer: Sendable {
    var status: HTTPResponse.Status
    var contentType: String
    var body: String

    init(status: HTTPResponse.Status, contentType: String, body: String) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    init(json: String, status: HTTPResponse.Status = .ok) {
        self.init(status: status, contentType: "application/json; charset=utf-8", body: json)
    }

    init(_ error: APIError) {
        self.init(json: error.jsonBody, status: error.status)
    }

    /// Mailchimp's URL check, answered without storing anything.
    static let validation = WebhookAnswer(json: "{\"received\":true,\"validation\":true}")
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
