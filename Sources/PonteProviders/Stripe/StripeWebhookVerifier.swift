import Crypto
import Foundation

/// Verifies Stripe webhooks (`Stripe-Signature`, ±300 s) and reads the event's `id` and `type`.
public struct StripeWebhookVerifier: WebhookVerifier {
    /// Always "stripe".
    public let provider = "stripe"
    private let mac: HMAC<SHA256>
    private let window: TimestampWindow

    /// Creates a verifier for the endpoint secret (`whsec_...`, used as-is).
    ///
    /// - Parameter tolerance: seconds a timestamp may be away from now; Stripe's SDK default is 300.
    public init(secret: String, tolerance: Int = 300) {
        self.mac = StripeSignature.mac(secret)
        self.window = TimestampWindow(tolerance: tolerance)
    }

    /// Checks the signature, then the timestamp, then reads the event (as Stripe's SDK does).
    public func verify(_ request: WebhookRequest, now: Date) throws(WebhookRejection) -> [VerifiedEvent] {
        guard let headerValue = request.header(StripeSignature.headerName), !headerValue.isEmpty else {
            throw .signatureInvalid("missing Stripe-Signature header")
        }
        let header = try StripeSignatureHeader(parsing: Array(headerValue.utf8))

        let expected = StripeSignature.expectedV1(mac: mac, timestamp: header.timestampDigits, body: request.body)
        var matched = false
        for candidate in header.v1Signatures where ConstantTime.equal(expected, candidate) {
            matched = true
        }
        guard matched else {
            throw .signatureInvalid("no v1 signature matched")
        }

        // Stripe's SDK only rejects stamps older than the tolerance. We also reject
        // stamps more than the tolerance in the future: Stripe signs with its own
        // clock at send time, so a far-future stamp means a badly skewed clock or a
        // request crafted to stay "fresh" for replay long after it was captured.
        if let rejection = window.rejection(for: header.timestamp, now: now) {
            throw rejection
        }

        let fields = try JSONFields.strings(["id", "type", "object"], in: request.body)
        if fields[2] == "v2.core.event" {
            throw .payloadInvalid("thin events (object \"v2.core.event\") are not supported")
        }
        let id = try JSONFields.required(fields[0], "id")
        return [VerifiedEvent(eventID: id, eventType: fields[1] ?? "unknown")]
    }
}
