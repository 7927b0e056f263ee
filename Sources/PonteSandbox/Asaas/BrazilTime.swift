import Foundation

/// Dates as Asaas writes them: Brasília time (UTC−3, no daylight saving since 2019),
/// `YYYY-MM-DD` for dates and `YYYY-MM-DD HH:MM:SS` for moments.
enum BrazilTime {
    static let timeZone = TimeZone(secondsFromGMT: -3 * 3600) ?? .gmt

    private static var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// `2024-06-12`
    static func date(_ moment: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: moment)
        return String(format: "%04ld-%02ld-%02ld", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    /// `2024-06-12 16:45:03`
    static func dateTime(_ moment: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: moment)
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0,
            parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0
        )
    }

    /// The calendar day written `YYYY-MM-DD`, or nil when it is not a real date.
    static func day(_ text: String) -> DateComponents? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        let components = DateComponents(year: year, month: month, day: day)
        guard let moment = calendar.date(from: components), date(moment) == text else { return nil }
        return components
    }

    /// `text` (a valid `YYYY-MM-DD`) moved by `years`, `YYYY-MM-DD` again.
    static func adding(years: Int, to text: String) -> String {
        guard let components = day(text), let moment = calendar.date(from: components),
            let later = calendar.date(byAdding: .year, value: years, to: moment)
        else { return text }
        return date(later)
    }
}
