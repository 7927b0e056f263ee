import Foundation

/// The replay window around `now` inside which a signed timestamp is accepted.
struct TimestampWindow: Sendable {
    /// Where a timestamp falls relative to the window.
    enum Position {
        case inside
        case tooOld
        case tooNew
    }

    /// Allowed distance from now, in seconds, in either direction.
    let tolerance: Int

    /// Where `timestamp` (Unix seconds) falls relative to `now ± tolerance`.
    func position(of timestamp: Int, now: Date) -> Position {
        let nowSeconds = now.timeIntervalSince1970
        let stamp = Double(timestamp)
        if stamp < nowSeconds - Double(tolerance) { return .tooOld }
        if stamp > nowSeconds + Double(tolerance) { return .tooNew }
        return .inside
    }

    /// A rejection for a timestamp outside the window, or nil when it is inside.
    func rejection(for timestamp: Int, now: Date) -> WebhookRejection? {
        switch position(of: timestamp, now: now) {
        case .inside:
            return nil
        case .tooOld:
            return .signatureInvalid("timestamp outside the \(tolerance) s tolerance (too old)")
        case .tooNew:
            return .signatureInvalid("timestamp outside the \(tolerance) s tolerance (in the future)")
        }
    }
}
