/// A wall-clock time of day to the minute, written `HH:MM` (`09:30`, `23:59`), as a store's
/// opening and closing times are. `24:00`, the end of the day, exists only as a closing time
/// (see `OperatingHours.Interval`).
public struct TimeOfDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Minutes since midnight: 0 (`00:00`) to 1440 (`24:00`).
    public let minutes: Int

    /// `hour`:`minute`, nil unless 00:00 to 23:59, or exactly 24:00.
    public init?(hour: Int, minute: Int) {
        guard (0...23).contains(hour) && (0...59).contains(minute) || (hour == 24 && minute == 0) else { return nil }
        minutes = hour * 60 + minute
    }

    /// The time in `text`, exactly two digits, `:`, two digits (`09:30`, not `9:30`).
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        func digit(_ index: Int) -> Int? {
            let byte = bytes[index]
            return (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
        }
        guard bytes.count == 5, bytes[2] == UInt8(ascii: ":"),
            let h1 = digit(0), let h2 = digit(1), let m1 = digit(3), let m2 = digit(4)
        else { return nil }
        self.init(hour: h1 * 10 + h2, minute: m1 * 10 + m2)
    }

    /// Midnight at the start of the day.
    public static let startOfDay = TimeOfDay(minutes: 0)
    /// Midnight at the end of the day, `24:00`.
    public static let endOfDay = TimeOfDay(minutes: 1440)

    private init(minutes: Int) { self.minutes = minutes }

    /// `HH:MM`.
    public var description: String {
        let hour = minutes / 60
        let minute = minutes % 60
        return (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }

    public static func < (lhs: TimeOfDay, rhs: TimeOfDay) -> Bool { lhs.minutes < rhs.minutes }
}
