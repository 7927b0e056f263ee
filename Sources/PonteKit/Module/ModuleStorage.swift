import Foundation

/// What a module's storage (`OrdersStorage`, `KioskStorage`) does with the values it keeps:
/// times stored as microseconds since the Unix epoch and shown as RFC 3339, and documents
/// stored as the JSON the API shows.
public protocol ModuleStorage {}

extension ModuleStorage {
    public static func date(_ microseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(microseconds) / 1_000_000) }

    /// A stored time as the API shows it.
    public static func timestamp(_ microseconds: Int64) -> String { Timestamps.iso8601(microseconds: microseconds) }

    /// A shown time's microseconds (the inverse of `timestamp`).
    public static func microseconds(_ timestamp: String) -> Int64? {
        guard let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(timestamp) else { return nil }
        return Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    public static func json(_ value: some Encodable) throws -> String { try APIJSON.string(value) }

    public static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}
