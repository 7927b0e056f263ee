import Synchronization

/// Remembered answers to mutating requests that carried an idempotency key.
///
/// The rules are Stripe's: the same key with the same request replays the first answer
/// (status and body, byte for byte); the same key with a different request is a conflict;
/// a key whose first request is still running is a conflict too. Keys are scoped by the
/// caller's credential, so two accounts never share answers.
public final class IdempotencyCache: Sendable {
    /// A remembered answer.
    public struct Answer: Sendable, Equatable {
        public var status: Int
        public var body: [UInt8]

        public init(status: Int, body: [UInt8]) {
            self.status = status
            self.body = body
        }
    }

    /// What to do with a request that carries a key.
    public enum Lookup: Sendable, Equatable {
        /// First time: run it, then `remember` the answer.
        case proceed
        /// Seen with the same request: send this answer again.
        case replay(Answer)
        /// Seen with a different request (method, path or parameters).
        case mismatch
        /// The first request with this key has not answered yet.
        case inFlight
    }

    private enum Slot {
        case running(fingerprint: String)
        case done(fingerprint: String, answer: Answer)
    }
    private let slots = Mutex<[String: Slot]>([:])

    public init() {}

    /// Claims `key` for a request identified by `fingerprint` (method, path, sorted params).
    public func begin(key: String, scope: String, fingerprint: String) -> Lookup {
        slots.withLock { slots in
            let slotKey = scope + "\u{0}" + key
            switch slots[slotKey] {
            case nil:
                slots[slotKey] = .running(fingerprint: fingerprint)
                return .proceed
            case .running(let seen):
                return seen == fingerprint ? .inFlight : .mismatch
            case .done(let seen, let answer):
                return seen == fingerprint ? .replay(answer) : .mismatch
            }
        }
    }

    /// Stores the answer of a request that `begin` let proceed.
    ///
    /// Answers of 5xx are forgotten instead (Stripe does not keep them), so a retry runs again.
    public func finish(key: String, scope: String, fingerprint: String, answer: Answer) {
        slots.withLock { slots in
            let slotKey = scope + "\u{0}" + key
            if answer.status >= 500 {
                slots[slotKey] = nil
            } else {
                slots[slotKey] = .done(fingerprint: fingerprint, answer: answer)
            }
        }
    }
}
