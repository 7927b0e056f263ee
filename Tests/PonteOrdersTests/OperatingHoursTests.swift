import Foundation
import Testing

@testable import PonteOrders

/// `OperatingHours`: parsing, and open or closed in the store's time zone.
@Suite struct OperatingHoursTests {
    static let saoPaulo = TimeZone(identifier: "America/Sao_Paulo")!
    static let utc = TimeZone(identifier: "UTC")!

    /// Monday lunch and dinner, Friday past midnight, Sunday into Monday, Wednesday all day.
    static let table: [String: [[String]]] = [
        "mon": [["11:00", "15:00"], ["18:00", "23:30"]],
        "wed": [["00:00", "24:00"]],
        "fri": [["18:00", "02:00"]],
        "sun": [["20:00", "01:00"]],
    ]

    /// An instant given in UTC (`2026-12-07T17:59:00Z`), independent of any calendar code.
    static func instant(_ text: String) throws -> Date {
        try Date.ISO8601FormatStyle().parse(text)
    }

    static func hours() throws -> OperatingHours { try OperatingHours(parsing: table) }

    /// 2026-12-07 is a Monday; São Paulo is UTC−3 all year (no daylight saving since 2019).
    @Test(arguments: [
        ("2026-12-07T13:59:00Z", false),  // Mon 10:59
        ("2026-12-07T14:00:00Z", true),  // Mon 11:00, the opening minute
        ("2026-12-07T17:59:59Z", true),  // Mon 14:59:59
        ("2026-12-07T18:00:00Z", false),  // Mon 15:00, the closing minute
        ("2026-12-07T21:00:00Z", true),  // Mon 18:00
        ("2026-12-08T01:00:00Z", true),  // Mon 22:00 in São Paulo, already Tuesday in UTC
        ("2026-12-08T02:29:00Z", true),  // Mon 23:29
        ("2026-12-08T02:30:00Z", false),  // Mon 23:30
        ("2026-12-08T15:00:00Z", false),  // Tue 12:00: no hours on Tuesday
        ("2026-12-09T03:00:00Z", true),  // Wed 00:00
        ("2026-12-10T02:59:00Z", true),  // Wed 23:59
        ("2026-12-10T03:00:00Z", false),  // Thu 00:00
        ("2026-12-11T20:59:00Z", false),  // Fri 17:59
        ("2026-12-11T21:00:00Z", true),  // Fri 18:00
        ("2026-12-12T02:59:00Z", true),  // Fri 23:59
        ("2026-12-12T04:59:00Z", true),  // Sat 01:59, still Friday's evening
        ("2026-12-12T05:00:00Z", false),  // Sat 02:00
        ("2026-12-12T23:00:00Z", false),  // Sat 20:00: no hours on Saturday
        ("2026-12-13T04:00:00Z", false),  // Sun 01:00: Saturday had nothing past midnight
        ("2026-12-13T23:00:00Z", true),  // Sun 20:00
        ("2026-12-14T03:30:00Z", true),  // Mon 00:30, Sunday's evening into the new week
        ("2026-12-14T04:00:00Z", false),  // Mon 01:00
    ])
    func openOrClosedInSaoPaulo(instant: String, open: Bool) throws {
        #expect(try Self.hours().isOpen(at: Self.instant(instant), timeZone: Self.saoPaulo) == open)
    }

    @Test func theTimeZoneDecidesTheDayAndTheHour() throws {
        let hours = try Self.hours()
        // 18:00 UTC on Monday is 15:00 in São Paulo: closed there, open by UTC's clock.
        let monday = try Self.instant("2026-12-07T18:00:00Z")
        #expect(!hours.isOpen(at: monday, timeZone: Self.saoPaulo))
        #expect(hours.isOpen(at: monday, timeZone: Self.utc))
        // Monday 22:00 in São Paulo is Tuesday 01:00 UTC, when a UTC store would be closed.
        let tuesdayUTC = try Self.instant("2026-12-08T01:00:00Z")
        #expect(hours.isOpen(at: tuesdayUTC, timeZone: Self.saoPaulo))
        #expect(!hours.isOpen(at: tuesdayUTC, timeZone: Self.utc))
    }

    @Test func intervalsAreReadAsWritten() throws {
        let hours = try Self.hours()
        let friday = try #require(hours.intervals[.fri]?.first)
        #expect(friday.opens.description == "18:00" && friday.closes.description == "02:00")
        #expect(friday.crossesMidnight)
        #expect(hours.intervals[.mon]?.map(\.crossesMidnight) == [false, false])
        #expect(hours.intervals[.wed]?.first?.closes == TimeOfDay.endOfDay)
        #expect(hours.intervals[.tue] == nil)
        #expect(try OperatingHours(parsing: ["tue": []]).intervals.isEmpty)
        #expect(try !OperatingHours(parsing: [:]).isOpen(at: Self.instant("2026-12-07T15:00:00Z"), timeZone: Self.saoPaulo))
    }

    // MARK: Refusals

    @Test(arguments: [
        (["funday": [["11:00", "15:00"]]], "funday", "is not a day"),
        (["Mon": [["11:00", "15:00"]]], "Mon", "is not a day"),
        (["mon": [["11:00", "15:00"], ["18:00"]]], "mon[1]", "[opens, closes]"),
        (["mon": [["11:00", "15:00", "16:00"]]], "mon[0]", "[opens, closes]"),
        (["tue": [["9:30", "15:00"]]], "tue[0][0]", "00:00 to 23:59"),
        (["tue": [["24:00", "02:00"]]], "tue[0][0]", "00:00 to 23:59"),
        (["tue": [["11:00", "25:00"]]], "tue[0][1]", "00:00 to 24:00"),
        (["tue": [["11:00", "12:60"]]], "tue[0][1]", "00:00 to 24:00"),
        (["tue": [["11:00", "11h30"]]], "tue[0][1]", "00:00 to 24:00"),
        (["sat": [["10:00", "14:00"], ["18:00", "18:00"]]], "sat[1]", "same time"),
    ])
    func invalidHoursAreRefusedNamingThePlace(table: [String: [[String]]], field: String, reason: String) throws {
        let error = try #require(throws: OperatingHoursProblem.self) { try OperatingHours(parsing: table) }
        #expect(error.field == field)
        #expect(error.reason.contains(reason), "\(error)")
        #expect(OperatingHoursProblem.code == "INVALID_OPERATING_HOURS")
    }

    // MARK: JSON

    struct Store: Codable, Equatable {
        var operatingHours: OperatingHours

        enum CodingKeys: String, CodingKey { case operatingHours = "operating_hours" }
    }

    @Test func decodesAndRoundTripsTheSeedsShape() throws {
        let store = try JSONTesting.decode(
            Store.self, #"{"operating_hours": {"mon": [["11:00","15:00"],["18:00","23:30"]], "fri": [["18:00","02:00"]]}}"#)
        #expect(store.operatingHours.intervals[.mon]?.map(\.opens.minutes) == [660, 1080])
        let json = try JSONTesting.encode(store)
        #expect(json == #"{"operating_hours":{"fri":[["18:00","02:00"]],"mon":[["11:00","15:00"],["18:00","23:30"]]}}"#)
        #expect(try JSONTesting.decode(Store.self, json) == store)
    }

    @Test func aDecodingErrorNamesThePlaceInTheDocument() throws {
        let problem = try #require(
            JSONTesting.decodingProblem(Store.self, #"{"operating_hours": {"mon": [["11:00","11:00"]]}}"#))
        #expect(problem.field == "operating_hours.mon[0]")
        #expect(problem.message == "opens and closes at the same time")
    }

    @Test func timesOfDayParseOnlyAsHHMM() {
        #expect(TimeOfDay("09:30")?.minutes == 570)
        #expect(TimeOfDay("00:00") == .startOfDay)
        #expect(TimeOfDay("24:00") == .endOfDay)
        #expect(TimeOfDay("23:59")?.description == "23:59")
        for text in ["9:30", "09:3", "0930", "24:01", "-1:00", "09:30:00", "ab:cd", " 09:30", "０９:３０"] {
            #expect(TimeOfDay(text) == nil, "\(text)")
        }
    }
}
