import Foundation

/// Formats stored microsecond timestamps for the API: RFC 3339 in UTC with milliseconds.
public enum Timestamps {
    public static func iso8601(microseconds: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(microseconds) / 1_000_000)
        return date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
