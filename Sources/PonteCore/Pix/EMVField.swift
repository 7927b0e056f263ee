/// One TLV field of an EMV merchant-presented QR payload (the format a BR Code uses).
///
/// On the wire a field is its ID (2 digits), the length of its value (2 decimal digits, counting
/// characters) and the value. A template field (26, 62 in a BR Code) carries further fields
/// encoded the same way as its value.
public struct EMVField: Sendable, Equatable {
    /// The field ID, 0...99.
    public let id: Int
    /// The value as it appears on the wire; for a template, its encoded subfields.
    public let value: String

    /// The longest value a two-digit length can describe.
    public static let maximumValueLength = 99

    /// A field with a plain value. The caller keeps `id` in 0...99 and `value` at most 99 characters.
    public init(id: Int, value: String) {
        self.id = id
        self.value = value
    }

    /// A template field whose value is `subfields`, encoded in order.
    public init(id: Int, subfields: [EMVField]) {
        self.init(id: id, value: EMVField.encode(subfields))
    }

    /// The field as it appears on the wire: ID, length, value.
    public var encoded: String {
        Self.twoDigits(id) + Self.twoDigits(value.count) + value
    }

    /// This field's value read as a list of subfields (for templates such as 26 and 62).
    public func subfields() throws(EMVFieldError) -> [EMVField] {
        try Self.decode(value)
    }

    /// The wire form of `fields`, concatenated in order.
    public static func encode(_ fields: [EMVField]) -> String {
        fields.map(\.encoded).joined()
    }

    /// Reads a concatenation of fields; every character must belong to a field.
    public static func decode(_ text: String) throws(EMVFieldError) -> [EMVField] {
        // Lengths count characters, so read characters, not bytes.
        let characters = Array(text)
        var fields: [EMVField] = []
        var index = 0
        while index < characters.count {
            guard index + 4 <= characters.count,
                let id = number(characters[index..<index + 2]),
                let length = number(characters[index + 2..<index + 4])
            else {
                throw .malformedHeader(offset: index)
            }
            let start = index + 4
            guard start + length <= characters.count else {
                throw .valueOverrunsPayload(id: id, offset: index)
            }
            fields.append(EMVField(id: id, value: String(characters[start..<start + length])))
            index = start + length
        }
        return fields
    }

    private static func number(_ digits: ArraySlice<Character>) -> Int? {
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(String(digits))
    }

    private static func twoDigits(_ number: Int) -> String {
        number < 10 ? "0\(number)" : "\(number)"
    }
}

/// Why a string is not a well-formed list of EMV TLV fields.
public enum EMVFieldError: Error, Equatable, CustomStringConvertible {
    /// At `offset` (in characters) there is no 2-digit ID followed by a 2-digit length.
    case malformedHeader(offset: Int)
    /// The field starting at `offset` declares a length that runs past the end of the text.
    case valueOverrunsPayload(id: Int, offset: Int)

    public var description: String {
        switch self {
        case .malformedHeader(let offset):
            "expected a 2-digit field ID and a 2-digit length at character \(offset)"
        case .valueOverrunsPayload(let id, let offset):
            "field \(id) at character \(offset) declares a length past the end of the payload"
        }
    }
}
