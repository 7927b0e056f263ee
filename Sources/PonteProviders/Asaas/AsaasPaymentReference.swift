import Foundation
import NIOCore

/// The reference an Asaas payment webhook's charge carries (`payment.externalReference`, set
/// when the charge was created), read without the rest of the event: the quick look with
/// which a module tells its own charges from another module's.
public enum AsaasPaymentReference {
    /// True when the event's charge has no reference (only its payment id can tell whose it
    /// is, so the subscriber looks it up), or one that starts with `prefix`. A body that is not
    /// an Asaas payment event is accepted too, so that the subscriber reports it.
    public static func isAbsentOrHasPrefix(_ prefix: String, in body: ByteBuffer) -> Bool {
        guard let event = try? JSONDecoder().decode(Event.self, from: body.withUnsafeReadableBytes { Data($0) }),
            let reference = event.payment?.externalReference
        else { return true }
        return reference.hasPrefix(prefix)
    }

    private struct Event: Decodable {
        struct Payment: Decodable { let externalReference: String? }
        let payment: Payment?
    }
}
