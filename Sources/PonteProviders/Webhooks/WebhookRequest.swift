import Foundation

/// The parts of an inbound HTTP request a verifier needs, exactly as received.
public struct WebhookRequest: Sendable {
    /// HTTP method, e.g. "POST" (Mailchimp's validation call uses "GET").
    public var method: String
    /// Public URL the provider called: scheme, host, path and query.
    public var url: String
    /// Header fields in the order received; names keep their original case.
    public var headers: [(name: String, value: String)]
    /// Raw body bytes, never re-serialised.
    public var body: [UInt8]

    /// Creates a request from its raw parts.
    public init(
        method: String = "POST",
        url: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = []
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The value of the first header whose name matches `name`, ignoring ASCII case.
    public func header(_ name: String) -> String? {
        for field in headers where Self.asciiCaseInsensitiveEqual(field.name, name) {
            return field.value
        }
        return nil
    }

    // Header names are ASCII tokens, so ASCII case folding is enough and avoids
    // allocating lowercased copies on every lookup.
    private static func asciiCaseInsensitiveEqual(_ lhs: String, _ rhs: String) -> Bool {
        let left = lhs.utf8
        let right = rhs.utf8
        guard left.count == right.count else { return false }
        for (a, b) in zip(left, right) where a != b {
            guard ASCII.lowercased(a) == ASCII.lowercased(b) else { return false }
        }
        return true
    }
}
