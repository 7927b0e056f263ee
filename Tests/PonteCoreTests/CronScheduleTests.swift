import Foundation
import Testing

@testable import PonteCore

private let utcCalendar: Calendar = {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    return calendar
}()

/// A UTC instant built from components; these tests never read the wall clock.
private func utc(
    _ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0
) -> Date {
    let components = DateComponents(
        year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    return utcCalendar.date(from: components)!
}

/// The first match of `expression` after `date`.
private func next(_ expression: String, after date: Date) throws -> Date? {
    try CronSchedule(parsing: expression).next(after: date)
}

/// The first `count` matches of `expression` after `date`, each found from the previous one.
private func matches(_ expression: String, after date: Date, count: Int) throws -> [Date] {
    let cron = try CronSchedule(parsing: expression)
    var result: [Date] = []
    var cursor = date
    while result.count < count, let found = cron.next(after: cursor) {
        result.append(found)
        cursor = found
    }
    return result
}

/// `CronSchedule`: parsing 5-field cron expressions and finding the next matching minute in UTC.
@Suite struct CronScheduleTests {
    // MARK: Parsing

    @Test(arguments: [
        "* * * * *", "0 9 * * 1-5", "*/15 * * * *", "0,30 8-18/2 1,15 JAN-jun,Dec sun,Sat",
        "5/20 * * * *", "0 0 * * 7", "59 23 31 12 *", "0-59/1 0-23 1-31 1-12 0-7",
        "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@HOURLY",
        "  0\t0 1 1 *\n",
    ])
    func validExpressionsParse(expression: String) throws {
        let cron = try CronSchedule(parsing: expression)
        #expect(cron.description == expression.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func descriptionIsTheTrimmedOriginal() throws {
        #expect(try CronSchedule(parsing: "  @daily  ").description == "@daily")
        #expect(try CronSchedule(parsing: " */5  *  * * * ").description == "*/5  *  * * *")
        #expect("\(try CronSchedule(parsing: "0 9 * * 1-5"))" == "0 9 * * 1-5")
    }

    static let macroList = "(@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)"
    static let fieldList = "(minute hour day-of-month month day-of-week)"

    @Test(arguments: [
        ("61 * * * *", "minute field '61' is out of range 0-59"),
        ("0 24 * * *", "hour field '24' is out of range 0-23"),
        ("0 0 0 * *", "day-of-month field '0' is out of range 1-31"),
        ("0 0 32 * *", "day-of-month field '32' is out of range 1-31"),
        ("0 0 1 13 *", "month field '13' is out of range 1-12"),
        ("0 0 * * 8", "day-of-week field '8' is out of range 0-7"),
        ("0 0 * * 1-9", "day-of-week field '9' is out of range 0-7"),
        ("60/5 * * * *", "minute field '60' is out of range 0-59"),
        ("* 99999999999999999999 * * *", "hour field '99999999999999999999' is out of range 0-23"),
        ("*/0 * * * *", "minute field '*/0' has a step of 0"),
        ("0 5-2 * * *", "hour field '5-2' is a range whose start is after its end"),
        ("0 0 * * FRI-MON", "day-of-week field 'FRI-MON' is a range whose start is after its end"),
        ("0 0 1,,2 * *", "day-of-month field '1,,2' has an empty list item"),
        ("0, * * * *", "minute field '0,' has an empty list item"),
        ("0 0 * FOO *", "month field 'FOO' is not a valid value"),
        ("0 0 * * MONDAY", "day-of-week field 'MONDAY' is not a valid value"),
        ("0 JAN * * *", "hour field 'JAN' is not a valid value"),
        ("x * * * *", "minute field 'x' is not a valid value"),
        ("-5 * * * *", "minute field '-5' is not a valid value"),
        ("+5 * * * *", "minute field '+5' is not a valid value"),
        ("*/ * * * *", "minute field '*/' is not a valid value"),
        ("*/x * * * *", "minute field '*/x' is not a valid value"),
        ("1/2/3 * * * *", "minute field '1/2/3' is not a valid value"),
        ("*-5 * * * *", "minute field '*-5' is not a valid value"),
        ("1-2-3 * * * *", "minute field '1-2-3' is not a valid value"),
        ("0 0 * * */MON", "day-of-week field '*/MON' is not a valid value"),
        ("* * * *", "expected 5 fields \(fieldList) but found 4"),
        ("* * * * * *", "expected 5 fields \(fieldList) but found 6"),
        ("   ", "expected 5 fields \(fieldList) but found 0"),
        ("@reboot", "'@reboot' is not a known macro \(macroList)"),
        ("@daily *", "'@daily *' is not a known macro \(macroList)"),
    ])
    func invalidExpressionsAreRejectedWithAMessageNamingTheField(
        expression: String, message: String
    ) {
        #expect {
            try CronSchedule(parsing: expression)
        } throws: { error in
            (error as? CronSchedule.ParseError)?.description == message
        }
    }

    @Test func errorsCarryTheFieldAndValue() {
        #expect(throws: CronSchedule.ParseError.outOfRange(field: .minute, value: "61")) {
            try CronSchedule(parsing: "61 * * * *")
        }
        #expect(throws: CronSchedule.ParseError.zeroStep(field: .hour, value: "1-5/0")) {
            try CronSchedule(parsing: "0 1-5/0 * * *")
        }
        #expect(throws: CronSchedule.ParseError.emptyItem(field: .month, value: ",1")) {
            try CronSchedule(parsing: "0 0 1 ,1 *")
        }
        #expect(throws: CronSchedule.ParseError.wrongFieldCount(3)) {
            try CronSchedule(parsing: "1 2 3")
        }
    }

    @Test func equalityFollowsTheTrimmedText() throws {
        #expect(try CronSchedule(parsing: "0 9 * * 1-5") == CronSchedule(parsing: " 0 9 * * 1-5 "))
        #expect(try CronSchedule(parsing: "0 9 * * 1-5") != CronSchedule(parsing: "0 10 * * 1-5"))
    }

    // MARK: next(after:)

    @Test func everyMinute() throws {
        #expect(
            try matches("* * * * *", after: utc(2025, 3, 14, 10, 0), count: 3)
                == [utc(2025, 3, 14, 10, 1), utc(2025, 3, 14, 10, 2), utc(2025, 3, 14, 10, 3)])
    }

    @Test func everyFifteenMinutesCrossesTheHour() throws {
        let expected = [(10, 15), (10, 30), (10, 45), (11, 0)].map { utc(2025, 3, 14, $0, $1) }
        #expect(try matches("*/15 * * * *", after: utc(2025, 3, 14, 10, 7), count: 4) == expected)
    }

    @Test func stepFromAStartValueRunsToTheFieldMaximum() throws {
        let expected = [(10, 5), (10, 25), (10, 45), (11, 5)].map { utc(2025, 3, 14, $0, $1) }
        #expect(try matches("5/20 * * * *", after: utc(2025, 3, 14, 10, 0), count: 4) == expected)
    }

    @Test func weekdaysOnlySkipTheWeekend() throws {
        // 2025-01-10 is a Friday; the next weekday morning is Monday the 13th.
        let monday = utc(2025, 1, 13, 9, 0)
        #expect(try next("0 9 * * 1-5", after: utc(2025, 1, 10, 9, 0)) == monday)
        #expect(try next("0 9 * * 1-5", after: utc(2025, 1, 11, 8, 0)) == monday)
        #expect(try next("0 9 * * 1-5", after: utc(2025, 1, 13, 8, 59, 59)) == monday)
        #expect(try next("0 9 * * MON-FRI", after: utc(2025, 1, 10, 9, 0)) == monday)
    }

    @Test func monthlyRollsOverIntoTheNextMonth() throws {
        let expected = [2, 3, 4].map { utc(2025, $0, 1, 2, 30) }
        #expect(try matches("30 2 1 * *", after: utc(2025, 1, 31, 12, 0), count: 3) == expected)
        // On a matching day, before the matching time.
        #expect(try next("30 2 1 * *", after: utc(2025, 6, 1, 2, 0)) == utc(2025, 6, 1, 2, 30))
    }

    @Test func dayThirtyOneSkipsShortMonths() throws {
        let expected = [3, 5, 7].map { utc(2025, $0, 31) }
        #expect(try matches("0 0 31 * *", after: utc(2025, 1, 31), count: 3) == expected)
    }

    @Test func februaryTwentyNinthWaitsForALeapYear() throws {
        #expect(try next("0 0 29 2 *", after: utc(2025, 3, 1)) == utc(2028, 2, 29))
        #expect(try next("0 0 29 2 *", after: utc(2024, 2, 28, 23, 59)) == utc(2024, 2, 29))
        // 2100 is not a leap year (divisible by 100 but not by 400); 2000 was.
        #expect(try next("0 0 29 2 *", after: utc(2099, 3, 1)) == utc(2104, 2, 29))
        #expect(try next("0 0 29 2 *", after: utc(1999, 3, 1)) == utc(2000, 2, 29))
    }

    @Test func restrictedDayOfMonthAndDayOfWeekMatchEither() throws {
        // Midnight on the 13th OR on any Friday.
        // July 2025: Fridays are the 4th, 11th, 18th and 25th; the 13th is a Sunday.
        let expected = [4, 11, 13, 18, 25].map { utc(2025, 7, $0) }
        #expect(try matches("0 0 13 * 5", after: utc(2025, 7, 1), count: 5) == expected)
    }

    @Test func anUnrestrictedDayFieldMeansTheOtherMustMatch() throws {
        // Only the 13th, whatever the weekday; only Fridays, whatever the date.
        let thirteenths = [utc(2025, 7, 13), utc(2025, 8, 13)]
        #expect(try matches("0 0 13 * *", after: utc(2025, 7, 1), count: 2) == thirteenths)
        let fridays = [utc(2025, 7, 4), utc(2025, 7, 11)]
        #expect(try matches("0 0 * * FRI", after: utc(2025, 7, 1), count: 2) == fridays)
        // Vixie: a field starting with `*` (here `*/2`) counts as unrestricted, so both must
        // match: odd days that are also Mondays. July 2025 Mondays: 7, 14, 21, 28.
        let oddMondays = [utc(2025, 7, 7), utc(2025, 7, 21)]
        #expect(try matches("0 0 */2 * 1", after: utc(2025, 7, 1), count: 2) == oddMondays)
    }

    @Test func sundayIsZeroOrSeven() throws {
        let tuesday = utc(2025, 7, 1)
        let sunday = utc(2025, 7, 6)
        #expect(try next("0 0 * * 0", after: tuesday) == sunday)
        #expect(try next("0 0 * * 7", after: tuesday) == sunday)
        #expect(try next("0 0 * * sun", after: tuesday) == sunday)
        let friToSun = [utc(2025, 7, 4), utc(2025, 7, 5), sunday]
        #expect(try matches("0 0 * * 5-7", after: tuesday, count: 3) == friToSun)
    }

    @Test func monthNamesMatchTheirNumbers() throws {
        let expected = [utc(2025, 11, 1), utc(2026, 3, 1), utc(2026, 4, 1)]
        #expect(try matches("0 0 1 mar-May,NOV *", after: utc(2025, 7, 1), count: 3) == expected)
        #expect(try matches("0 0 1 3-5,11 *", after: utc(2025, 7, 1), count: 3) == expected)
    }

    @Test func macros() throws {
        let start = utc(2025, 7, 1, 10, 30)  // a Tuesday
        #expect(try next("@hourly", after: start) == utc(2025, 7, 1, 11, 0))
        #expect(try next("@daily", after: start) == utc(2025, 7, 2))
        #expect(try next("@midnight", after: start) == utc(2025, 7, 2))
        #expect(try next("@weekly", after: start) == utc(2025, 7, 6))
        #expect(try next("@monthly", after: start) == utc(2025, 8, 1))
        #expect(try next("@yearly", after: start) == utc(2026, 1, 1))
        #expect(try next("@annually", after: start) == utc(2026, 1, 1))
    }

    @Test func yearRollsOverAfterDecember31st() throws {
        let lastMinute = utc(2025, 12, 31, 23, 59)
        #expect(try next("* * * * *", after: lastMinute) == utc(2026, 1, 1, 0, 0))
        #expect(try next("59 23 31 12 *", after: lastMinute) == utc(2026, 12, 31, 23, 59))
        #expect(try next("0 0 1 1 *", after: utc(2025, 6, 15)) == utc(2026, 1, 1))
    }

    @Test func aDateExactlyOnAMatchReturnsTheFollowingMatch() throws {
        #expect(try next("0 9 * * *", after: utc(2025, 7, 1, 9, 0)) == utc(2025, 7, 2, 9, 0))
        #expect(try next("*/15 * * * *", after: utc(2025, 7, 1, 9, 15)) == utc(2025, 7, 1, 9, 30))
    }

    @Test func secondsInTheInputAreHandled() throws {
        let tenOClock = utc(2025, 7, 1, 10, 0)
        let tenOhOne = utc(2025, 7, 1, 10, 1)
        #expect(try next("* * * * *", after: utc(2025, 7, 1, 10, 0, 30)) == tenOhOne)
        #expect(try next("* * * * *", after: tenOClock.addingTimeInterval(59.999)) == tenOhOne)
        #expect(try next("* * * * *", after: tenOClock.addingTimeInterval(0.001)) == tenOhOne)
    }

    @Test func resultsAreAtSecondZero() throws {
        let found = try #require(try next("7 * * * *", after: utc(2025, 7, 1, 10, 3, 41)))
        #expect(found == utc(2025, 7, 1, 10, 7, 0))
        #expect(found.timeIntervalSince1970.truncatingRemainder(dividingBy: 60) == 0)
    }

    @Test func impossibleDatesReturnNil() throws {
        #expect(try next("0 0 30 2 *", after: utc(2025, 1, 1)) == nil)
        #expect(try next("0 0 31 4,6,9,11 *", after: utc(2025, 1, 1)) == nil)
    }

    @Test func datesBefore1970Work() throws {
        let monday = utc(1970, 1, 5, 12, 0)
        #expect(try next("0 12 * * 1", after: utc(1969, 12, 31, 23, 30, 15)) == monday)
    }

    @Test func nonFiniteDatesReturnNil() throws {
        #expect(try next("* * * * *", after: Date(timeIntervalSince1970: .infinity)) == nil)
        #expect(try next("* * * * *", after: Date(timeIntervalSince1970: .nan)) == nil)
    }

    /// An expression with an independent predicate over UTC calendar components
    /// (Foundation's weekday: 1 = Sunday).
    struct Oracle: Sendable, CustomTestStringConvertible {
        let expression: String
        let matches: @Sendable (DateComponents) -> Bool
        var testDescription: String { expression }
    }

    static let oracles = [
        Oracle(expression: "*/15 9-17 * * MON-FRI") { c in
            c.minute! % 15 == 0 && (9...17).contains(c.hour!) && (2...6).contains(c.weekday!)
        },
        Oracle(expression: "0 0 13 * 5") { c in
            c.minute == 0 && c.hour == 0 && (c.day == 13 || c.weekday == 6)
        },
        Oracle(expression: "5,35 */6 1-7 * *") { c in
            (c.minute == 5 || c.minute == 35) && c.hour! % 6 == 0 && c.day! <= 7
        },
        Oracle(expression: "0 22 28-31 2,3 *") { c in
            c.minute == 0 && c.hour == 22 && c.day! >= 28 && (c.month == 2 || c.month == 3)
        },
    ]

    /// Cross-checks `next(after:)` against a minute-by-minute scan with Foundation's calendar,
    /// starting in late December so year and leap-year boundaries are crossed.
    @Test(arguments: oracles)
    func agreesWithABruteForceScan(oracle: Oracle) throws {
        let cron = try CronSchedule(parsing: oracle.expression)
        let units: Set<Calendar.Component> = [.minute, .hour, .day, .month, .weekday]
        var cursor = utc(2027, 12, 20, 13, 37, 12)
        for _ in 0..<12 {
            let found = try #require(cron.next(after: cursor))
            var expected = Date(
                timeIntervalSince1970: (cursor.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60)
            while !oracle.matches(utcCalendar.dateComponents(units, from: expected)) {
                expected += 60
            }
            #expect(found == expected, "\(oracle.expression) after \(cursor)")
            cursor = found
        }
    }
}
