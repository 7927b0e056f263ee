import HTTPTypes
import Hummingbird

/// An error answered in one of Square's two shapes.
///
/// - The API's `{"errors": [{"category", "code", "detail", "field"}]}`; `category` and `code`
///   are required (square-python-sdk `types/error.py`, the values from `types/error_category.py`
///   and `types/error_code.py`).
/// - The bare `{"message": "Not Authorized", "type": "service.not_authorized"}` the OAuth
///   endpoints answer (401) when the application's id or secret is wrong. Square publishes no
///   example; this one is quoted from a 401 in square/connect-api-examples
///   (`connect-examples/oauth/php/README.md`) and agrees with captures quoted in third-party
///   code, which also show that a bad code under good credentials gets the first shape:
///   `UNAUTHORIZED` "Authorization code not found for app …".
struct SquareError: HTTPResponseError {
    struct Item: Encodable, Equatable {
        var category: String
        var code: String
        var detail: String?
        var field: String?
    }

    enum Body: Equatable {
        case errors([Item])
        case service(message: String, type: String)
    }

    var status: HTTPResponse.Status
    var body: Body
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ body: Body, headers: HTTPFields = [:]) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    init(_ status: HTTPResponse.Status, category: String, code: String, detail: String, field: String? = nil) {
        self.init(status, .errors([Item(category: category, code: code, detail: detail, field: field)]))
    }

    func response(from request: Request, context: some RequestContext) throws -> Response { response }

    var response: Response {
        switch body {
        case .errors(let items): .sandboxJSON(["errors": items], status: status, headers: headers)
        case .service(let message, let type):
            .sandboxJSON(["message": message, "type": type], status: status, headers: headers)
        }
    }
}

// MARK: The errors the simulator answers

extension SquareError {
    /// A missing, unknown or malformed bearer token (text as Square answers `GET /v2/locations`).
    static let unauthorized = SquareError(
        .unauthorized, category: "AUTHENTICATION_ERROR", code: "UNAUTHORIZED",
        detail: "This request could not be authorized.")
    /// An OAuth access token past its `expires_at`. The code is Square's; the wording is ours.
    static let accessTokenExpired = SquareError(
        .unauthorized, category: "AUTHENTICATION_ERROR", code: "ACCESS_TOKEN_EXPIRED",
        detail: "The access token has expired.")
    /// An OAuth access token revoked by the seller or by RevokeToken. The code is Square's; the wording is ours.
    static let accessTokenRevoked = SquareError(
        .unauthorized, category: "AUTHENTICATION_ERROR", code: "ACCESS_TOKEN_REVOKED",
        detail: "The access token has been revoked.")

    /// Wrong application id or secret on the OAuth endpoints.
    static let notAuthorized = SquareError(
        .unauthorized, .service(message: "Not Authorized", type: "service.not_authorized"))
    /// A refresh token that is unknown, or whose authorization was revoked.
    static let invalidRefreshToken = SquareError(
        .unauthorized, .service(message: "Invalid refresh token", type: "service.not_authorized"))

    /// An authorization code that is unknown, already used or issued to another app.
    static func codeNotFound(appID: String) -> SquareError {
        SquareError(
            .unauthorized, category: "AUTHENTICATION_ERROR", code: "UNAUTHORIZED",
            detail: "Authorization code not found for app \(appID)")
    }

    static let codeExpired = SquareError(
        .unauthorized, category: "AUTHENTICATION_ERROR", code: "UNAUTHORIZED", detail: "Authorization code is expired")

    /// A PKCE code exchanged with a `code_verifier` that does not hash to its challenge (wording ours).
    static let verifierMismatch = SquareError(
        .unauthorized, category: "AUTHENTICATION_ERROR", code: "UNAUTHORIZED",
        detail: "The code_verifier does not match the code_challenge of the authorization request",
        field: "code_verifier")

    static let redirectMismatch = SquareError(
        .unauthorized, category: "AUTHENTICATION_ERROR", code: "UNAUTHORIZED",
        detail: "The redirect_uri does not match the one of the authorization request", field: "redirect_uri")

    static func missing(_ field: String) -> SquareError {
        SquareError(
            .badRequest, category: "INVALID_REQUEST_ERROR", code: "MISSING_REQUIRED_PARAMETER",
            detail: "Missing required parameter.", field: field)
    }

    static func invalidValue(_ field: String, _ detail: String) -> SquareError {
        SquareError(.badRequest, category: "INVALID_REQUEST_ERROR", code: "INVALID_VALUE", detail: detail, field: field)
    }

    static func badRequest(_ detail: String) -> SquareError {
        SquareError(.badRequest, category: "INVALID_REQUEST_ERROR", code: "BAD_REQUEST", detail: detail)
    }

    /// RevokeToken for a token that was never issued (an answer quoted in third-party tests).
    static let accessTokenNotFound = SquareError(
        .notFound, category: "INVALID_REQUEST_ERROR", code: "NOT_FOUND", detail: "access token not found")

    static let internalError = SquareError(
        .internalServerError, category: "API_ERROR", code: "INTERNAL_SERVER_ERROR",
        detail: "An internal error has occurred.")

    static func rateLimited(retryAfterSeconds: Int) -> SquareError {
        var headers = HTTPFields()
        headers[.retryAfter] = String(retryAfterSeconds)
        var error = SquareError(
            .tooManyRequests, category: "RATE_LIMIT_ERROR", code: "RATE_LIMITED", detail: "Rate limit exceeded.")
        error.headers = headers
        return error
    }
}
