import Foundation
import HTTPTypes

/// An error in Stripe's shape, `{"error": {"type", "code", "message", "param", ...}}`,
/// with the HTTP status the official SDKs map to their error classes (400/404
/// `InvalidRequestError`, 401 `AuthenticationError`, 402 `CardError`, 429 `RateLimitError`).
struct StripeError: Error, Sendable {
    var status: HTTPResponse.Status
    var type: String
    var code: String?
    var message: String
    var param: String?
    var declineCode: String?
    /// Objects Stripe embeds in some errors: `charge`, `payment_intent`, `payment_method`.
    var attachments: [String: StripeJSON] = [:]

    init(
        status: HTTPResponse.Status = .badRequest, type: String = "invalid_request_error", code: String?,
        message: String, param: String? = nil, declineCode: String? = nil
    ) {
        self.status = status
        self.type = type
        self.code = code
        self.message = message
        self.param = param
        self.declineCode = declineCode
    }

    /// The `error` member; `request_log_url` points at the request like Stripe's dashboard link.
    func errorObject(requestID: String?) -> StripeJSON {
        var object: StripeJSON = ["type": .string(type), "message": .string(message)]
        if let code {
            object["code"] = .string(code)
            object["doc_url"] = .string("https://stripe.com/docs/error-codes/\(code.replacingOccurrences(of: "_", with: "-"))")
        }
        if let param { object["param"] = .string(param) }
        if let declineCode { object["decline_code"] = .string(declineCode) }
        if let requestID { object["request_log_url"] = .string("https://dashboard.stripe.com/test/logs/\(requestID)") }
        for (key, value) in attachments { object[key] = value }
        return object
    }

    func body(requestID: String?) -> StripeJSON {
        ["error": errorObject(requestID: requestID)]
    }

    // MARK: The errors the simulator gives

    static let paymentRequired = HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required")

    static func missing(_ param: String) -> StripeError {
        StripeError(code: "parameter_missing", message: "Missing required param: \(param).", param: param)
    }

    static func unknownParameter(_ param: String) -> StripeError {
        StripeError(code: "parameter_unknown", message: "Received unknown parameter: \(param)", param: param)
    }

    static func invalidInteger(_ param: String, _ value: String) -> StripeError {
        StripeError(code: "parameter_invalid_integer", message: "Invalid integer: \(value)", param: param)
    }

    static func integerTooSmall(_ param: String, minimum: Int) -> StripeError {
        StripeError(
            code: "parameter_invalid_integer", message: "This value must be greater than or equal to \(minimum).",
            param: param
        )
    }

    static func invalidBoolean(_ param: String, _ value: String) -> StripeError {
        StripeError(code: nil, message: "Invalid boolean: \(value)", param: param)
    }

    static func invalidString(_ param: String) -> StripeError {
        StripeError(code: nil, message: "Invalid string: expected a string for \(param)", param: param)
    }

    static func invalidHash(_ param: String) -> StripeError {
        StripeError(code: nil, message: "Invalid hash", param: param)
    }

    static func invalidArray(_ param: String) -> StripeError {
        StripeError(code: nil, message: "Invalid array", param: param)
    }

    /// A value outside an enumeration, worded like Stripe's "must be one of a, b, or c".
    static func notOneOf(_ param: String, _ allowed: [String]) -> StripeError {
        let list =
            allowed.count > 1
            ? allowed.dropLast().joined(separator: ", ") + ", or " + (allowed.last ?? "") : allowed.joined()
        return StripeError(code: nil, message: "Invalid \(param): must be one of \(list)", param: param)
    }

    /// `No such payment_intent: 'pi_x'`: 404 for an id in the path, 400 for one in the parameters.
    static func noSuch(_ kind: String, _ id: String, param: String, inPath: Bool) -> StripeError {
        StripeError(
            status: inPath ? .notFound : .badRequest, code: "resource_missing", message: "No such \(kind): '\(id)'",
            param: param
        )
    }

    static func unexpectedState(_ message: String, paymentIntent: StripeJSON? = nil) -> StripeError {
        var error = StripeError(code: "payment_intent_unexpected_state", message: message)
        if let paymentIntent { error.attachments["payment_intent"] = paymentIntent }
        return error
    }
}
