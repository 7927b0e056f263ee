import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Wraps every request: answers errors in Ponte's JSON shape, adds `X-Request-Id`,
/// records the duration metric, and logs the request.
struct HubMiddleware: RouterMiddleware {
    typealias Context = PonteRequestContext

    let metrics: HubMetrics

    private static let requestIDHeader = HTTPField.Name("X-Request-Id")

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = try Self.errorResponse(error, request: request, context: context)
        }
        if let name = Self.requestIDHeader {
            response.headers[name] = context.id
        }
        let duration = ContinuousClock.now - started
        let route = context.endpointPath ?? "unmatched"
        metrics.requestFinished(method: request.method.rawValue, route: route, status: response.status.code, duration: duration)
        if response.status.code >= 500 {
            context.logger.warning(
                "request failed",
                metadata: ["method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)"]
            )
        } else if context.logger.logLevel <= .debug {
            context.logger.debug(
                "request",
                metadata: ["method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)",
                           "ms": "\(duration.components.attoseconds / 1_000_000_000_000_000 + duration.components.seconds * 1000)"]
            )
        }
        return response
    }

    /// Ponte's JSON error for anything a handler throws; unknown errors are logged and become 500s.
    static func errorResponse(_ error: any Error, request: Request, context: Context) throws -> Response {
        switch error {
        case let apiError as APIError:
            return try apiError.response(from: request, context: context)
        case is NIOTooManyBytesError:
            return try APIError(.contentTooLarge, code: "PAYLOAD_TOO_LARGE", message: "the request body is larger than allowed")
                .response(from: request, context: context)
        case let httpError as HTTPError:
            let code: String
            switch httpError.status {
            case .notFound: code = "NOT_FOUND"
            case .methodNotAllowed: code = "METHOD_NOT_ALLOWED"
            case .contentTooLarge: code = "PAYLOAD_TOO_LARGE"
            case .badRequest: code = "BAD_REQUEST"
            case .unauthorized: code = "UNAUTHORIZED"
            default: code = httpError.status.code >= 500 ? "INTERNAL_ERROR" : "REQUEST_REJECTED"
            }
            let message = httpError.body ?? (httpError.status == .notFound
                ? "no route for \(request.method) \(request.uri.path)" : httpError.status.reasonPhrase)
            return try APIError(httpError.status, code: code, message: message).response(from: request, context: context)
        default:
            context.logger.error("unhandled error", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return try APIError(.internalServerError, code: "INTERNAL_ERROR", message: "an unexpected error occurred; see the hub's log for request \(context.id)")
                .response(from: request, context: context)
        }
    }
}
