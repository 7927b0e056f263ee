import HTTPTypes
import Hummingbird
import PonteCore

/// The query parameters every list shares (`limit`, `cursor`, enumerated filters), and its
/// pagination: newest first, one page at a time.
public struct ListParameters: Sendable {
    public static let maxLimit = 500
    public static let defaultLimit = 50

    let parameters: Parameters

    public init(_ request: Request) {
        parameters = request.uri.queryParameters
    }

    /// A non-empty text filter, if given.
    public func text(_ name: String) -> String? {
        guard let value = parameters[name[...]], !value.isEmpty else { return nil }
        return String(value)
    }

    /// An enumerated filter, or `400 INVALID_QUERY` naming the values it may take.
    public func value<T: RawRepresentable & CaseIterable>(_ type: T.Type, _ name: String) throws -> T? where T.RawValue == String {
        guard let text = text(name) else { return nil }
        guard let value = T(rawValue: text) else {
            throw APIError.invalidQuery(name, "\(name) '\(text)' is unknown; use one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// A whole number within `range`, if given.
    public func integer(_ name: String, in range: ClosedRange<Int64>) throws -> Int64? {
        guard let text = text(name) else { return nil }
        guard let value = Int64(text), range.contains(value) else {
            throw APIError.invalidQuery(name, "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// `limit`, 1 to `maxLimit`, or the default.
    public func limit() throws -> Int {
        guard let text = text("limit") else { return Self.defaultLimit }
        guard let value = Int(text), (1...Self.maxLimit).contains(value) else {
            throw APIError.invalidQuery("limit", "limit must be a whole number from 1 to \(Self.maxLimit)")
        }
        return value
    }

    /// `cursor`, if given: an id of the listed kind (the previous page's `next_cursor`).
    public func cursor(ids: SortableIDGenerator) throws -> String? {
        guard let cursor = text("cursor") else { return nil }
        guard ids.isWellFormed(cursor) else {
            throw APIError.invalidQuery("cursor", "cursor '\(cursor)' is not one this API returned; pass next_cursor from the previous page")
        }
        return cursor
    }

    /// Fetches one row more than the page holds, to know whether another page follows.
    public static func page<Row, Item: Encodable>(
        size: Int, id: (Row) -> String, item: (Row) throws -> Item, fetch: (_ limit: Int) async throws -> [Row]
    ) async throws -> Page<Item> {
        var rows = try await fetch(size + 1)
        let hasMore = rows.count > size
        if hasMore { rows.removeLast() }
        return Page(data: try rows.map(item), nextCursor: hasMore ? rows.last.map(id) : nil)
    }
}

/// One page of a list: `{"data": [...], "next_cursor": "…" | null}`.
public struct Page<Item: Encodable>: Encodable {
    public let data: [Item]
    public let nextCursor: String?

    public init(data: [Item], nextCursor: String?) {
        self.data = data
        self.nextCursor = nextCursor
    }

    enum CodingKeys: String, CodingKey {
        case data
        case nextCursor = "next_cursor"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(data, forKey: .data)
        try container.encode(nextCursor, forKey: .nextCursor)  // explicit null on the last page
    }
}
