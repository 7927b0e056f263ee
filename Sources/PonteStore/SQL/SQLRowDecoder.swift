import Foundation
import NIOCore
import PonteCore

/// Reads a row into a `Decodable` value by column name (see `SQLRow.decode`).
struct SQLRowDecoder: Decoder {
    let row: SQLRow
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(RowContainer<Key>(row: row))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch(
            [Any].self, .init(codingPath: codingPath, debugDescription: "a row decodes into a keyed type, not an array")
        )
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        guard row.values.count == 1 else {
            throw DecodingError.typeMismatch(
                Any.self, .init(codingPath: codingPath, debugDescription: "a single value needs a one-column row, not \(row.values.count) columns")
            )
        }
        return ColumnDecoder(value: row.values[0], codingPath: codingPath)
    }

    /// The column a coding key names: the key itself, or the key in snake_case.
    static func column(for key: some CodingKey, in row: SQLRow) -> Int? {
        if let position = row.columns.position(of: key.stringValue) { return position }
        return row.columns.position(of: snakeCase(key.stringValue))
    }

    static func snakeCase(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase {
                if !result.isEmpty { result.append("_") }
                result += character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }
}

private struct RowContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let row: SQLRow
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { row.columns.names.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { SQLRowDecoder.column(for: key, in: row) != nil }

    private func value(_ key: Key) throws -> SQLValue {
        guard let position = SQLRowDecoder.column(for: key, in: row) else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: [key], debugDescription: "the row has no column \(key.stringValue) (or \(SQLRowDecoder.snakeCase(key.stringValue)))")
            )
        }
        return row.values[position]
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let position = SQLRowDecoder.column(for: key, in: row) else { return true }
        return row.values[position].isNull
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let value = try value(key)
        if T.self == JSONValue.self {
            // A JSON document kept as text, read as the document (not as a string).
            guard let text = value.textValue, let document = JSONValue(parsing: text) as? T else {
                throw DecodingError.dataCorrupted(.init(codingPath: [key], debugDescription: "column \(key.stringValue) holds no JSON text"))
            }
            return document
        }
        do {
            return try T(from: ColumnDecoder(value: value, codingPath: [key]))
        } catch is ColumnDecoder.NeedsJSON {
            // A structured value (an array, an object) kept as JSON text in the column.
            guard let text = value.textValue else {
                throw DecodingError.typeMismatch(T.self, .init(codingPath: [key], debugDescription: "column \(key.stringValue) holds no JSON text"))
            }
            do {
                return try JSONDecoder().decode(T.self, from: Data(text.utf8))
            } catch {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: [key], debugDescription: "column \(key.stringValue) is not the JSON of \(T.self)", underlyingError: error)
                )
            }
        }
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        throw DecodingError.typeMismatch(Any.self, .init(codingPath: [key], debugDescription: "columns are not nested"))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch(Any.self, .init(codingPath: [key], debugDescription: "columns are not nested"))
    }

    func superDecoder() throws -> any Decoder { SQLRowDecoder(row: row) }
    func superDecoder(forKey key: Key) throws -> any Decoder { SQLRowDecoder(row: row) }
}

/// One column's value, for the primitive types (and `RawRepresentable` enums over them).
private struct ColumnDecoder: Decoder, SingleValueDecodingContainer {
    /// Thrown when the type asks for a keyed or unkeyed container: it is decoded from JSON text.
    struct NeedsJSON: Error {}

    let value: SQLValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> { throw NeedsJSON() }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw NeedsJSON() }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { value.isNull }

    private func mismatch<T>(_ type: T.Type) -> DecodingError {
        let name = codingPath.last?.stringValue ?? "value"
        return .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "column \(name) holds \(value), not a \(type)"))
    }

    func decode(_ type: Bool.Type) throws -> Bool {
        switch value {
        case .integer(let number): return number != 0
        case .text("true"), .text("t"): return true
        case .text("false"), .text("f"): return false
        default: throw mismatch(type)
        }
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .text(let text) = value else {
            if case .blob(let buffer) = value { return String(buffer: buffer) }
            throw mismatch(type)
        }
        return text
    }

    func decode(_ type: Double.Type) throws -> Double {
        guard let number = value.realValue else { throw mismatch(type) }
        return number
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    private func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard let number = value.integerValue, let exact = T(exactly: number) else { throw mismatch(type) }
        return exact
    }

    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try T(from: self)
    }
}
