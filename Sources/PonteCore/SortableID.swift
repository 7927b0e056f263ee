import Foundation
import Synchronization

/// Identifiers that sort by creation time: a prefix, 48 bits of milliseconds and 80 random bits
/// in Crockford base32 (the ULID layout), e.g. `wh_01JD3N9V6J8Q4Z0M2T5XK7H1RW`.
///
/// Ids from one generator are strictly increasing even within a millisecond, so a list
/// ordered by id is ordered by arrival, and an id is a stable pagination cursor.
public final class SortableIDGenerator: Sendable {
    private struct State {
        var lastMillis: UInt64 = 0
        var high: UInt16 = 0  // top 16 of the 80 random bits
        var low: UInt64 = 0  // bottom 64 of the 80 random bits
    }

    public let prefix: String
    private let state = Mutex(State())

    /// - Parameter prefix: prepended verbatim, e.g. `"wh_"`.
    public init(prefix: String) {
        self.prefix = prefix
    }

    /// A new id for an event that happened at `date`.
    public func next(at date: Date) -> String {
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        let (ms, high, low) = state.withLock { s -> (UInt64, UInt16, UInt64) in
            if millis > s.lastMillis {
                s.lastMillis = millis
                s.high = UInt16.random(in: 0...UInt16.max)
                s.low = UInt64.random(in: 0...UInt64.max)
            } else {
                // Same (or an earlier, clock-stepped) millisecond: keep order by incrementing.
                let (sum, overflow) = s.low.addingReportingOverflow(1)
                s.low = sum
                if overflow { s.high &+= 1 }
            }
            return (s.lastMillis, s.high, s.low)
        }
        return prefix + Self.encode(millis: ms, high: high, low: low)
    }

    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// True when `id` has this generator's shape: the prefix, then 26 Crockford base32 digits.
    public func isWellFormed(_ id: String) -> Bool {
        guard id.hasPrefix(prefix) else { return false }
        let digits = id.utf8.dropFirst(prefix.utf8.count)
        return digits.count == 26 && digits.allSatisfy { Self.alphabet.contains($0) }
    }

    static func encode(millis: UInt64, high: UInt16, low: UInt64) -> String {
        // 128 bits = 48 time + 80 random, written as 26 base32 digits (130 bits, top 2 zero).
        let hi64 = (millis << 16) | UInt64(high)
        let lo64 = low
        var out = [UInt8](repeating: 0, count: 26)
        for i in 0..<26 {
            let bottom = 125 - i * 5  // lowest bit of this digit, counted from the bottom of the 128
            let value: UInt64
            if bottom >= 64 {
                value = (hi64 >> UInt64(bottom - 64)) & 0x1F
            } else if bottom + 4 < 64 {
                value = (lo64 >> UInt64(bottom)) & 0x1F
            } else {
                // The digit straddles the two words.
                let bitsFromLow = 64 - bottom
                let bitsFromHigh = 5 - bitsFromLow
                let upper = (hi64 & ((1 << UInt64(bitsFromHigh)) - 1)) << UInt64(bitsFromLow)
                value = upper | (lo64 >> UInt64(bottom))
            }
            out[i] = alphabet[Int(value)]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
