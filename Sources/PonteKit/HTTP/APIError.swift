import HTTPTypes
import Hummingbird
import NIOCore
import PonteCore

/// An error answered as `{"error": {"code": "…", "message": "…", "details": …}}` with a
/// stable code; `details` is present when there is something more to say (the field at
/// fault, the oldest cursor still valid).
public struct APIError: HTTPResponseError, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public let details: JSONValue?

    public init(_ status: HTTPResponse.Status, code: String, message: String, details: JSONValue? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    public var description: String { "\(code): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        .json(jsonBody, status: status)
    }

    /// `{"error":{"code":"…","message":"…"}}`, with `"details"` when there are any.
    public var jsonBody: String {
        var body = "{\"error\":{\"code\":"
        JSONText.appendString(code, to: &body)
        body += ",\"message\":"
        JSONText.appendString(message, to: &body)
        if let details {
            body += ",\"details\":" + details.text
        }
        body += "}}"
        return body
    }

    // MARK: Common errors

    public static func notFound(_ code: String = "NOT_FOUND", _ message: String) -> APIError {
        APIError(.notFound, code: code, message: message)
    }

    public static func badRequest(_ code: String, _ message: String, details: JSONValue? = nil) -> APIError {
        APIError(.badRequest, code: code, message: message, details: details)
    }

    public static func conflict(_ code: String, _ message: String, details: JSONValue? = nil) -> APIError {
        APIError(.conflict, code: code, message: message, details: details)
    }

    public static func unprocessable(_ code: String, _ message: String, details: JSONValue? = nil) -> APIError {
        APIError(.unprocessableContent, code: code, message: message, details: details)
    }

    public static func unauthorized(_ message: String) -> APIError { APIError(.unauthorized, code: "UNAUTHORIZED", message: message) }
    public static func forbidden(_ message: String) -> APIError { APIError(.forbidden, code: "FORBIDDEN", message: message) }
    public static func unavailable(_ message: String) -> APIError {
        APIError(.serviceUnavailable, code: "STORE_UNAVAILABLE", message: message)
    }

    /// `400 INVALID_QUERY` for a query parameter, naming it.
    public static func invalidQuery(_ parameter: String, _ message: String) -> APIError {
        APIError(.badRequest, code: "INVALID_QUERY", message: message, details: .object(["parameter": .string(parameter)]))
    }
}
