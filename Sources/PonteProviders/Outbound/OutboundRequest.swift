import Foundation

/// One call to a provider's API, before it is sent.
public struct OutboundRequest: Sendable {
    /// The HTTP method, upper case (`GET`, `POST`, `DELETE`, ...).
    public var method: String
    /// The path below the endpoint's base URL, starting with `/`; segments taken from
    /// data must be escaped with `OutboundRequest.pathSegment(_:)`.
    public var path: String
    /// Query pairs, in order; names may repeat.
    public var query: [(name: String, value: String)]
    /// Extra headers (credentials included); `Content-Type` comes from `body`.
    public var headers: [(name: String, value: String)]
    public var body: OutboundBody
    /// A stable name for metrics and logs, such as `payment_intents.create`.
    public var operation: String
    /// The caller's idempotency key and the header the provider reads it from, if the
    /// provider honours one. The same key is sent on every attempt.
    public var idempotency: (header: String, key: String)?
    /// Whether repeating the request cannot repeat its effect: true for reads, for calls
    /// carrying an idempotency key the provider honours, and for state transitions.
    /// When false, the call is repeated in-call only when it certainly did not reach the
    /// provider (a failed connection) or the provider refused it unprocessed (429).
    public var isSafeToRetry: Bool

    /// - Parameter isSafeToRetry: defaults to true for `GET`/`HEAD` and for requests with
    ///   an idempotency key, false otherwise.
    public init(
        method: String, path: String, query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [], body: OutboundBody = .none, operation: String,
        idempotency: (header: String, key: String)? = nil, isSafeToRetry: Bool? = nil
    ) {
        self.method = method.uppercased()
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.operation = operation
        self.idempotency = idempotency
        self.isSafeToRetry =
            isSafeToRetry ?? (self.method == "GET" || self.method == "HEAD" || idempotency != nil)
    }

    /// `segment` escaped for use as one path segment (an id can never add a `/`, `?` or `..`).
    public static func pathSegment(_ segment: String) -> String {
        // ASCII letters and digits only: `CharacterSet.alphanumerics` would let non-ASCII letters through unescaped.
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:@")
        let escaped = segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
        return escaped == "." || escaped == ".." ? escaped.replacingOccurrences(of: ".", with: "%2E") : escaped
    }
}

/// The body of an `OutboundRequest`.
public enum OutboundBody: Sendable {
    case none
    /// `application/x-www-form-urlencoded`, pairs in order (names may repeat).
    case form([(name: String, value: String)])
    /// `application/json`, the exact bytes.
    case json([UInt8])

    /// `value` encoded as JSON.
    public static func json(encoding value: some Encodable, encoder: JSONEncoder = JSONEncoder()) throws -> OutboundBody {
        .json(Array(try encoder.encode(value)))
    }

    var contentType: String? {
        switch self {
        case .none: nil
        case .form: "application/x-www-form-urlencoded"
        case .json: "application/json"
        }
    }

    var bytes: [UInt8]? {
        switch self {
        case .none: nil
        case .form(let pairs): Array(FormURLEncoded.encode(pairs).utf8)
        case .json(let bytes): bytes
        }
    }
}
