import Foundation

/// Masks credentials in text that leaves the client (error messages, log lines).
///
/// Header values are never logged, but a provider may echo a key in its error message;
/// every credential a client was built with is masked wherever it appears.
public struct SecretRedactor: Sendable {
    /// Headers whose values are credentials, lower case.
    public static let sensitiveHeaders: Set<String> = [
        "authorization", "proxy-authorization", "access_token", "access-token", "x-api-key", "api-key",
        "cookie", "set-cookie", "x-auth-token",
    ]

    private let secrets: [String]

    /// - Parameter secrets: the credentials to mask; values shorter than 4 characters are
    ///   ignored (masking them would mangle ordinary text and protect nothing).
    public init(secrets: [String] = []) {
        self.secrets = secrets.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    /// `text` with every secret replaced by `[REDACTED]`.
    public func redact(_ text: String) -> String {
        var text = text
        for secret in secrets where text.contains(secret) {
            text = text.replacingOccurrences(of: secret, with: "[REDACTED]")
        }
        return text
    }

    /// `headers` with the values of sensitive ones replaced by `[REDACTED]`.
    public func redact(headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        headers.map { header in
            Self.sensitiveHeaders.contains(header.name.lowercased())
                ? (name: header.name, value: "[REDACTED]") : (name: header.name, value: redact(header.value))
        }
    }

    /// A redactor masking the secrets of both.
    public func adding(_ other: [String]) -> SecretRedactor {
        SecretRedactor(secrets: secrets + other)
    }
}
