import Foundation

/// Checks that an inbound webhook request comes from its provider and lists the events it carries.
public protocol WebhookVerifier: Sendable {
    /// The provider name used in the route, e.g. "stripe".
    var provider: String { get }
    /// Verifies on the raw bytes (constant time) and returns the events the request carries (>= 1).
    func verify(_ request: WebhookRequest, now: Date) throws(WebhookRejection) -> [VerifiedEvent]
}
