import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PonteCore
import PonteKit
import PonteStore

/// Wraps every request: answers errors in Ponte's JSON shape, adds `X-Request-Id`,
/// records the duration metric, and logs the request.
struct HubMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let metrics: HubMetrics

    private static let requestIDHeader = HTTPField.Name("X-Request-Id")

    @concurrent func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
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
        Self.finished(
            method: request.method.rawValue, path: request.uri.path, route: context.endpointPath ?? "unmatched",
            status: response.status.code, duration: ContinuousClock.now - started, metrics: metrics, logger: context.logger
        )
        return response
    }

    /// The duration metric and the request's log line; also written by `WebhookIntakeHandler`
    /// for the webhooks it answers.
    static func finished(
        method: String, path: String, route: String, status: Int, duration: Duration, metrics: HubMetrics, logger: Logger
    ) {
        metrics.requestFinished(method: method, route: route, status: status, duration: duration)
        if status >= 500 {
            logger.warning("request failed", metadata: ["method": "\(method)", "path": "\(path)", "status": "\(status)"])
        } else if logger.logLevel <= .debug {
            let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
            logger.debug(
                "request", metadata: ["method": "\(method)", "path": "\(path)", "status": "\(status)", "ms": "\(milliseconds)"]
            )
        }
    }

    /// A storage failure a handler did not turn into its own error: a violated constraint is a
    /// conflict with what is stored (409), a database that is busy or down is 503, anything
    /// else a bug (500).
    static func storeErrorResponse(_ error: StoreError, request: Request, context: Context) throws -> Response {
        let apiError: APIError
        switch error.kind {
        case .uniqueViolation:
            apiError = APIError.conflict("ALREADY_EXISTS", "something with the same identity already exists", details: error.constraint.map { .object(["constraint": .string($0)]) })
        case .foreignKeyViolation, .checkViolation, .notNullViolation:
            apiError = APIError.conflict("CONSTRAINT_VIOLATION", "the change conflicts with what is stored (\(error.kind))", details: error.constraint.map { .object(["constraint": .string($0)]) })
        case .unavailable, .serializationFailure, .deadlock, .lockTimeout:
            context.logger.warning("database unavailable for a request", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            apiError = APIError.unavailable("the database is unavailable or busy; try again")
        default:
            context.logger.error("unhandled storage error", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            apiError = APIError(.internalServerError, code: "INTERNAL_ERROR", message: "an unexpected error occurred; see the hub's log for request \(context.id)")
        }
        return try apiError.response(from: request, context: context)
    }

    /// Ponte's JSON error for anything a handler throws; unknown errors are logged and become 500s.
    static func errorResponse(_ error: any Error, request: Request, context: Context) throws -> Response {
        switch error {
        case let apiError as APIError:
            return try apiError.response(from: request, context: context)
        case let storeError as StoreError:
            return try Self.storeErrorResponse(storeError, request: request, context: context)
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
