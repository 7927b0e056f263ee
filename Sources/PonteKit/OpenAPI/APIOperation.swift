import HTTPTypes
import PonteCore

/// The OpenAPI description of one route: what it does, its parameters, its body, and every
/// answer it can give — each error status with the codes it can carry.
public struct APIOperation: Sendable {
    public let id: String
    public var summary: String
    public var description: String?
    public var tags: [String] = []
    public var parameters: [APIParameter] = []
    public var requestBody: APIRequestBody?
    public var responses: [APIResponse] = []

    /// - Parameters:
    ///   - id: the `operationId`, unique in the document (e.g. `listJobs`).
    public init(_ id: String, _ summary: String, description: String? = nil, tags: [String] = []) {
        self.id = id
        self.summary = summary
        self.description = description
        self.tags = tags
    }

    // MARK: Building

    public func tagged(_ tags: String...) -> APIOperation {
        var copy = self
        copy.tags += tags
        return copy
    }

    /// A query parameter (optional unless `required`).
    public func query(_ name: String, _ schema: JSONSchema, _ description: String, required: Bool = false) -> APIOperation {
        var copy = self
        copy.parameters.append(APIParameter(name: name, location: .query, schema: schema, description: description, required: required))
        return copy
    }

    /// The query parameters of a list: `limit` and `cursor`.
    public func paged() -> APIOperation {
        query("limit", .integer(minimum: 1, maximum: Int64(ListParameters.maxLimit)), "Page size (default 50)")
            .query("cursor", .string(), "The previous page's next_cursor")
    }

    /// A path parameter's schema and description (without one, it is documented as a string).
    public func path(_ name: String, _ schema: JSONSchema, _ description: String) -> APIOperation {
        var copy = self
        copy.parameters.append(APIParameter(name: name, location: .path, schema: schema, description: description, required: true))
        return copy
    }

    public func header(_ name: String, _ schema: JSONSchema, _ description: String, required: Bool = false) -> APIOperation {
        var copy = self
        copy.parameters.append(APIParameter(name: name, location: .header, schema: schema, description: description, required: required))
        return copy
    }

    /// The JSON body.
    public func body(_ schema: JSONSchema, required: Bool = true, contentTypes: [String] = ["application/json"]) -> APIOperation {
        var copy = self
        copy.requestBody = APIRequestBody(schema: schema, required: required, contentTypes: contentTypes)
        return copy
    }

    /// A successful answer.
    public func response(
        _ status: Int, _ schema: JSONSchema?, _ description: String, contentType: String = "application/json",
        alternatives: [(contentType: String, schema: JSONSchema)] = [], headers: [String: JSONSchema] = [:]
    ) -> APIOperation {
        var copy = self
        var content: [(String, JSONSchema)] = schema.map { [(contentType, $0)] } ?? []
        content += alternatives.map { ($0.contentType, $0.schema) }
        copy.responses.append(APIResponse(status: status, description: description, content: content, headers: headers))
        return copy
    }

    /// An error answer with the codes it carries: `{"error": {"code", "message", "details"?}}`.
    public func errors(_ status: Int, _ codes: String...) -> APIOperation {
        errors(status, codes)
    }

    public func errors(_ status: Int, _ codes: [String]) -> APIOperation {
        var copy = self
        if let index = copy.responses.firstIndex(where: { $0.status == status }) {
            copy.responses[index].errorCodes += codes.filter { !copy.responses[index].errorCodes.contains($0) }
        } else {
            var response = APIResponse(status: status, description: APIResponse.reason(status), content: [], headers: [:])
            response.errorCodes = codes
            copy.responses.append(response)
        }
        return copy
    }
}

public struct APIParameter: Sendable {
    public enum Location: String, Sendable {
        case query, path, header
    }

    public let name: String
    public let location: Location
    public let schema: JSONSchema
    public let description: String
    public let required: Bool
}

public struct APIRequestBody: Sendable {
    public let schema: JSONSchema
    public let required: Bool
    public let contentTypes: [String]
}

public struct APIResponse: Sendable {
    public let status: Int
    public var description: String
    public var content: [(String, JSONSchema)]
    public var headers: [String: JSONSchema]
    /// For error answers: the `error.code` values it can carry.
    public var errorCodes: [String] = []

    static func reason(_ status: Int) -> String {
        HTTPResponse.Status(code: status).reasonPhrase.isEmpty ? "Error" : HTTPResponse.Status(code: status).reasonPhrase
    }
}
