import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Calls an `OAuthApp`'s token endpoint: exchanges an authorization code, refreshes, revokes,
/// and (Mailchimp) reads the account's metadata. Tokens never appear in errors or logs.
public struct OAuthClient: Sendable {
    public let app: OAuthApp
    private let http: HTTPClient
    private let timeout: TimeAmount

    public init(app: OAuthApp, http: HTTPClient = .shared, timeout: Duration = .seconds(15)) {
        self.app = app
        self.http = http
        self.timeout = TimeAmount(timeout)
    }

    /// The tokens for the code the callback brought.
    public func exchange(code: String, redirectURI: String, now: Date) async throws -> OAuthTokens {
        var tokens = try await token([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI)], now: now)
        if app.provider == .mailchimp { tokens = try await withMetadata(tokens) }
        return tokens
    }

    /// New tokens for `refreshToken`; the refresh token to keep is the answer's if it gave
    /// one (QuickBooks may rotate it), else the one sent.
    public func refresh(refreshToken: String, now: Date) async throws -> OAuthTokens {
        var tokens = try await token([("grant_type", "refresh_token"), ("refresh_token", refreshToken)], now: now)
        if tokens.refreshToken == nil { tokens.refreshToken = refreshToken }
        return tokens
    }

    /// Revokes `token` at the provider (its access, and for Square the merchant's grant).
    public func revoke(token: String) async throws {
        guard let revokeURL = app.revokeURL else { return }
        var request = HTTPClientRequest(url: revokeURL)
        request.method = .POST
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "Content-Type", value: "application/json")
        switch app.provider {
        case .square:
            request.headers.add(name: "Authorization", value: "Client \(app.clientSecret)")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["client_id": app.clientID, "access_token": token])))
        case .quickbooks, .mailchimp:
            request.headers.add(name: "Authorization", value: basicAuthorization)
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: ["token": token])))
        }
        let (status, body) = try await send(request)
        guard (200..<300).contains(status) else { throw Self.error(status: status, body: body) }
    }

    /// One read with `accessToken`, to show the connection works: Square's ListLocations,
    /// Mailchimp's ping (on the account's data centre `accountID`), QuickBooks' CompanyInfo of
    /// the realm `accountID`. Throws the provider's refusal (401 for a dead token).
    public func testCall(accessToken: String, accountID: String?) async throws {
        let url: String
        switch app.provider {
        case .square:
            url = (app.apiBaseURL ?? "https://connect.squareup.com") + "/v2/locations"
        case .mailchimp:
            url = (app.apiBaseURL ?? "https://\(accountID ?? "us1").api.mailchimp.com") + "/3.0/ping"
        case .quickbooks:
            let realm = accountID ?? ""
            url = (app.apiBaseURL ?? "https://quickbooks.api.intuit.com") + "/v3/company/\(realm)/companyinfo/\(realm)"
        }
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "Authorization", value: "Bearer \(accessToken)")
        let (status, body) = try await send(request)
        guard (200..<300).contains(status) else { throw Self.error(status: status, body: body) }
    }

    // MARK: Parts

    private var basicAuthorization: String {
        "Basic " + Data("\(app.clientID):\(app.clientSecret)".utf8).base64EncodedString()
    }

    private func token(_ fields: [(String, String)], now: Date) async throws -> OAuthTokens {
        var request = HTTPClientRequest(url: app.tokenURL)
        request.method = .POST
        request.headers.add(name: "Accept", value: "application/json")
        switch app.provider {
        case .square:
            var object: [String: String] = ["client_id": app.clientID, "client_secret": app.clientSecret]
            for (name, value) in fields { object[name] = value }
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])))
        case .quickbooks:
            request.headers.add(name: "Authorization", value: basicAuthorization)
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: Self.form(fields)))
        case .mailchimp:
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: Self.form(fields + [("client_id", app.clientID), ("client_secret", app.clientSecret)])))
        }
        let (status, body) = try await send(request)
        guard (200..<300).contains(status) else { throw Self.error(status: status, body: body) }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let access = object["access_token"] as? String, !access.isEmpty
        else { throw OAuthError(status: status, code: "invalid_response", message: "the token endpoint answered without an access_token") }
        return OAuthTokens(
            accessToken: access, refreshToken: (object["refresh_token"] as? String).flatMap { $0.isEmpty ? nil : $0 },
            expiresAt: Self.expiry(object, now: now), accountID: object["merchant_id"] as? String)
    }

    /// When the access token expires: Square's `expires_at`, else `expires_in` seconds from
    /// `now`; `expires_in: 0` (Mailchimp) and no field at all mean it does not.
    static func expiry(_ object: [String: Any], now: Date) -> Date? {
        if let text = object["expires_at"] as? String {
            return try? Date.ISO8601FormatStyle(includingFractionalSeconds: text.contains(".")).parse(text)
        }
        let seconds = (object["expires_in"] as? NSNumber)?.doubleValue ?? (object["expires_in"] as? String).flatMap(Double.init)
        guard let seconds, seconds > 0 else { return nil }
        return now.addingTimeInterval(seconds)
    }

    private func withMetadata(_ tokens: OAuthTokens) async throws -> OAuthTokens {
        guard let metadataURL = app.metadataURL else { return tokens }
        var request = HTTPClientRequest(url: metadataURL)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "Authorization", value: "OAuth \(tokens.accessToken)")
        let (status, body) = try await send(request)
        guard (200..<300).contains(status), let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw Self.error(status: status, body: body)
        }
        var tokens = tokens
        tokens.accountID = object["dc"] as? String
        tokens.accountName = object["accountname"] as? String
        return tokens
    }

    private func send(_ request: HTTPClientRequest) async throws -> (Int, [UInt8]) {
        do {
            let response = try await http.execute(request, timeout: timeout)
            let body = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), Array(body.readableBytesView))
        } catch let error as OAuthError {
            throw error
        } catch {
            throw OAuthError(status: nil, code: "unreachable", message: "\(app.provider.rawValue)'s token endpoint could not be reached: \(error)")
        }
    }

    /// The provider's refusal: OAuth's `error`/`error_description`, or Square's `errors[]`.
    static func error(status: Int, body: [UInt8]) -> OAuthError {
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        if let code = object?["error"] as? String {
            return OAuthError(status: status, code: code, message: object?["error_description"] as? String ?? object?["message"] as? String ?? "")
        }
        if let first = (object?["errors"] as? [[String: Any]])?.first {
            return OAuthError(status: status, code: first["code"] as? String ?? "error", message: first["detail"] as? String ?? "")
        }
        return OAuthError(status: status, code: "http_\(status)", message: String(decoding: body.prefix(200), as: UTF8.self))
    }

    static func form(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
    }
}
