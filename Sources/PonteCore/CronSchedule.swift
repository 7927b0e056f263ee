import Foundation

/// A cron expression: minute hour day-of-month month day-of-week, evaluated in UTC.
///
/// Follows Vixie cron: each field is a comma-separated list of `*`, `N`, `A-B`, `*/S`, `A-B/S`
/// or `N/S` (N through the field's maximum, every S). Months accept `JAN`-`DEC` and days of the
/// week `SUN`-`SAT` (any case); day-of-week 7 is Sunday, like 0. The macros `@yearly`,
/// `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight` and `@hourly` stand for a whole
/// expression. When both day fields are restricted (neither starts with `*`), a day matches if
/// either field does; otherwise it must match both.
public struct CronSchedule: Sendable, Equatable, CustomStringConvertible {
    /// One of the five fields, named as in error messages.
    public enum Field: String, Sendable {
        case minute, hour, dayOfMonth = "day-of-month", month, dayOfWeek = "day-of-week"

        var bounds: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...7
            }
        }

        /// Names accepted in place of numbers, starting at the field's lowest value.
        var names: [String] {
            switch self {
            case .month:
                ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
            case .dayOfWeek: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
            default: []
            }
        }
    }

    /// Why an expression was rejected; `description` names the field and the offending text.
    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case wrongFieldCount(Int)
        case unknownMacro(String)
        case emptyItem(field: Field, value: String)
        case invalidValue(field: Field, value: String)
        case outOfRange(field: Field, value: String)
        case zeroStep(field: Field, value: String)
        case reversedRange(field: Field, value: String)

        public var description: String {
            switch self {
            case .wrongFieldCount(let n):
                "expected 5 fields (minute hour day-of-month month day-of-week) but found \(n)"
            case .unknownMacro(let text):
                "'\(text)' is not a known macro "
                    + "(@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)"
            case .emptyItem(let f, let v): "\(f.rawValue) field '\(v)' has an empty list item"
            case .invalidValue(let f, let v): "\(f.rawValue) field '\(v)' is not a valid value"
            case .outOfRange(let f, let v):
                "\(f.rawValue) field '\(v)' is out of range "
                    + "\(f.bounds.lowerBound)-\(f.bounds.upperBound)"
            case .zeroStep(let f, let v): "\(f.rawValue) field '\(v)' has a step of 0"
            case .reversedRange(let f, let v):
                "\(f.rawValue) field '\(v)' is a range whose start is after its end"
            }
        }
    }

    private static let macros = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
        "@hourly": "0 * * * *",
    ]

    /// The original expression, trimmed.
    public let description: String
    // One bit per allowed value, e.g. bit 5 of `minutes` set means minute 5 matches.
    private let minutes, hours, days, months, weekdays: UInt64
    /// True when both day fields are restricted, so a day matching either one is enough.
    private let eitherDay: Bool

    public init(parsing expression: String) throws(CronSchedule.ParseError) {
        description = expression.trimmingCharacters(in: .whitespacesAndNewlines)
        var fields = description.split(whereSeparator: \.isWhitespace).map(String.init)
        if let first = fields.first, first.hasPrefix("@") {
            guard fields.count == 1, let expanded = Self.macros[first.lowercased()] else {
                throw .unknownMacro(description)
            }
            fields = expanded.split(separator: " ").map(String.init)
        }
        guard fields.count == 5 else { throw .wrongFieldCount(fields.count) }
        minutes = try Self.parse(fields[0], as: .minute)
        hours = try Self.parse(fields[1], as: .hour)
        days = try Self.parse(fields[2], as: .dayOfMonth)
        months = try Self.parse(fields[3], as: .month)
        let dow = try Self.parse(fields[4], as: .dayOfWeek)
        weekdays = dow & 0x7F | (dow >> 7)  // fold 7 onto Sunday (0)
        eitherDay = !fields[2].hasPrefix("*") && !fields[4].hasPrefix("*")
    }

    /// Turns one field's text into a bit set of the values it allows.
    private static func parse(_ text: String, as field: Field) throws(ParseError) -> UInt64 {
        var mask: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw .emptyItem(field: field, value: text) }
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw .invalidValue(field: field, value: String(item)) }
            var step = 1
            if parts.count == 2 {
                guard isDecimal(parts[1]), let s = Int(parts[1]) else {
                    throw .invalidValue(field: field, value: String(item))
                }
                step = s
                guard step > 0 else { throw .zeroStep(field: field, value: String(item)) }
            }
            var (low, high) = (field.bounds.lowerBound, field.bounds.upperBound)
            if parts[0] != "*" {
                let ends = parts[0].split(
                    separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
                low = try number(ends[0], in: field, item: item)
                if ends.count == 2 {
                    high = try number(ends[1], in: field, item: item)
                    guard low <= high else {
                        throw .reversedRange(field: field, value: String(item))
                    }
                } else if parts.count == 1 {
                    high = low
                }
            }
            for value in stride(from: low, through: high, by: step) { mask |= 1 << UInt64(value) }
        }
        return mask
    }

    /// Reads a decimal number (or, where the field has them, a name) and checks the field's range.
    private static func number(
        _ token: Substring, in field: Field, item: Substring
    ) throws(ParseError) -> Int {
        if isDecimal(token) {
            guard let n = Int(token), field.bounds.contains(n) else {
                throw .outOfRange(field: field, value: String(token))
            }
            return n
        }
        guard let index = field.names.firstIndex(of: token.uppercased()) else {
            throw .invalidValue(field: field, value: String(item))
        }
        return field.bounds.lowerBound + index
    }

    private static func isDecimal(_ token: Substring) -> Bool {
        !token.isEmpty && token.allSatisfy { $0.isASCII && $0.isWholeNumber }
    }

    /// The first time strictly after `date` that matches, in UTC, at second 0.
    ///
    /// Returns nil when nothing matches before the end of the fifth calendar year after `date`'s
    /// year (e.g. `0 0 30 2 *`, which never matches), or when `date` is absurdly far from 1970.
    public func next(after date: Date) -> Date? {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite, abs(seconds) < 1e15 else { return nil }
        // Whole minutes since 1970 of the first candidate: the minute after the one holding `date`.
        let start = Int((seconds / 60).rounded(.down)) + 1
        let minuteOfDay = ((start % 1440) + 1440) % 1440
        var (year, month, day) = Self.civil(fromEpochDay: (start - minuteOfDay) / 1440)
        var (hour, minute) = (minuteOfDay / 60, minuteOfDay % 60)
        let lastYear = year + 5

        // Settle each unit from largest to smallest; when one runs out, carry into the next
        // larger unit and restart the smaller ones from their lowest value.
        while year <= lastYear {
            guard let m = Self.firstBit(of: months, from: month) else {
                (year, month, day, hour, minute) = (year + 1, 1, 1, 0, 0)
                continue
            }
            if m != month { (month, day, hour, minute) = (m, 1, 0, 0) }
            guard day <= Self.daysIn(month: month, year: year) else {
                (month, day, hour, minute) = (month + 1, 1, 0, 0)
                continue
            }
            let dayNumber = Self.epochDay(year: year, month: month, day: day)
            let domOK = days & (1 << UInt64(day)) != 0
            let weekday = ((dayNumber + 4) % 7 + 7) % 7  // 0 = Sunday; 1970-01-01 was a Thursday
            let dowOK = weekdays & (1 << UInt64(weekday)) != 0
            guard eitherDay ? (domOK || dowOK) : (domOK && dowOK) else {
                (day, hour, minute) = (day + 1, 0, 0)
                continue
            }
            guard let h = Self.firstBit(of: hours, from: hour) else {
                (day, hour, minute) = (day + 1, 0, 0)
                continue
            }
            if h != hour { (hour, minute) = (h, 0) }
            guard let mi = Self.firstBit(of: minutes, from: minute) else {
                (hour, minute) = (hour + 1, 0)
                continue
            }
            let total = (dayNumber * 1440 + hour * 60 + mi) * 60
            return Date(timeIntervalSince1970: TimeInterval(total))
        }
        return nil
    }

    /// The lowest set bit of `mask` at or above `from`, if any.
    private static func firstBit(of mask: UInt64, from: Int) -> Int? {
        let rest = mask & (UInt64.max << from)  // smart shift: 0 once from >= 64
        return rest == 0 ? nil : rest.trailingZeroBitCount
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func epochDay(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1  // counted from March 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date `epochDay` days after 1970-01-01; inverse of the above.
    private static func civil(fromEpochDay epochDay: Int) -> (year: Int, month: Int, day: Int) {
        let z = epochDay + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153  // month counted from March = 0
        let month = mp < 10 ? mp + 3 : mp - 9
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
