import Hummingbird
import NIOCore
import PonteProviders
import PonteStore

/// `POST /webhooks/{provider}` in the router: verify the signature on the raw bytes, store
/// durably, and only then acknowledge. Most webhook requests are answered earlier, by
/// `WebhookIntakeHandler`, under the same rules (`WebhookReception`).
struct WebhookController: Sendable {
    let reception: WebhookReception

    func addRoutes(to router: Router<PonteRequestContext>) {
        router.post("/webhooks/:provider", use: receive)
        router.get("/webhooks/:provider", use: validate)
    }

    // MARK: Routes

    @Sendable func receive(_ request: Request, context: PonteRequestContext) async throws -> Response {
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
    @Sendable func validate(_ request: Request, context: PonteRequestContext) async throws -> Response {
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
