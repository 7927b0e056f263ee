import Foundation

/// An OAuth 2.0 app registered with a provider (authorization-code flow), and that provider's
/// wire: where the browser is sent, how the token endpoint is called and what it answers.
///
/// Wire facts (see PROVIDERS.md): Square §2.5 — JSON body to `/oauth2/token` with the client
/// secret in it, `expires_at` as ISO 8601, `merchant_id`; revoke with `Authorization: Client
/// <secret>`. QuickBooks §3.4 — form body with HTTP Basic client auth, `expires_in` seconds, a
/// refresh token that may be replaced on every refresh, the company's `realmId` on the
/// callback. Mailchimp §14 — form body with the secret in it, `expires_in: 0` meaning never,
/// no refresh token; the account's data centre from `/oauth2/metadata` (`OAuth <token>`).
public struct OAuthApp: Sendable, Equatable {
    public enum Provider: String, Sendable, CaseIterable {
        case square, mailchimp, quickbooks
    }

    public var provider: Provider
    public var clientID: String
    public var clientSecret: String
    /// The browser's authorization page.
    public var authorizeURL: String
    public var tokenURL: String
    /// Nil when the provider has no revocation (Mailchimp: the user removes the app).
    public var revokeURL: String?
    /// Mailchimp's metadata call (the account's data centre).
    public var metadataURL: String?
    public var scopes: [String]
    /// Where the provider's API is called with the tokens (Mailchimp: nil, the account's data
    /// centre says).
    public var apiBaseURL: String?

    public init(
        provider: Provider, clientID: String, clientSecret: String, authorizeURL: String, tokenURL: String, revokeURL: String?,
        metadataURL: String? = nil, scopes: [String], apiBaseURL: String?
    ) {
        self.apiBaseURL = apiBaseURL
        self.provider = provider
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.authorizeURL = authorizeURL
        self.tokenURL = tokenURL
        self.revokeURL = revokeURL
        self.metadataURL = metadataURL
        self.scopes = scopes
    }

    /// Square's app on `base` (production `https://connect.squareup.com`).
    public static func square(clientID: String, clientSecret: String, base: String = "https://connect.squareup.com") -> OAuthApp {
        OAuthApp(
            provider: .square, clientID: clientID, clientSecret: clientSecret, authorizeURL: base + "/oauth2/authorize",
            tokenURL: base + "/oauth2/token", revokeURL: base + "/oauth2/revoke",
            scopes: ["MERCHANT_PROFILE_READ", "ITEMS_READ", "ITEMS_WRITE", "CUSTOMERS_READ", "CUSTOMERS_WRITE", "ORDERS_READ"],
            apiBaseURL: base)
    }

    /// Intuit's app: production hosts unless `base` (a sandbox of all three) is given.
    public static func quickbooks(clientID: String, clientSecret: String, base: String? = nil) -> OAuthApp {
        OAuthApp(
            provider: .quickbooks, clientID: clientID, clientSecret: clientSecret,
            authorizeURL: (base ?? "https://appcenter.intuit.com") + "/connect/oauth2",
            tokenURL: (base ?? "https://oauth.platform.intuit.com") + "/oauth2/v1/tokens/bearer",
            revokeURL: base.map { $0 + "/v2/oauth2/tokens/revoke" } ?? "https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
            scopes: ["com.intuit.quickbooks.accounting"], apiBaseURL: base ?? "https://quickbooks.api.intuit.com")
    }

    /// Mailchimp's app on `base` (production `https://login.mailchimp.com`).
    public static func mailchimp(clientID: String, clientSecret: String, base: String = "https://login.mailchimp.com") -> OAuthApp {
        OAuthApp(
            provider: .mailchimp, clientID: clientID, clientSecret: clientSecret, authorizeURL: base + "/oauth2/authorize",
            tokenURL: base + "/oauth2/token", revokeURL: nil, metadataURL: base + "/oauth2/metadata", scopes: [],
            apiBaseURL: base == "https://login.mailchimp.com" ? nil : base)
    }

    /// The page to send the venue's user to. (No PKCE: the hub keeps the client secret on the
    /// server, which is what the code flow is for; Square's PKCE flow is its flow for clients
    /// without a secret and makes refresh tokens single-use, PROVIDERS.md §2.5; Mailchimp
    /// documents none, §14.1.)
    public func authorizationURL(state: String, redirectURI: String) -> String {
        var components = URLComponents(string: authorizeURL) ?? URLComponents()
        var items = [URLQueryItem(name: "client_id", value: clientID)]
        switch provider {
        case .square:
            items += [URLQueryItem(name: "scope", value: scopes.joined(separator: " ")), URLQueryItem(name: "session", value: "false")]
        case .quickbooks:
            items += [URLQueryItem(name: "response_type", value: "code"), URLQueryItem(name: "scope", value: scopes.joined(separator: " "))]
        case .mailchimp:
            items += [URLQueryItem(name: "response_type", value: "code")]
        }
        items += [URLQueryItem(name: "redirect_uri", value: redirectURI), URLQueryItem(name: "state", value: state)]
        components.queryItems = (components.queryItems ?? []) + items
        // `+` and `&` inside values must be escaped: URLComponents leaves `+` alone.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return components.string ?? authorizeURL
    }
}

/// What a token endpoint gave: the access token, the refresh token to keep (nil when the
/// provider gives none), when the access token expires (nil: it does not), and the account.
public struct OAuthTokens: Sendable, Equatable {
    public var accessToken: String
    public var refreshToken: String?
    public var expiresAt: Date?
    /// Square's `merchant_id`; Mailchimp's account (filled by the metadata call).
    public var accountID: String?
    public var accountName: String?

    public init(accessToken: String, refreshToken: String?, expiresAt: Date?, accountID: String? = nil, accountName: String? = nil) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresAt = expiresAt
        self.accountID = accountID
        self.accountName = accountName
    }
}

/// A token endpoint's refusal or failure.
public struct OAuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status (nil: no answer).
    public var status: Int?
    /// The OAuth error code (`invalid_grant`, `invalid_client`, …) or the provider's.
    public var code: String
    public var message: String

    public init(status: Int?, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// Whether the grant or the app itself was refused, so trying again cannot help (the
    /// venue must connect again, or the app's credentials are wrong).
    public var isPermanent: Bool {
        guard let status else { return false }
        return (400..<500).contains(status) && status != 429
    }

    public var description: String {
        "\(code)" + (status.map { " (HTTP \($0))" } ?? "") + (message.isEmpty ? "" : ": \(message)")
    }
}
