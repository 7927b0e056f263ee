import PonteCore

/// A JSON Schema (the dialect of OpenAPI 3.1), built in code next to the route it describes.
///
/// An object's properties are required unless marked `.optional`; `.nullable` also admits
/// `null`. `ref` names a schema of the document's components.
public struct JSONSchema: Sendable, Equatable {
    public private(set) var json: [String: JSONValue]
    /// For an object's property: it may be absent.
    public private(set) var isOptional = false

    public init(_ json: [String: JSONValue]) {
        self.json = json
    }

    // MARK: Types

    public static func string(
        _ description: String? = nil, format: String? = nil, pattern: String? = nil, minLength: Int? = nil, maxLength: Int? = nil
    ) -> JSONSchema {
        var json: [String: JSONValue] = ["type": "string"]
        if let format { json["format"] = .string(format) }
        if let pattern { json["pattern"] = .string(pattern) }
        if let minLength { json["minLength"] = .integer(Int64(minLength)) }
        if let maxLength { json["maxLength"] = .integer(Int64(maxLength)) }
        return JSONSchema(json).described(description)
    }

    /// A string that is one of `values`.
    public static func oneOf(_ values: [String], _ description: String? = nil) -> JSONSchema {
        JSONSchema(["type": "string", "enum": .array(values.map(JSONValue.string))]).described(description)
    }

    public static func integer(_ description: String? = nil, minimum: Int64? = nil, maximum: Int64? = nil) -> JSONSchema {
        var json: [String: JSONValue] = ["type": "integer"]
        if let minimum { json["minimum"] = .integer(minimum) }
        if let maximum { json["maximum"] = .integer(maximum) }
        return JSONSchema(json).described(description)
    }

    public static func number(_ description: String? = nil) -> JSONSchema {
        JSONSchema(["type": "number"]).described(description)
    }

    public static func boolean(_ description: String? = nil) -> JSONSchema {
        JSONSchema(["type": "boolean"]).described(description)
    }

    /// An RFC 3339 time, as the API writes them.
    public static func timestamp(_ description: String? = nil) -> JSONSchema {
        string(description, format: "date-time")
    }

    public static func array(_ items: JSONSchema, _ description: String? = nil, maxItems: Int? = nil) -> JSONSchema {
        var json: [String: JSONValue] = ["type": "array", "items": .object(items.json)]
        if let maxItems { json["maxItems"] = .integer(Int64(maxItems)) }
        return JSONSchema(json).described(description)
    }

    /// An object with these properties (required unless `.optional`), and no others unless
    /// `additionalProperties`.
    public static func object(
        _ properties: KeyValuePairs<String, JSONSchema>, _ description: String? = nil, additionalProperties: Bool = false
    ) -> JSONSchema {
        object(properties.map { ($0.key, $0.value) }, description, additionalProperties: additionalProperties)
    }

    public static func object(
        _ properties: [(String, JSONSchema)], _ description: String? = nil, additionalProperties: Bool = false
    ) -> JSONSchema {
        var members: [String: JSONValue] = [:]
        var required: [JSONValue] = []
        for (name, schema) in properties {
            members[name] = .object(schema.json)
            if !schema.isOptional { required.append(.string(name)) }
        }
        var json: [String: JSONValue] = ["type": "object", "properties": .object(members)]
        if !required.isEmpty { json["required"] = .array(required) }
        if !additionalProperties { json["additionalProperties"] = false }
        return JSONSchema(json).described(description)
    }

    /// An object whose keys are free and whose values all match `values`.
    public static func map(_ values: JSONSchema, _ description: String? = nil) -> JSONSchema {
        JSONSchema(["type": "object", "additionalProperties": .object(values.json)]).described(description)
    }

    /// Any JSON value.
    public static func any(_ description: String? = nil) -> JSONSchema {
        JSONSchema([:]).described(description)
    }

    /// The component schema `name`.
    public static func ref(_ name: String) -> JSONSchema {
        JSONSchema(["$ref": .string("#/components/schemas/\(name)")])
    }

    /// A page of a list of the component schema `item` (`Page`): `{"data": [...], "next_cursor"}`.
    public static func page(of item: String) -> JSONSchema {
        .object(["data": .array(.ref(item)), "next_cursor": JSONSchema.string().nullable])
    }

    // MARK: Modifiers

    /// Also admits `null`.
    public var nullable: JSONSchema {
        var copy = self
        if case .string(let type)? = json["type"] {
            copy.json["type"] = .array([.string(type), "null"])
            if case .array(var values)? = json["enum"] {
                values.append(.null)
                copy.json["enum"] = .array(values)
            }
        } else {
            copy.json = ["anyOf": .array([.object(json), .object(["type": "null"])])]
        }
        return copy
    }

    /// May be absent from its object.
    public var optional: JSONSchema {
        var copy = self
        copy.isOptional = true
        return copy
    }

    public func described(_ description: String?) -> JSONSchema {
        guard let description else { return self }
        var copy = self
        if json["$ref"] != nil {
            // Siblings of $ref are allowed in 3.1, but tools read them unevenly: wrap.
            copy.json = ["allOf": .array([.object(json)]), "description": .string(description)]
        } else {
            copy.json["description"] = .string(description)
        }
        return copy
    }

    /// An example value, shown by documentation tools.
    public func example(_ value: JSONValue) -> JSONSchema {
        var copy = self
        copy.json["examples"] = .array([value])
        return copy
    }
}
