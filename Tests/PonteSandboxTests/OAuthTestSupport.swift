import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PonteProviders
import Testing

@testable import PonteSandbox

/// An answer of the sandbox's router, read the ways the OAuth simulator tests need.
struct OAuthAnswer {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var text: String

    var json: Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) }
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    var location: String? { headers[.location] }

    /// The query parameters a redirect adds to the redirect URI, by name.
    var redirectParameters: [String: String] {
        guard let location else { return [:] }
        return Dictionary(
            FormURLEncoded.queryParameters(ofURL: location).map { ($0.name, $0.value) },
            uniquingKeysWith: { first, _ in first })
    }

    /// The first item of Square's `errors` array.
    var squareError: [String: Any] { (object["errors"] as? [[String: Any]])?.first ?? [:] }
}

/// Drives a whole sandbox (on the stopped test clock) through its router.
struct OAuthDriver {
    let sandbox: Sandbox
    let client: any TestClientProtocol

    static func run(label: String, _ test: @Sendable (OAuthDriver) async throws -> Void) async throws {
        try await withSandboxRouter(label: label) { sandbox, client in
            try await test(OAuthDriver(sandbox: sandbox, client: client))
        }
    }

    var credentials: SandboxCredentials { sandbox.environment.credentials }

    @discardableResult
    func call(_ method: HTTPRequest.Method, _ path: String, body: String? = nil, headers: HTTPFields = [:]) async throws
        -> OAuthAnswer
    {
        let response = try await client.execute(
            uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        return OAuthAnswer(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }

    /// `GET path?query` with the pairs form-encoded.
    func get(_ path: String, query: [(String, String)], headers: HTTPFields = [:]) async throws -> OAuthAnswer {
        try await call(
            .get, path + "?" + FormURLEncoded.encode(query.map { (name: $0.0, value: $0.1) }), headers: headers)
    }

    /// `POST` of an `application/x-www-form-urlencoded` body.
    func postForm(_ path: String, _ fields: [(String, String)], headers extra: HTTPFields = [:]) async throws
        -> OAuthAnswer
    {
        var headers = extra
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await call(
            .post, path, body: FormURLEncoded.encode(fields.map { (name: $0.0, value: $0.1) }), headers: headers)
    }

    /// `method` with a JSON body.
    func sendJSON(_ method: HTTPRequest.Method, _ path: String, _ json: String, headers extra: HTTPFields = [:])
        async throws
        -> OAuthAnswer
    {
        var headers = extra
        headers[.contentType] = "application/json"
        return try await call(method, path, body: json, headers: headers)
    }

    /// The control API's OAuth report of `provider`.
    func report(_ provider: SandboxProvider) async throws -> [String: Any] {
        try await call(.get, "/_sandbox/\(provider.rawValue)/oauth").object
    }

    /// Sets the lifetime of the access tokens `provider` issues from now on (nil: its own).
    func setAccessTokenLifetime(_ provider: SandboxProvider, seconds: Int?) async throws {
        let body = seconds.map { #"{"seconds": \#($0)}"# } ?? #"{"seconds": null}"#
        let answer = try await sendJSON(.put, "/_sandbox/\(provider.rawValue)/oauth/access-token-lifetime", body)
        #expect(answer.status == .ok, "\(answer.text)")
    }

    func denyNextAuthorization(_ provider: SandboxProvider) async throws {
        #expect(try await call(.post, "/_sandbox/\(provider.rawValue)/oauth/deny-next").status == .ok)
    }

    func advanceClock(seconds: Int) {
        sandbox.environment.clock.advance(by: TimeInterval(seconds))
    }

    static func bearer(_ token: String) -> HTTPFields {
        authorization("Bearer \(token)")
    }

    static func basic(_ user: String, _ password: String) -> HTTPFields {
        authorization("Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
    }

    static func authorization(_ value: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.authorization] = value
        return headers
    }

    /// A counter of a report's `token_requests` or `token_refusals`.
    static func count(_ report: [String: Any], _ member: String, _ grantType: String) -> Int {
        (report[member] as? [String: Any])?[grantType] as? Int ?? 0
    }
}

/// The callback URL the tests give as `redirect_uri`.
let hubCallback = "https://hub.example/oauth/callback?provider=x"
