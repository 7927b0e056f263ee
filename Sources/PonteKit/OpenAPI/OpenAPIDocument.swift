import HTTPTypes
import PonteCore

/// The OpenAPI 3.1 document of a set of routes: `GET /openapi.json`.
///
/// Each route's own description is completed with what every route of its kind can answer:
/// `401` and `403` for routes that need a token, and `503 STORE_UNAVAILABLE` where the
/// database is asked.
public enum OpenAPIDocument {
    public static func make(title: String, version: String, description: String, routes: APIRoutes) -> JSONValue {
        var paths: [String: [String: JSONValue]] = [:]
        for route in routes.routes {
            paths[route.path, default: [:]][route.method.rawValue.lowercased()] = operation(route)
        }
        var schemas = routes.schemas.mapValues { JSONValue.object($0.json) }
        schemas["Error"] = .object(errorSchema(codes: nil).json)
        return .object([
            "openapi": "3.1.0",
            "info": .object(["title": .string(title), "version": .string(version), "description": .string(description)]),
            "paths": .object(paths.mapValues { .object($0) }),
            "components": .object([
                "schemas": .object(schemas),
                "securitySchemes": .object([
                    "bearer": .object([
                        "type": "http", "scheme": "bearer",
                        "description": "A token from `ponte token create`, or a key a module issues (a POS store key).",
                    ])
                ]),
            ]),
        ])
    }

    /// The error body, with `code` limited to `codes` when given.
    public static func errorSchema(codes: [String]?) -> JSONSchema {
        let code: JSONSchema = codes.map { JSONSchema.oneOf($0, "Stable error code") } ?? .string("Stable error code")
        return .object([
            "error": .object([
                "code": code,
                "message": .string("What went wrong and what to do next"),
                "details": JSONSchema.any("More about the error, such as the field at fault").optional,
            ])
        ])
    }

    private static func operation(_ route: APIRoute) -> JSONValue {
        var operation = route.operation
        switch route.access {
        case .open:
            break
        case .admin:
            operation = operation.errors(401, "UNAUTHORIZED").errors(403, "FORBIDDEN")
        case .authenticated:
            operation = operation.errors(401, "UNAUTHORIZED")
        }
        if route.path.hasPrefix("/api/") {
            operation = operation.errors(503, "STORE_UNAVAILABLE")
        }
        var json: [String: JSONValue] = ["operationId": .string(operation.id), "summary": .string(operation.summary)]
        if let description = operation.description { json["description"] = .string(description) }
        if !operation.tags.isEmpty { json["tags"] = .array(operation.tags.map(JSONValue.string)) }
        if route.access != .open { json["security"] = .array([.object(["bearer": .array([])])]) }

        var parameters: [JSONValue] = []
        for name in route.pathParameters where !operation.parameters.contains(where: { $0.location == .path && $0.name == name }) {
            parameters.append(parameter(APIParameter(name: name, location: .path, schema: .string(), description: name, required: true)))
        }
        parameters += operation.parameters.map(parameter)
        if !parameters.isEmpty { json["parameters"] = .array(parameters) }

        if let body = operation.requestBody {
            json["requestBody"] = .object([
                "required": .bool(body.required),
                "content": .object(Dictionary(uniqueKeysWithValues: body.contentTypes.map { ($0, JSONValue.object(["schema": .object(body.schema.json)])) })),
            ])
        }
        var responses: [String: JSONValue] = [:]
        for response in operation.responses {
            var entry: [String: JSONValue] = ["description": .string(response.description)]
            var content: [String: JSONValue] = [:]
            for (type, schema) in response.content { content[type] = .object(["schema": .object(schema.json)]) }
            if !response.errorCodes.isEmpty {
                content["application/json"] = .object(["schema": .object(errorSchema(codes: response.errorCodes).json)])
            }
            if !content.isEmpty { entry["content"] = .object(content) }
            if !response.headers.isEmpty {
                entry["headers"] = .object(response.headers.mapValues { .object(["schema": .object($0.json)]) })
            }
            responses[String(response.status)] = .object(entry)
        }
        json["responses"] = .object(responses)
        return .object(json)
    }

    private static func parameter(_ parameter: APIParameter) -> JSONValue {
        .object([
            "name": .string(parameter.name), "in": .string(parameter.location.rawValue), "required": .bool(parameter.required),
            "description": .string(parameter.description), "schema": .object(parameter.schema.json),
        ])
    }
}
