import Hummingbird
import NIOCore
import PonteKit
import PonteProviders
import PonteStore

/// `POST /webhooks/{provider}` in the router: verify the signature on the raw bytes, store
/// durably, and only then acknowledge. Most webhook requests are answered earlier, by
/// `WebhookIntakeHandler`, under the same rules (`WebhookReception`).
struct WebhookController: Sendable {
    let reception: WebhookReception

    func addRoutes(to routes: inout APIRoutes) {
        let provider = JSONSchema.oneOf(WebhookProviders.known, "The provider that sends the webhook")
        routes.schema(
            "WebhookAcknowledgement",
            .object([
                "received": .boolean(),
                "id": .string("The stored event's inbox id (the first one's, when several)"),
                "duplicate": .boolean("True when the provider sent this event before: `id` is the one first stored"),
                "validation": JSONSchema.boolean("Mailchimp's URL check, answered without storing").optional,
                "events": JSONSchema.array(
                    .object(["id": .string(), "event_id": .string(), "duplicate": .boolean()]),
                    "One per event, when a request carries several (QuickBooks)"
                ).optional,
            ])
        )
        let body = JSONSchema.any("The provider's payload, exactly as it signed it")
        routes.post(
            "webhooks/{provider}",
            APIOperation(
                "receiveWebhook", "Receive a provider's signed webhook",
                description: "Verified on the raw bytes with the provider's own scheme, stored durably with its processing job, and only then acknowledged. A repeat of a stored event is answered `duplicate: true` with the original id.",
                tags: ["Webhooks"]
            )
            .path("provider", provider, "The provider")
            .body(body, required: false, contentTypes: ["application/json", "application/x-www-form-urlencoded"])
            .response(
                200, .ref("WebhookAcknowledgement"), "Stored (or stored before)",
                alternatives: [("text/xml", .string("Twilio: an empty TwiML response"))]
            )
            .errors(400, "WEBHOOK_PAYLOAD_INVALID")
            .errors(401, "WEBHOOK_SIGNATURE_INVALID")
            .errors(404, "UNKNOWN_PROVIDER", "PROVIDER_NOT_CONFIGURED")
            .errors(413, "PAYLOAD_TOO_LARGE")
            .errors(503, "STORE_UNAVAILABLE"),
            access: .open, receive
        )
        routes.get(
            "webhooks/{provider}",
            APIOperation(
                "validateWebhookURL", "Mailchimp's check of a webhook URL",
                description: "Other providers only POST: for them this answers 405 METHOD_NOT_ALLOWED.", tags: ["Webhooks"]
            )
                .path("provider", .oneOf(["mailchimp"], "Mailchimp"), "The provider")
                .query("secret", .string(), "Mailchimp: the secret in the webhook URL")
                .response(200, .ref("WebhookAcknowledgement"), "The URL is valid")
                .errors(401, "WEBHOOK_SIGNATURE_INVALID")
                .errors(404, "UNKNOWN_PROVIDER", "PROVIDER_NOT_CONFIGURED")
                .errors(405, "METHOD_NOT_ALLOWED"),
            access: .open, validate
        )
    }

    // MARK: Routes

    @Sendable func receive(_ request: Request, context: APIRequestContext) async throws -> Response {
        let provider = try context.parameters.require("provider")
        let verifier = try reception.verifier(for: provider)
        let inbox = reception.inbox

        // Let the inbox know this request is coming, so the next commit can wait for it.
        inbox.expectArrival()
        var queued = false
        defer { if !queued { inbox.cancelArrival() } }

        if let length = request.headers[.contentLength].flatMap(Int.init), length > reception.maxBodyBytes {
            throw reception.tooLarge(provider: provider)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: reception.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw reception.tooLarge(provider: provider)
        }

        let decision = try reception.decide(
            provider: provider, verifier: verifier, method: request.method.rawValue, pathAndQuery: request.uri.string,
            authority: request.head.authority, headers: request.headers, body: body, logger: context.logger
        )
        switch decision {
        case .answer(let answer):
            return Response(answer)
        case .store(let records, let events):
            let outcomes: [InboxStoreOutcome]
            do {
                queued = true
                outcomes = try await inbox.store(records, announced: true)
            } catch {
                throw reception.notStored(provider: provider, error: error, logger: context.logger)
            }
            return Response(reception.acknowledgement(provider: provider, events: events, outcomes: outcomes, logger: context.logger))
        }
    }

    /// Mailchimp validates a webhook URL with a GET; other providers only POST.
    @Sendable func validate(_ request: Request, context: APIRequestContext) async throws -> Response {
        let provider = try context.parameters.require("provider")
        let verifier = try reception.verifier(for: provider)
        guard provider == "mailchimp" else {
            throw APIError(.methodNotAllowed, code: "METHOD_NOT_ALLOWED", message: "webhooks for \(provider) are received with POST")
        }
        let url = reception.publicURL(pathAndQuery: request.uri.string, authority: request.head.authority)
        do {
            _ = try verifier.verify(WebhookRequest(method: "GET", url: url, headers: [], body: []), now: reception.now())
        } catch {
            if case .signatureInvalid(let reason) = error {
                throw APIError(.unauthorized, code: "WEBHOOK_SIGNATURE_INVALID", message: reason)
            }
            // A valid secret with no body is what a validation GET looks like.
        }
        return Response(.validation)
    }
}

extension Response {
    init(_ answer: WebhookAnswer) {
        self.init(
            status: answer.status,
            headers: [.contentType: answer.contentType],
            body: .init(byteBuffer: ByteBuffer(string: answer.body))
        )
    }
}
