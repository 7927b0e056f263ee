import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import PonteCore
import PonteJobs
import PonteKit
import PonteProviders
import PonteStore

/// Tells a venue, at its `webhook_url`, that one of its connections needs it (three failed
/// refreshes): a POST signed as Standard Webhooks (`webhook-id`, `webhook-timestamp`,
/// `webhook-signature: v1,<base64 HMAC-SHA256>`) with the venue's own secret, made when the
/// URL is set, shown once, and kept in the vault. Sent by a job: retried until the venue's
/// server answers 2xx.
struct VenueNotices: Sendable {
    let context: ModuleContext

    static let job = JobKind<Notice>("venues.notice", queue: OAuthFlow.queue, maxAttempts: 12)
    static let secretName = "notice_secret"
    static func owner(_ venue: String) -> String { "venues/venue/\(venue)" }
    static let ids = SortableIDGenerator(prefix: "msg_")

    struct Notice: Codable, Sendable {
        let venueID: String
        let id: String
        /// The JSON body, as it is signed and sent.
        let body: String

        enum CodingKeys: String, CodingKey {
            case id, body
            case venueID = "venue_id"
        }
    }

    /// A new secret for the venue's notices (`whsec_` and 24 random bytes, as Standard Webhooks
    /// secrets are written), stored in `unit`; the caller shows it once.
    func makeSecret(venue: String, in unit: UnitOfWork) async throws -> String {
        let secret = "whsec_" + SymmetricKey(size: SymmetricKeySize(bitCount: 192)).withUnsafeBytes { Data($0).base64EncodedString() }
        try await context.vault.put(owner: Self.owner(venue), name: Self.secretName, secret: secret, now: unit.now, in: unit.executor)
        return secret
    }

    /// Enqueues `type` with `data` for the venue, in the unit of work that decided it.
    func enqueue<D: Encodable>(venue: String, type: String, data: D, in unit: UnitOfWork) async throws {
        let body = try APIJSON.string(Body(type: type, timestamp: VenuesStorage.timestamp(unit.now), data: data))
        let id = Self.ids.next(at: VenuesStorage.date(unit.now))
        try await unit.enqueue(Self.job, Notice(venueID: venue, id: id, body: body))
    }

    /// Sends the notice; throws (so the job retries) when the venue's server does not take it.
    func send(_ notice: Notice, job: JobContext) async throws {
        guard let venue = try await VenuesStorage.venue(notice.venueID, on: context.database), let url = venue.webhookURL,
            let secret = try await context.vault.getString(owner: Self.owner(venue.id), name: Self.secretName)
        else { return }  // the venue wants no notices (any more)
        let timestamp = Int(context.jobs.clock.now() / 1_000_000)
        let bytes = Array(notice.body.utf8)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: StandardWebhookSignature.idHeaderName, value: notice.id)
        request.headers.add(name: StandardWebhookSignature.timestampHeaderName, value: String(timestamp))
        request.headers.add(
            name: StandardWebhookSignature.signatureHeaderName,
            value: try StandardWebhookSignature.signature(secret: secret, id: notice.id, timestamp: timestamp, body: bytes))
        request.body = .bytes(ByteBuffer(bytes: bytes))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
        guard (200..<300).contains(Int(response.status.code)) else {
            throw NoticeRefused(description: "the venue's webhook_url answered \(response.status.code)")
        }
    }

    /// What a notice says: its type, when, and the details.
    private struct Body<D: Encodable>: Encodable {
        let type: String
        let timestamp: String
        let data: D
    }

    struct NoticeRefused: Error, CustomStringConvertible {
        let description: String
    }
}
