import NIOCore

/// The column names of one result, shared by all of its rows.
public final class SQLColumns: Sendable {
    public let names: [String]
    private let positions: [String: Int]

    public init(_ names: [String]) {
        self.names = names
        var positions: [String: Int] = [:]
        for (index, name) in names.enumerated() where positions[name] == nil { positions[name] = index }
        self.positions = positions
    }

    /// The position of the column `name` (the first, if several share it).
    public func position(of name: String) -> Int? { positions[name] }

    /// For rows made without names (tests, hand-built results).
    public static let unnamed = SQLColumns([])
}

/// One result row. Domain code reads it by column name (`row["status"]`, `row.decode(T.self)`);
/// the queue's hot path reads by position.
public struct SQLRow: Sendable, Equatable {
    public let values: [SQLValue]
    public let columns: SQLColumns

    public init(_ values: [SQLValue], columns: SQLColumns = .unnamed) {
        self.values = values
        self.columns = columns
    }

    public static func == (lhs: SQLRow, rhs: SQLRow) -> Bool {
        lhs.values == rhs.values && lhs.columns.names == rhs.columns.names
    }

    /// The value of the column `name`, or nil when the result has no such column.
    public subscript(_ name: String) -> SQLValue? {
        columns.position(of: name).map { values[$0] }
    }

    /// The row as a `Decodable` value whose properties are its columns. A property's column is
    /// its coding key, or that key in snake_case (`createdAt` reads `created_at`). Text, numbers
    /// and booleans are read as they are; a property of any other `Decodable` type is read from
    /// the column's JSON text.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try T(from: SQLRowDecoder(row: self))
    }

    // MARK: By position

    public func integer(_ column: Int) -> Int64? {
        guard column < values.count else { return nil }
        return values[column].integerValue
    }

    public func real(_ column: Int) -> Double? {
        guard column < values.count else { return nil }
        return values[column].realValue
    }

    public func text(_ column: Int) -> String? {
        guard column < values.count else { return nil }
        return values[column].textValue
    }

    public func blob(_ column: Int) -> ByteBuffer? {
        guard column < values.count else { return nil }
        return values[column].blobValue
    }

    /// A required text column, or a `StoreError` naming what was being read.
    func requiredText(_ column: Int, _ what: String) throws -> String {
        guard let value = text(column) else { throw StoreError("unreadable \(what) (column \(column))") }
        return value
    }

    /// A required integer column, or a `StoreError` naming what was being read.
    func requiredInteger(_ column: Int, _ what: String) throws -> Int64 {
        guard let value = integer(column) else { throw StoreError("unreadable \(what) (column \(column))") }
        return value
    }
}

extension SQLValue {
    /// The value as a whole number, when it is one (or text or a real that reads as one).
    public var integerValue: Int64? {
        switch self {
        case .integer(let value): return value
        case .real(let value): return Int64(exactly: value.rounded(.towardZero))
        case .text(let text): return Int64(text)
        default: return nil
        }
    }

    public var realValue: Double? {
        switch self {
        case .real(let value): return value
        case .integer(let value): return Double(value)
        default: return nil
        }
    }

    public var textValue: String? {
        switch self {
        case .text(let text): return text
        case .blob(let buffer): return String(buffer: buffer)
        case .integer(let value): return String(value)
        default: return nil
        }
    }

    public var blobValue: ByteBuffer? {
        switch self {
        case .blob(let buffer): return buffer
        case .text(let text): return ByteBuffer(string: text)
        default: return nil
        }
    }

    public var isNull: Bool { self == .null }
}
