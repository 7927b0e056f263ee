import Foundation
import Synchronization

/// The simulated account's messages, and the status changes still to come for each.
///
/// Each outbound message gets its steps when it is created (`queued → sent → delivered`,
/// or one of the failures); a step is due at a time of the sandbox clock and is applied by
/// `settle(now:)`, which returns the messages as they were after each change, oldest change
/// first, so each change is reported exactly once.
final class TwilioMessageBook: Sendable {
    /// A status change due at a time of the sandbox clock.
    struct Step: Sendable, Equatable {
        var due: Date
        var status: String
        var errorCode: Int?
        var errorMessage: String?
        /// The sender a Messaging Service picks when the message leaves `accepted`.
        var assignFrom: String?
    }

    /// A filter of the list endpoint.
    struct Filter: Sendable {
        var to: String?
        var from: String?
    }

    private struct State {
        var messages: [String: TwilioMessage] = [:]
        /// Sids, oldest first.
        var order: [String] = []
        var steps: [(sid: String, step: Step)] = []
    }
    private let state = Mutex(State())

    /// Adds `message` with the status changes it will go through.
    func add(_ message: TwilioMessage, steps: [Step]) {
        state.withLock { state in
            state.messages[message.sid] = message
            state.order.append(message.sid)
            state.steps += steps.map { (message.sid, $0) }
            state.steps.sort { $0.step.due < $1.step.due }
        }
    }

    func message(sid: String) -> TwilioMessage? {
        state.withLock { $0.messages[sid] }
    }

    /// Messages matching `filter`, newest first (Twilio's order).
    func list(_ filter: Filter) -> [TwilioMessage] {
        state.withLock { state in
            state.order.reversed().compactMap { state.messages[$0] }.filter { message in
                (filter.to.map { $0 == message.to } ?? true) && (filter.from.map { $0 == message.from } ?? true)
            }
        }
    }

    /// Applies every step due by `now`; returns each changed message as it was right after
    /// its change, in the order of the changes. `report` runs for each under the lock, so
    /// changes are reported in order even when two callers settle at once.
    @discardableResult
    func settle(now: Date, report: (TwilioMessage) -> Void = { _ in }) -> [TwilioMessage] {
        state.withLock { state in
            var changed: [TwilioMessage] = []
            while let first = state.steps.first, first.step.due <= now {
                state.steps.removeFirst()
                guard var message = state.messages[first.sid] else { continue }
                let step = first.step
                message.status = step.status
                message.errorCode = step.errorCode
                message.errorMessage = step.errorMessage
                if let sender = step.assignFrom { message.from = sender }
                if step.status == "sent" { message.dateSent = step.due }
                message.dateUpdated = step.due
                state.messages[first.sid] = message
                report(message)
                changed.append(message)
            }
            return changed
        }
    }

    /// How many status changes are still to come.
    var pendingSteps: Int { state.withLock { $0.steps.count } }
}
