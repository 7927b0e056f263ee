import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An error of the Marketing API (`<dc>.api.mailchimp.com/3.0`), an `application/problem+json`
/// document: `{"type", "title", "status", "detail", "instance"}`. The titles and details below
/// are the ones Mailchimp's answers are quoted with in public code and issues (e.g. "API Key
/// Invalid" / "Your API key may be invalid, or you've attempted to access the wrong
/// datacenter."); PROVIDERS.md 7.1 keeps the shape as unconfirmed.
struct MailchimpProblem: HTTPResponseError {
    var status: HTTPResponse.Status
    var title: String
    var detail: String
    var headers: HTTPFields = [:]

    static let typeURL = "https://mailchimp.com/developer/marketing/docs/errors/"

    func response(from request: Request, context: some RequestContext) throws -> Response { response }

    var response: Response {
        struct Body: Encodable {
            var type: String
            var title: String
            var status: Int
            var detail: String
            var instance: String
        }
        let body = Body(
            type: Self.typeURL, title: title, status: Int(status.code), detail: detail, instance: SandboxIDs.uuid())
        let data = (try? SandboxJSON.encoder.encode(body)) ?? Data("{}".utf8)
        var fields = headers
        fields[.contentType] = "application/problem+json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static let apiKeyMissing = MailchimpProblem(
        status: .unauthorized, title: "API Key Missing", detail: "Your request did not include an API key.")
    static let apiKeyInvalid = MailchimpProblem(
        status: .unauthorized, title: "API Key Invalid",
        detail: "Your API key may be invalid, or you've attempted to access the wrong datacenter.")
    static let internalError = MailchimpProblem(
        status: .internalServerError, title: "Internal Server Error",
        detail: "An unexpected internal error has occurred. Please contact Support for more information.")

    static func tooManyRequests(retryAfterSeconds: Int) -> MailchimpProblem {
        var headers = HTTPFields()
        headers[.retryAfter] = String(retryAfterSeconds)
        return MailchimpProblem(
            status: .tooManyRequests, title: "Too Many Requests",
            detail: "You have exceeded the limit of 10 simultaneous connections.", headers: headers)
    }
}

/// An error of Mailchimp's OAuth server (`login.mailchimp.com/oauth2/...`), in RFC 6749's shape
/// `{"error", "error_description"}`. Mailchimp documents no error body for these endpoints
/// (PROVIDERS.md 14, Appendix C); mailchimp3 treats a JSON body with `error` as a failure, so
/// the codes are RFC 6749 §5.2's and the descriptions are ours.
struct MailchimpOAuthError: HTTPResponseError {
    var status: HTTPResponse.Status
    var error: String
    var description: String

    func response(from request: Request, context: some RequestContext) throws -> Response { response }

    var response: Response {
        .sandboxJSON(["error": error, "error_description": description], status: status)
    }

    static func invalidRequest(_ description: String) -> MailchimpOAuthError {
        MailchimpOAuthError(status: .badRequest, error: "invalid_request", description: description)
    }

    static let invalidClient = MailchimpOAuthError(
        status: .unauthorized, error: "invalid_client", description: "Invalid client_id or client_secret")
    static let invalidGrant = MailchimpOAuthError(
        status: .badRequest, error: "invalid_grant", description: "Invalid authorization code")
    static let unsupportedGrantType = MailchimpOAuthError(
        status: .badRequest, error: "unsupported_grant_type",
        description: "Only the authorization_code grant is supported; Mailchimp tokens do not expire")
    static let invalidToken = MailchimpOAuthError(
        status: .unauthorized, error: "invalid_token", description: "Invalid or revoked access token")
}
