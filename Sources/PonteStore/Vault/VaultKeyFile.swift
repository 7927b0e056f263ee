import Crypto
import Foundation

/// Where the vault's keys come from: `PONTE_VAULT_KEYS`, else the file `PONTE_VAULT_KEY_FILE`
/// names, else `<data dir>/vault-keys`, created with a random `v1` (mode 0600) when absent.
extension VaultKeyRing {
    public static let environmentKeys = "PONTE_VAULT_KEYS"
    public static let environmentKeyFile = "PONTE_VAULT_KEY_FILE"
    public static let fileName = "vault-keys"

    /// The ring configured in `environment`, and the path of the key file when this call
    /// created it (the caller should warn: that file must be kept and backed up with the
    /// database, or the credentials cannot be read).
    ///
    /// - `PONTE_VAULT_KEYS`: `v1:<base64 of 32 bytes>,v2:<…>`.
    /// - `PONTE_VAULT_KEY_FILE`: a file with one `vN:<base64>` a line; it must exist.
    /// - Neither: `<dataDirectory>/vault-keys`, created with a random `v1` if absent.
    public static func load(environment: [String: String], dataDirectory: String) throws -> (ring: VaultKeyRing, createdFile: String?) {
        if let keys = environment[environmentKeys] {
            return (try parse(keys, source: environmentKeys), nil)
        }
        if let path = environment[environmentKeyFile] {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw VaultError(
                    "\(environmentKeyFile) names '\(path)', which cannot be read; create it with a line `v1:<base64 of 32 bytes>` "
                        + "(make a key with `openssl rand -base64 32`), fix its permissions, or unset \(environmentKeyFile)"
                )
            }
            return (try parse(String(decoding: data, as: UTF8.self), source: "the vault key file '\(path)'"), nil)
        }
        return try VaultKeyFile.loadOrCreate(in: dataDirectory)
    }
}

/// The data directory's key file, created on first use.
private enum VaultKeyFile {
    static func loadOrCreate(in dataDirectory: String) throws -> (ring: VaultKeyRing, createdFile: String?) {
        let advice = "set \(VaultKeyRing.environmentKeys) or \(VaultKeyRing.environmentKeyFile), or fix the data directory"
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw VaultError("cannot create the data directory '\(dataDirectory)' for the vault key file: \(error); \(advice)")
        }
        let path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(VaultKeyRing.fileName).path
        let source = "the vault key file '\(path)'"
        // Whoever creates the file first (O_EXCL) writes the key; everyone else reads it. The file
        // is created with mode 0600, so the key is never readable by others, even briefly.
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
        let content = Array((fileHeader + "v1:\(key)\n").utf8)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if descriptor >= 0 {
            defer { close(descriptor) }
            let written = content.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written == content.count, fsync(descriptor) == 0 else {
                throw VaultError("cannot write \(source); \(advice)")
            }
            return (try VaultKeyRing.parse(String(decoding: content, as: UTF8.self), source: source), path)
        }
        guard errno == EEXIST else {
            throw VaultError("cannot create \(source) (errno \(errno)); \(advice)'s permissions")
        }
        // Another process may have created it an instant ago: wait briefly for its content.
        var lastError: (any Error)?
        for _ in 0..<50 {
            if let existing = FileManager.default.contents(atPath: path), !existing.isEmpty {
                do {
                    return (try VaultKeyRing.parse(String(decoding: existing, as: UTF8.self), source: source), nil)
                } catch {
                    lastError = error
                }
            }
            usleep(10_000)
        }
        throw lastError ?? VaultError("\(source) is empty; delete it (if no credential was stored with it) or \(advice)")
    }

    private static let fileHeader = """
        # Keys of Ponte's credential vault: one `vN:<base64 of 32 bytes>` a line. The highest
        # version encrypts; every listed one decrypts. Keep this file, and back it up with the
        # database: without it the stored credentials cannot be read.

        """
}
