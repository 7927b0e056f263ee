import Crypto
import Foundation

/// Where the admin-token key comes from: `PONTE_JWT_SECRET`, or a random key created once
/// and kept in `<data dir>/jwt-secret` with mode 0600.
public enum TokenSecret {
    public static let fileName = "jwt-secret"

    /// The key bytes, and whether they came from the generated file.
    public static func resolve(configured: String?, dataDirectory: String) throws -> (secret: [UInt8], fromFile: Bool) {
        if let configured { return (Array(configured.utf8), false) }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(fileName).path
        // Whoever creates the file first (O_EXCL) writes the key; everyone else reads it. The file
        // is created with mode 0600, so the key is never readable by others, even briefly.
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        let hex = Array(key.map { String(format: "%02x", $0) }.joined().utf8)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if descriptor >= 0 {
            defer { close(descriptor) }
            let written = hex.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written == hex.count, fsync(descriptor) == 0 else {
                throw ConfigurationError(message: "cannot write the token key file '\(path)'; set PONTE_JWT_SECRET or fix the directory")
            }
            return (hex, true)
        }
        guard errno == EEXIST else {
            throw ConfigurationError(message: "cannot create the token key file '\(path)' (errno \(errno)); set PONTE_JWT_SECRET or fix the directory's permissions")
        }
        // Another process may have created it an instant ago: wait briefly for its content.
        for _ in 0..<50 {
            if let existing = FileManager.default.contents(atPath: path), existing.count >= hex.count {
                return (Array(existing), true)
            }
            usleep(10_000)
        }
        throw ConfigurationError(message: "the token key file '\(path)' is empty or truncated; delete it or set PONTE_JWT_SECRET")
    }
}
