import HTTPTypes
import Hummingbird

/// The `Idempotency-Key` a client sends so that a retried create returns what the first
/// request made (orders, payment sessions).
public enum IdempotencyKey {
    public static let header = HTTPField.Name("Idempotency-Key")!

    /// The request's key, nil when it sent none; `400 INVALID_IDEMPOTENCY_KEY` when it is not
    /// 1 to 200 printable ASCII characters without spaces.
    public static func read(_ request: Request) throws -> String? {
        guard let value = request.headers[header] else { return nil }
        guard (1...200).contains(value.count), value.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
            throw APIError.badRequest("INVALID_IDEMPOTENCY_KEY", "Idempotency-Key must be 1 to 200 printable ASCII characters without spaces")
        }
        return value
    }

    /// The header's description, for an operation that takes it.
    public static let schema = JSONSchema.string(minLength: 1, maxLength: 200)
}
