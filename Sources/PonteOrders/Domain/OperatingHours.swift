import Foundation

/// When a store takes orders, week by week, in the store's own time zone:
/// `{"mon": [["11:00","15:00"],["18:00","23:30"]], "fri": [["18:00","02:00"]], …}`.
///
/// Keys are `mon` … `sun`; a day that is missing or has no intervals is closed. Each interval
/// is `[opens, closes]` in `HH:MM` wall-clock time. It includes its opening minute and ends
/// just before its closing one (`["11:00","15:00"]` is open at 14:59, closed at 15:00).
/// An interval that closes earlier than it opens crosses midnight: `["18:00","02:00"]` on
/// Friday is open from Friday 18:00 until Saturday 02:00. `24:00` closes at the end of the day,
/// so `["00:00","24:00"]` is the whole day. An interval that opens and closes at the same time
/// is refused (it could mean nothing or everything). Overlapping intervals are allowed: the
/// store is open while any of them is.
public struct OperatingHours: Sendable, Equatable {
    /// A day of the week, as written in the JSON keys.
    public enum Day: String, Sendable, CaseIterable, Hashable {
        case mon, tue, wed, thu, fri, sat, sun

        /// The day of Foundation's Gregorian `weekday` (1 is Sunday, 7 is Saturday).
        init?(weekday: Int) {
            guard (1...7).contains(weekday) else { return nil }
            let week: [Day] = [.sun, .mon, .tue, .wed, .thu, .fri, .sat]
            self = week[weekday - 1]
        }

        /// The day before, whose intervals past midnight reach into this one.
        var previous: Day {
            switch self {
            case .mon: .sun
            case .tue: .mon
            case .wed: .tue
            case .thu: .wed
            case .fri: .thu
            case .sat: .fri
            case .sun: .sat
            }
        }
    }

    /// One stretch of opening time.
    public struct Interval: Sendable, Equatable {
        public let opens: TimeOfDay
        public let closes: TimeOfDay

        /// Nil when `opens` is `24:00` or equals `closes`.
        public init?(opens: TimeOfDay, closes: TimeOfDay) {
            guard opens < TimeOfDay.endOfDay, opens != closes else { return nil }
            self.opens = opens
            self.closes = closes
        }

        /// Closes earlier than it opens: it ends on the next day.
        public var crossesMidnight: Bool { closes < opens }
    }

    /// The intervals of each day that has any.
    public private(set) var intervals: [Day: [Interval]]

    /// Hours from already-checked intervals; days left out are closed.
    public init(_ intervals: [Day: [Interval]]) {
        self.intervals = intervals.filter { !$0.value.isEmpty }
    }

    /// The hours in `table` (the JSON's shape), or the first problem found, naming its place
    /// (`mon[1]`, `fri[0][1]`, `funday`), in day order.
    public init(parsing table: [String: [[String]]]) throws(OperatingHoursProblem) {
        for key in table.keys.sorted() where Day(rawValue: key) == nil {
            throw OperatingHoursProblem(
                path: [CodingPathKey(stringValue: key)],
                reason: "is not a day; days are " + Day.allCases.map(\.rawValue).joined(separator: ", "))
        }
        var intervals: [Day: [Interval]] = [:]
        for day in Day.allCases {
            for (index, pair) in (table[day.rawValue] ?? []).enumerated() {
                let path = [CodingPathKey(stringValue: day.rawValue), CodingPathKey(intValue: index)]
                guard pair.count == 2 else {
                    throw OperatingHoursProblem(path: path, reason: "must be [opens, closes], two HH:MM times")
                }
                guard let opens = TimeOfDay(pair[0]), opens < TimeOfDay.endOfDay else {
                    throw OperatingHoursProblem(path: path + [CodingPathKey(intValue: 0)], reason: "must be a time from 00:00 to 23:59")
                }
                guard let closes = TimeOfDay(pair[1]) else {
                    throw OperatingHoursProblem(path: path + [CodingPathKey(intValue: 1)], reason: "must be a time from 00:00 to 24:00")
                }
                guard let interval = Interval(opens: opens, closes: closes) else {
                    throw OperatingHoursProblem(path: path, reason: "opens and closes at the same time")
                }
                intervals[day, default: []].append(interval)
            }
        }
        self.init(intervals)
    }

    // MARK: Open or closed

    /// Whether the store is open at `date`, read as wall-clock time in `timeZone` (the store's
    /// IANA zone, such as `America/Sao_Paulo`): today's intervals, and yesterday's intervals
    /// that cross midnight. Wall-clock time means that on a daylight-saving change the hours
    /// follow the clocks on the wall, as the store's do.
    public func isOpen(at date: Date, timeZone: TimeZone) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        guard let weekday = parts.weekday, let today = Day(weekday: weekday), let hour = parts.hour, let minute = parts.minute
        else { return false }
        let now = hour * 60 + minute
        let openToday = (intervals[today] ?? []).contains { interval in
            interval.crossesMidnight
                ? now >= interval.opens.minutes : (interval.opens.minutes..<interval.closes.minutes).contains(now)
        }
        let openSinceYesterday = (intervals[today.previous] ?? []).contains { interval in
            interval.crossesMidnight && now < interval.closes.minutes
        }
        return openToday || openSinceYesterday
    }
}

/// Why operating hours are refused: where (`mon[1][0]`) and why.
public struct OperatingHoursProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stable error code.
    public static let code = "INVALID_OPERATING_HOURS"

    let path: [CodingPathKey]
    /// What is wrong, in words that can follow the place's name.
    public let reason: String

    /// The place at fault: a day (`funday`), an interval (`mon[1]`) or a time (`mon[1][0]`).
    public var field: String {
        path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined()
    }

    public var description: String { "\(field) \(reason)" }

    public static func == (lhs: OperatingHoursProblem, rhs: OperatingHoursProblem) -> Bool {
        lhs.field == rhs.field && lhs.reason == rhs.reason
    }
}

// MARK: - JSON

extension OperatingHours: Codable {
    public init(from decoder: any Decoder) throws {
        let table = try [String: [[String]]](from: decoder)
        do throws(OperatingHoursProblem) {
            self = try OperatingHours(parsing: table)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + error.path, debugDescription: error.reason))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var table: [String: [[String]]] = [:]
        for (day, list) in intervals {
            table[day.rawValue] = list.map { [$0.opens.description, $0.closes.description] }
        }
        try table.encode(to: encoder)
    }
}
