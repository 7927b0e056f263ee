import Foundation
import Testing

@testable import PonteCore

/// `SortableIDGenerator`: ULID-layout ids that sort by creation time and arrival order.
@Suite struct SortableIDGeneratorTests {
    static let crockford = Set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    /// 2016-07-30T22:36:16.385Z, the timestamp of the ULID specification's example.
    static let specInstant = Date(timeIntervalSince1970: 1_469_918_176.385)

    @Test func idIsPrefixFollowedByTwentySixCrockfordDigits() {
        let generator = SortableIDGenerator(prefix: "wh_")
        let id = generator.next(at: Self.specInstant)

        #expect(id.hasPrefix("wh_"))
        let digits = id.dropFirst("wh_".count)
        #expect(digits.count == 26)
        #expect(digits.allSatisfy { Self.crockford.contains($0) })
    }

    @Test func idsWithinOneMillisecondAreStrictlyIncreasing() {
        let generator = SortableIDGenerator(prefix: "wh_")
        let ids = (0..<1_000).map { _ in generator.next(at: Self.specInstant) }

        for (earlier, later) in zip(ids, ids.dropFirst()) {
            #expect(earlier < later)
        }
        #expect(Set(ids).count == ids.count)
    }

    @Test func idsAcrossMillisecondsAreStrictlyIncreasing() {
        let generator = SortableIDGenerator(prefix: "wh_")
        let ids = (0..<500).map { step in
            generator.next(at: Self.specInstant.addingTimeInterval(Double(step / 3) / 1000))
        }

        for (earlier, later) in zip(ids, ids.dropFirst()) {
            #expect(earlier < later)
        }
    }

    @Test func idsStayIncreasingWhenTheClockStepsBack() {
        let generator = SortableIDGenerator(prefix: "")
        let first = generator.next(at: Self.specInstant)
        let second = generator.next(at: Self.specInstant.addingTimeInterval(-60))

        #expect(first < second)
        // The id keeps the latest time seen rather than going back.
        #expect(second.prefix(10) == first.prefix(10))
    }

    @Test func idsEncodeTheirTimeSoLaterDatesSortAfter() {
        // Separate generators: order must come from the time digits, not from shared state.
        let later = SortableIDGenerator(prefix: "wh_").next(at: Self.specInstant.addingTimeInterval(0.001))
        let earlier = SortableIDGenerator(prefix: "wh_").next(at: Self.specInstant)

        #expect(earlier < later)
        // The first 10 digits are the 48-bit millisecond time (as in the ULID spec: 01ARYZ6S41).
        #expect(earlier.dropFirst(3).prefix(10) == "01ARYZ6S41")
        #expect(later.dropFirst(3).prefix(10) == "01ARYZ6S42")
    }

    @Test func incrementCarriesFromTheLowWordIntoTheHighWord() {
        // The same millisecond increments the 80 random bits; a carry out of the low 64 must not
        // make the next id sort lower.
        let beforeCarry = SortableIDGenerator.encode(millis: 1_469_918_176_385, high: 0x0001, low: .max)
        let afterCarry = SortableIDGenerator.encode(millis: 1_469_918_176_385, high: 0x0002, low: 0)
        #expect(beforeCarry < afterCarry)
    }

    /// Expected strings computed independently (Python):
    /// `v = ms << 80 | high << 64 | low; "".join(A[(v >> (125 - 5*i)) & 31] for i in range(26))`
    /// with `A = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"`.
    @Test(arguments: [
        (UInt64(1_469_918_176_385), UInt16(0x1234), UInt64(0x0123_4567_89AB_CDEF), "01ARYZ6S4128T028T5CY4TQKFF"),
        (UInt64(1_469_918_176_385), UInt16(0), UInt64(0), "01ARYZ6S410000000000000000"),
        (UInt64(1_700_000_000_000), UInt16(0xBEEF), UInt64(0xDEAD_BEEF_CAFE_BABE), "01HF7YAT00QVQXXBDYXZ5FXENY"),
        (UInt64(0), UInt16(0), UInt64(0), "00000000000000000000000000"),
        ((UInt64(1) << 48) - 1, UInt16.max, UInt64.max, "7ZZZZZZZZZZZZZZZZZZZZZZZZZ"),
    ])
    func knownTimeAndRandomBitsEncodeToTheExpectedULID(millis: UInt64, high: UInt16, low: UInt64, expected: String) {
        #expect(SortableIDGenerator.encode(millis: millis, high: high, low: low) == expected)
    }
}
