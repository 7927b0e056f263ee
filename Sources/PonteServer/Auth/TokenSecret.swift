import Crypto
import Foundation
import Logging

/// Where the admin-token key comes from: `PONTE_JWT_SECRET`, or a random key created once
/// and kept in `<data dir>/jwt-secret` with mode 0600.
public enum TokenSecret {
    public static let fileName = "jwt-secret"

    /// The key bytes, and whether they came from the generated file.
    public static func resolve(configured: String?, dataDirectory: String) throws -> (secret: [UInt8], fromFile: Bool) {
        if let configured { return (Array(configured.utf8), false) }
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(fileName).path
        let manager = FileManager.default
        if let existing = manager.contents(atPath: path), !existing.isEmpty {
            return (Array(existing), true)
        }
        try manager.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        let hex = Array(key.map { String(format: "%02x", $0) }.joined().utf8)
        // Create with 0600 from the start so the key is never readable by others, even briefly.
        guard manager.createFile(atPath: path, contents: Data(hex), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigurationError(message: "cannot write the token key file '\(path)'; set PONTE_JWT_SECRET or fix the directory's permissions")
        }
        return (hex, true)
    }
}
