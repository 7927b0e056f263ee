import HTTPTypes
import Hummingbird

/// Answers one request.
public typealias APIHandler = @Sendable (Request, APIRequestContext) async throws -> Response

/// One route: where, who may call it, its OpenAPI description, and its handler.
public struct APIRoute: Sendable {
    public let method: HTTPRequest.Method
    /// The path as OpenAPI writes it, parameters in braces: `/api/v1/jobs/{id}`.
    public let path: String
    public let access: APIAccess
    public let operation: APIOperation
    public let handler: APIHandler

    /// The path as the router matches it: `/api/v1/jobs/:id`.
    public var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : segment
        }.joined(separator: "/")
    }

    /// The names of the path's parameters, in order.
    public var pathParameters: [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map { String($0.dropFirst().dropLast()) }
    }
}

/// The routes a module (or the platform) declares, each with its description, and the
/// component schemas those descriptions refer to.
public struct APIRoutes: Sendable {
    public private(set) var routes: [APIRoute] = []
    public private(set) var schemas: [String: JSONSchema] = [:]
    /// Prepended to every path (`/api/v1` for a module's routes).
    public let prefix: String

    public init(prefix: String = "/api/v1") {
        self.prefix = prefix
    }

    public mutating func get(_ path: String, _ operation: APIOperation, access: APIAccess = .admin, _ handler: @escaping APIHandler) {
        add(.get, path, operation, access, handler)
    }

    public mutating func post(_ path: String, _ operation: APIOperation, access: APIAccess = .admin, _ handler: @escaping APIHandler) {
        add(.post, path, operation, access, handler)
    }

    public mutating func put(_ path: String, _ operation: APIOperation, access: APIAccess = .admin, _ handler: @escaping APIHandler) {
        add(.put, path, operation, access, handler)
    }

    public mutating func patch(_ path: String, _ operation: APIOperation, access: APIAccess = .admin, _ handler: @escaping APIHandler) {
        add(.patch, path, operation, access, handler)
    }

    public mutating func delete(_ path: String, _ operation: APIOperation, access: APIAccess = .admin, _ handler: @escaping APIHandler) {
        add(.delete, path, operation, access, handler)
    }

    /// A schema that operations refer to as `.ref(name)`.
    public mutating func schema(_ name: String, _ schema: JSONSchema) {
        schemas[name] = schema
    }

    /// Another set's routes and schemas, after these.
    public mutating func append(_ other: APIRoutes) {
        routes += other.routes
        schemas.merge(other.schemas) { current, _ in current }
    }

    private mutating func add(_ method: HTTPRequest.Method, _ path: String, _ operation: APIOperation, _ access: APIAccess, _ handler: @escaping APIHandler) {
        let relative = path.hasPrefix("/") ? String(path.dropFirst()) : path
        let full = relative.isEmpty ? prefix : (prefix.hasSuffix("/") ? prefix + relative : prefix + "/" + relative)
        routes.append(APIRoute(method: method, path: full.isEmpty ? "/" : full, access: access, operation: operation, handler: handler))
    }
}
