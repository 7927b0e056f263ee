/// Stripe's form encoding of API parameters (v1 `POST` bodies and `GET` queries).
///
/// Nested objects become `parent[child]`, lists become indexed keys `list[0]`, booleans
/// `true`/`false`, and a null value is left out; the result is then percent-encoded, so
/// the brackets go on the wire as `%5B`/`%5D`, as Stripe's own SDK sends them.
public enum StripeForm {
    /// One parameter value.
    public indirect enum Value: Sendable, Equatable {
        case string(String)
        case integer(Int)
        case bool(Bool)
        /// Left out of the encoding.
        case null
        case list([Value])
        /// Fields in order.
        case object([(String, Value)])

        public static func == (lhs: Value, rhs: Value) -> Bool {
            switch (lhs, rhs) {
            case (.string(let a), .string(let b)): a == b
            case (.integer(let a), .integer(let b)): a == b
            case (.bool(let a), .bool(let b)): a == b
            case (.null, .null): true
            case (.list(let a), .list(let b)): a == b
            case (.object(let a), .object(let b)): a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
            default: false
            }
        }
    }

    /// The name/value pairs of `parameters`, flattened in order.
    public static func pairs(_ parameters: [(String, Value)]) -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        for (key, value) in parameters { flatten(value, name: key, into: &pairs) }
        return pairs
    }

    /// `parameters` as an `application/x-www-form-urlencoded` body.
    public static func encode(_ parameters: [(String, Value)]) -> String {
        FormURLEncoded.encode(pairs(parameters))
    }

    private static func flatten(_ value: Value, name: String, into pairs: inout [(name: String, value: String)]) {
        switch value {
        case .string(let text): pairs.append((name, text))
        case .integer(let number): pairs.append((name, String(number)))
        case .bool(let flag): pairs.append((name, flag ? "true" : "false"))
        case .null: break
        case .list(let items):
            for (index, item) in items.enumerated() { flatten(item, name: "\(name)[\(index)]", into: &pairs) }
        case .object(let fields):
            for (key, field) in fields { flatten(field, name: "\(name)[\(key)]", into: &pairs) }
        }
    }
}

extension StripeForm.Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
}

extension StripeForm.Value {
    /// `text` as a value, or `.null` (left out) when nil.
    public static func optional(_ text: String?) -> StripeForm.Value { text.map { .string($0) } ?? .null }
    /// `number` as a value, or `.null` (left out) when nil.
    public static func optional(_ number: Int?) -> StripeForm.Value { number.map { .integer($0) } ?? .null }
    /// `flag` as a value, or `.null` (left out) when nil.
    public static func optional(_ flag: Bool?) -> StripeForm.Value { flag.map { .bool($0) } ?? .null }
    /// `metadata` as an object with its keys sorted (a stable body for the same input), or
    /// `.null` when empty.
    public static func metadata(_ metadata: [String: String]) -> StripeForm.Value {
        metadata.isEmpty ? .null : .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }
}
