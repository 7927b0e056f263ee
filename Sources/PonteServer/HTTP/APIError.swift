import HTTPTypes
import Hummingbird
import NIOCore
import PonteCore

/// An error answered as `{"error": {"code": "…", "message": "…"}}` with a stable code.
public struct APIError: HTTPResponseError, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String

    public init(_ status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        .json(jsonBody, status: status)
    }

    /// `{"error":{"code":"…","message":"…"}}`
    var jsonBody: String {
        var body = "{\"error\":{\"code\":"
        JSONText.appendString(code, to: &body)
        body += ",\"message\":"
        JSONText.appendString(message, to: &body)
        body += "}}"
        return body
    }

    // MARK: Common errors

    static func notFound(_ message: String) -> APIError { APIError(.notFound, code: "NOT_FOUND", message: message) }
    static func badRequest(_ code: String, _ message: String) -> APIError { APIError(.badRequest, code: code, message: message) }
    static func unauthorized(_ message: String) -> APIError { APIError(.unauthorized, code: "UNAUTHORIZED", message: message) }
    static func forbidden(_ message: String) -> APIError { APIError(.forbidden, code: "FORBIDDEN", message: message) }
    static func unavailable(_ message: String) -> APIError { APIError(.serviceUnavailable, code: "SERVICE_UNAVAILABLE", message: message) }
}
