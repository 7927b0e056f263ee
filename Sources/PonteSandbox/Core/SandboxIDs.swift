import Foundation

/// Identifiers in each provider's own shape: a prefix and random lowercase alphanumerics
/// (`pi_3Qx...`, `pay_...`, `SM` + 32 hex digits, UUIDs for iFood).
public enum SandboxIDs {
    private static let alphanumerics = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    private static let hexDigits = Array("0123456789abcdef")

    /// `prefix` followed by `length` random letters and digits, e.g. `random("pi_", 24)`.
    public static func random(_ prefix: String, length: Int = 24) -> String {
        prefix + String((0..<length).map { _ in alphanumerics.randomElement()! })
    }

    /// `prefix` followed by `length` random lowercase hex digits (Twilio SIDs: `SM` + 32).
    public static func hex(_ prefix: String, length: Int = 32) -> String {
        prefix + String((0..<length).map { _ in hexDigits.randomElement()! })
    }

    /// A lowercase UUID, as iFood uses for orders, events and merchants.
    public static func uuid() -> String {
        UUID().uuidString.lowercased()
    }
}
