import Foundation

/// A JSON value as the Stripe simulator renders API objects.
///
/// Stripe writes every field of an object, `null` included, so objects are built as
/// values rather than synthesised `Encodable` types (which would leave nil fields out).
/// A value is also a snapshot: an event keeps the object as it was when it happened.
indirect enum StripeJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([StripeJSON])
    case object([String: StripeJSON])

    /// A string, or `null` for nil.
    static func nullable(_ value: String?) -> StripeJSON {
        value.map(StripeJSON.string) ?? .null
    }

    /// A number, or `null` for nil.
    static func nullable(_ value: Int?) -> StripeJSON {
        value.map(StripeJSON.int) ?? .null
    }

    /// A `metadata` hash.
    static func metadata(_ values: [String: String]) -> StripeJSON {
        .object(values.mapValues(StripeJSON.string))
    }

    /// The member `key` of an object; nil for anything else.
    subscript(key: String) -> StripeJSON? {
        get {
            guard case .object(let members) = self else { return nil }
            return members[key]
        }
        set {
            guard case .object(var members) = self else { return }
            members[key] = newValue
            self = .object(members)
        }
    }

    /// The value's bytes, keys sorted.
    func encoded() -> [UInt8] {
        Array((try? SandboxJSON.encoder.encode(self)) ?? Data("{}".utf8))
    }
}

extension StripeJSON: Encodable {
    private struct MemberKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .int(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .string(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .array(let values):
            var container = encoder.unkeyedContainer()
            for value in values { try container.encode(value) }
        case .object(let members):
            var container = encoder.container(keyedBy: MemberKey.self)
            for (key, value) in members { try container.encode(value, forKey: MemberKey(stringValue: key)) }
        }
    }
}

extension StripeJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    typealias Key = String
    typealias Value = StripeJSON

    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .int(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(arrayLiteral elements: StripeJSON...) { self = .array(elements) }
    init(nilLiteral: ()) { self = .null }
    init(dictionaryLiteral elements: (String, StripeJSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
