import PonteCore

/// A parameter of an outbound operation that is missing or of the wrong type.
struct OperationParameterError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Typed reads of an operation's JSON parameters, with messages that name the parameter.
struct OperationParameters: Sendable {
    let json: JSONValue

    init(_ json: JSONValue) throws(OperationParameterError) {
        guard case .object = json else { throw OperationParameterError(message: "params must be a JSON object") }
        self.json = json
    }

    func string(_ name: String) throws(OperationParameterError) -> String {
        guard let value = try optionalString(name) else {
            throw OperationParameterError(message: "params.\(name) is required (a string)")
        }
        return value
    }

    func optionalString(_ name: String) throws(OperationParameterError) -> String? {
        switch json[name] {
        case nil, .null?: return nil
        case .string(let value)?:
            guard !value.isEmpty else { throw OperationParameterError(message: "params.\(name) must not be empty") }
            return value
        default: throw OperationParameterError(message: "params.\(name) must be a string")
        }
    }

    /// A whole number (amounts are minor units: centavos, cents), at least `minimum`.
    func integer(_ name: String, minimum: Int = 1) throws(OperationParameterError) -> Int {
        guard let value = try optionalInteger(name, minimum: minimum) else {
            throw OperationParameterError(message: "params.\(name) is required (a whole number)")
        }
        return value
    }

    func optionalInteger(_ name: String, minimum: Int = 1) throws(OperationParameterError) -> Int? {
        switch json[name] {
        case nil, .null?: return nil
        case .integer(let value)?:
            guard value >= minimum, value <= Int64(Int32.max) else {
                throw OperationParameterError(message: "params.\(name) must be between \(minimum) and \(Int32.max)")
            }
            return Int(value)
        default:
            throw OperationParameterError(
                message: "params.\(name) must be a whole number in minor units (centavos, cents), not a decimal or text"
            )
        }
    }

    func optionalBool(_ name: String) throws(OperationParameterError) -> Bool? {
        switch json[name] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        default: throw OperationParameterError(message: "params.\(name) must be true or false")
        }
    }

    /// A flat object of strings (Stripe metadata).
    func stringMap(_ name: String) throws(OperationParameterError) -> [String: String] {
        switch json[name] {
        case nil, .null?: return [:]
        case .object(let object)?:
            var map: [String: String] = [:]
            for (key, value) in object {
                guard case .string(let text) = value else {
                    throw OperationParameterError(message: "params.\(name).\(key) must be a string")
                }
                map[key] = text
            }
            return map
        default: throw OperationParameterError(message: "params.\(name) must be an object of strings")
        }
    }

    /// One of `allowed`.
    func choice(_ name: String, _ allowed: [String], default fallback: String? = nil) throws(OperationParameterError) -> String? {
        guard let value = try optionalString(name) else { return fallback }
        guard allowed.contains(value) else {
            throw OperationParameterError(message: "params.\(name) must be one of \(allowed.joined(separator: ", "))")
        }
        return value
    }
}
