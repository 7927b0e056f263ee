import HTTPTypes
import Hummingbird
import PonteCore

/// The query parameters every admin list shares (`limit`, `cursor`, enumerated filters),
/// and its pagination: newest first, one page at a time.
struct ListParameters {
    static let maxLimit = 500

    let parameters: Parameters

    init(_ request: Request) {
        parameters = request.uri.queryParameters
    }

    /// A non-empty text filter, if given.
    func text(_ name: String) -> String? {
        guard let value = parameters[name[...]], !value.isEmpty else { return nil }
        return String(value)
    }

    /// An enumerated filter, or `400 INVALID_QUERY` naming the values it may take.
    func value<T: RawRepresentable & CaseIterable>(_ type: T.Type, _ name: String) throws -> T? where T.RawValue == String {
        guard let text = text(name) else { return nil }
        guard let value = T(rawValue: text) else {
            throw APIError.badRequest(
                "INVALID_QUERY", "\(name) '\(text)' is unknown; use one of \(T.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        return value
    }

    /// `limit`, 1 to `maxLimit`, if given.
    func limit() throws -> Int? {
        guard let text = text("limit") else { return nil }
        guard let value = Int(text), (1...Self.maxLimit).contains(value) else {
            throw APIError.badRequest("INVALID_QUERY", "limit must be a whole number from 1 to \(Self.maxLimit)")
        }
        return value
    }

    /// `cursor`, if given: an id of the listed kind (the previous page's `next_cursor`).
    func cursor(ids: SortableIDGenerator) throws -> String? {
        guard let cursor = text("cursor") else { return nil }
        guard ids.isWellFormed(cursor) else {
            throw APIError.badRequest("INVALID_QUERY", "cursor '\(cursor)' is not one this API returned; pass next_cursor from the previous page")
        }
        return cursor
    }

    /// Fetches one row more than the page holds, to know whether another page follows.
    static func page<Row, Item: Encodable>(
        size: Int, id: (Row) -> String, item: (Row) -> Item, fetch: (_ limit: Int) async throws -> [Row]
    ) async throws -> Page<Item> {
        var rows = try await fetch(size + 1)
        let hasMore = rows.count > size
        if hasMore { rows.removeLast() }
        return Page(data: rows.map(item), nextCursor: hasMore ? rows.last.map(id) : nil)
    }
}

/// One page of a list: `{"data": [...], "next_cursor": "…" | null}`.
struct Page<Item: Encodable>: Encodable {
    let data: [Item]
    let nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case data
        case nextCursor = "next_cursor"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(data, forKey: .data)
        try container.encode(nextCursor, forKey: .nextCursor)  // explicit null on the last page
    }
}
