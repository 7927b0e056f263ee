/// Why the credential vault cannot do what was asked: a malformed or missing key, a record
/// that does not decrypt. The message says what is wrong and what to do about it, and never
/// holds key material or a credential.
public struct VaultError: Error, CustomStringConvertible, Sendable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
