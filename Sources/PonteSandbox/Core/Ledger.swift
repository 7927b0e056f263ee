import Foundation
import Synchronization

/// Every movement of money the simulators made: the sandbox's own record, read by chaos
/// tests to prove that no charge or refund happened twice.
public final class Ledger: Sendable {
    /// One movement of money.
    public struct Entry: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable { case charge, capture, refund }

        public var provider: SandboxProvider
        public var kind: Kind
        /// The provider object that moved the money (`pi_…`, `re_…`, `pay_…`).
        public var objectID: String
        /// The payment a refund or capture belongs to; the object itself for a charge.
        public var paymentID: String
        /// Minor units (centavos, cents). Never floating point.
        public var amount: Int
        public var currency: String
        /// What the caller tied the request to: Stripe's `Idempotency-Key`, Asaas's
        /// `externalReference` or refund description. Nil when the caller sent none.
        public var reference: String?
        /// Unix seconds on the sandbox clock.
        public var at: Int

        public init(
            provider: SandboxProvider, kind: Kind, objectID: String, paymentID: String, amount: Int,
            currency: String, reference: String?, at: Int
        ) {
            self.provider = provider
            self.kind = kind
            self.objectID = objectID
            self.paymentID = paymentID
            self.amount = amount
            self.currency = currency
            self.reference = reference
            self.at = at
        }

        enum CodingKeys: String, CodingKey {
            case provider, kind, amount, currency, reference, at
            case objectID = "object_id"
            case paymentID = "payment_id"
        }
    }

    private let entries = Mutex<[Entry]>([])

    public init() {}

    public func record(_ entry: Entry) {
        entries.withLock { $0.append(entry) }
    }

    public func all() -> [Entry] {
        entries.withLock { $0 }
    }

    /// References that appear on more than one entry of the same provider and kind: money
    /// moved twice for one request. Empty in a correct run.
    public func duplicatedReferences() -> [String] {
        var seen: [String: Int] = [:]
        for entry in all() {
            guard let reference = entry.reference else { continue }
            seen["\(entry.provider)/\(entry.kind.rawValue)/\(reference)", default: 0] += 1
        }
        return seen.filter { $0.value > 1 }.map(\.key).sorted()
    }
}
