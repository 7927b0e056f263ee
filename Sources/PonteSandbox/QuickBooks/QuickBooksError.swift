import Foundation
import HTTPTypes
import Hummingbird

/// An error of Intuit's OAuth server (`oauth.platform.intuit.com`, `developer.api.intuit.com`):
/// `{"error": "..."}`, sometimes with `error_description`. A dead refresh token answers 400
/// `{"error_description":"Incorrect or invalid refresh token","error":"invalid_grant"}` and a
/// bad code a bare `{"error":"invalid_grant"}` (both as quoted by intuit/oauth-pythonclient and
/// intuit/oauth-jsclient users: routablehq/python-quickbooks#272, intuit/oauth-jsclient#77).
struct QuickBooksOAuthError: HTTPResponseError {
    var status: HTTPResponse.Status
    var error: String
    var description: String?

    func response(from request: Request, context: some RequestContext) throws -> Response { response }

    var response: Response {
        var body = ["error": error]
        if let description { body["error_description"] = description }
        return .sandboxJSON(body, status: status, headers: QuickBooksResponse.headers)
    }

    static let invalidClient = QuickBooksOAuthError(status: .unauthorized, error: "invalid_client")
    static let invalidGrant = QuickBooksOAuthError(status: .badRequest, error: "invalid_grant")
    static let invalidRefreshToken = QuickBooksOAuthError(
        status: .badRequest, error: "invalid_grant", description: "Incorrect or invalid refresh token")
    static let unsupportedGrantType = QuickBooksOAuthError(status: .badRequest, error: "unsupported_grant_type")
    static let invalidToken = QuickBooksOAuthError(status: .unauthorized, error: "invalid_token")

    static func invalidRequest(_ description: String) -> QuickBooksOAuthError {
        QuickBooksOAuthError(status: .badRequest, error: "invalid_request", description: description)
    }
}

/// An error of the Accounting API (`/v3/company/{realmId}/...`) in one of its two JSON shapes.
///
/// - Authentication and authorization failures come lower-case, in the whole response envelope:
///   `{"fault":{"error":[{"message":"message=AuthenticationFailed; errorCode=003200;
///   statusCode=401","detail":"…","code":"3200","element":null}],"type":"AUTHENTICATION"},
///   "time":<ms>, …}` (as quoted in routablehq/python-quickbooks#250; the 403 `AuthorizationFailed`
///   `003100`/`SERVICE` one in intuit/oauth-jsclient#2).
/// - Request and system faults come capitalised: `{"Fault":{"Error":[{"Message","Detail","code",
///   "element"}],"type":"ValidationFault"},"time":"<local time>"}` (PROVIDERS.md 3.4; `code` and
///   `time` there are unconfirmed).
struct QuickBooksFault: HTTPResponseError {
    enum Shape { case envelope, capitalised }

    var status: HTTPResponse.Status
    var shape: Shape
    var type: String
    var message: String
    var detail: String?
    var code: String
    var headers: HTTPFields = [:]

    func response(from request: Request, context: some RequestContext) throws -> Response { response(at: Date()) }

    func response(at time: Date) -> Response {
        var fields = QuickBooksResponse.headers
        for field in headers { fields.append(field) }
        switch shape {
        case .envelope:
            return .sandboxJSON(Envelope(fault: self, time: time), status: status, headers: fields)
        case .capitalised:
            return .sandboxJSON(Capitalised(fault: self, time: time), status: status, headers: fields)
        }
    }

    /// The lower-case envelope, with the members Intuit sends as null or empty.
    private struct Envelope: Encodable {
        var fault: QuickBooksFault
        var time: Date

        enum Keys: String, CodingKey {
            case warnings, intuitObject, fault, report, queryResponse, batchItemResponse, attachableResponse
            case syncErrorResponse, requestId, time, status, cdcresponse
        }
        enum FaultKeys: String, CodingKey { case error, type }
        enum ErrorKeys: String, CodingKey { case message, detail, code, element }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            for key in [Keys.warnings, .intuitObject, .report, .queryResponse, .syncErrorResponse, .requestId, .status]
            {
                try container.encodeNil(forKey: key)
            }
            for key in [Keys.batchItemResponse, .attachableResponse, .cdcresponse] {
                try container.encode([String](), forKey: key)
            }
            try container.encode(Int(time.timeIntervalSince1970 * 1000), forKey: .time)
            var faultContainer = container.nestedContainer(keyedBy: FaultKeys.self, forKey: .fault)
            try faultContainer.encode(fault.type, forKey: .type)
            var errors = faultContainer.nestedUnkeyedContainer(forKey: .error)
            var error = errors.nestedContainer(keyedBy: ErrorKeys.self)
            try error.encode(fault.message, forKey: .message)
            try error.encode(fault.detail, forKey: .detail)
            try error.encode(fault.code, forKey: .code)
            try error.encodeNil(forKey: .element)
        }
    }

    private struct Capitalised: Encodable {
        var fault: QuickBooksFault
        var time: Date

        enum Keys: String, CodingKey {
            case fault = "Fault"
            case time
        }
        enum FaultKeys: String, CodingKey {
            case error = "Error"
            case type
        }
        enum ErrorKeys: String, CodingKey {
            case message = "Message"
            case detail = "Detail"
            case code, element
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(QuickBooksTime.string(time), forKey: .time)
            var faultContainer = container.nestedContainer(keyedBy: FaultKeys.self, forKey: .fault)
            try faultContainer.encode(fault.type, forKey: .type)
            var errors = faultContainer.nestedUnkeyedContainer(forKey: .error)
            var error = errors.nestedContainer(keyedBy: ErrorKeys.self)
            try error.encode(fault.message, forKey: .message)
            try error.encode(fault.detail ?? "", forKey: .detail)
            try error.encode(fault.code, forKey: .code)
            try error.encode("", forKey: .element)
        }
    }
}

// MARK: The faults the simulator answers

extension QuickBooksFault {
    /// 401 for a bearer token that is missing, unknown, expired or revoked; `detail` says which.
    static func authenticationFailed(_ detail: String) -> QuickBooksFault {
        QuickBooksFault(
            status: .unauthorized, shape: .envelope, type: "AUTHENTICATION",
            message: "message=AuthenticationFailed; errorCode=003200; statusCode=401", detail: detail, code: "3200")
    }

    /// 403 for a token of another company than the path's `realmId`.
    static let authorizationFailed = QuickBooksFault(
        status: .forbidden, shape: .envelope, type: "SERVICE",
        message: "message=AuthorizationFailed; errorCode=003100; statusCode=403", detail: nil, code: "3100")

    /// 429 (Intuit's throttle code 3001; the wording is ours).
    static func throttled(retryAfterSeconds: Int) -> QuickBooksFault {
        var headers = HTTPFields()
        headers[.retryAfter] = String(retryAfterSeconds)
        return QuickBooksFault(
            status: .tooManyRequests, shape: .envelope, type: "SERVICE",
            message: "message=ThrottleExceeded; errorCode=003001; statusCode=429",
            detail: "The request limit was reached.", code: "3001", headers: headers)
    }

    static func objectNotFound(_ what: String) -> QuickBooksFault {
        QuickBooksFault(
            status: .badRequest, shape: .capitalised, type: "ValidationFault", message: "Object Not Found",
            detail: "Object Not Found : \(what)", code: "610")
    }

    static let systemFailure = QuickBooksFault(
        status: .internalServerError, shape: .capitalised, type: "SystemFault",
        message: "An application error has occurred while processing your request",
        detail:
            "System Failure Error: An unexpected error occurred while accessing or saving your data. Please wait a few minutes and try again.",
        code: "10000")
}

/// What every QuickBooks answer carries.
enum QuickBooksResponse {
    /// `intuit_tid`, the transaction id Intuit's SDKs log and its support asks for.
    static var headers: HTTPFields {
        var fields = HTTPFields()
        if let name = HTTPField.Name("intuit_tid") {
            fields[name] = SandboxIDs.hex("1-", length: 8) + SandboxIDs.hex("-", length: 24)
        }
        return fields
    }
}

/// The Accounting API's timestamps: Pacific time with milliseconds (`2026-03-10T08:00:00.000-07:00`).
enum QuickBooksTime {
    static func string(_ date: Date) -> String {
        let pacific = TimeZone(identifier: "America/Los_Angeles") ?? .gmt
        return date.formatted(
            Date.ISO8601FormatStyle(timeZoneSeparator: .colon, includingFractionalSeconds: true, timeZone: pacific))
    }

    /// A calendar date in Pacific time (`2026-03-10`).
    static func day(_ date: Date) -> String {
        String(string(date).prefix(10))
    }
}
