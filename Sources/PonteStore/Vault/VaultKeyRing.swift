import Crypto
import Foundation

/// The credential vault's keys, by version: the highest version encrypts, every listed one
/// decrypts.
///
/// Written as `v1:<base64 of 32 bytes>,v2:<…>` (`PONTE_VAULT_KEYS`) or one entry a line (a key
/// file, where blank lines and `#` comments are allowed). To rotate: add a version, restart
/// (or `Vault.reload`), run `Vault.rotate`, then remove the old version once
/// `Vault.versionsInUse` no longer lists it.
///
/// Its `description` and mirror list versions only, never key bytes.
public struct VaultKeyRing: Sendable {
    private let keys: [Int: SymmetricKey]
    /// The versions in the ring, lowest first.
    public let versions: [Int]

    /// A ring of these keys, each 256 bits under a version from 1 up.
    public init(_ keys: [Int: SymmetricKey]) throws {
        guard !keys.isEmpty else { throw VaultError("the vault key ring is empty; give it at least one key") }
        for (version, key) in keys {
            guard version > 0 else { throw VaultError("vault key version \(version) is not allowed; versions are whole numbers from 1") }
            guard key.bitCount == 256 else {
                throw VaultError("vault key v\(version) is \(key.bitCount / 8) bytes; AES-256-GCM needs 32")
            }
        }
        self.keys = keys
        self.versions = keys.keys.sorted()
    }

    /// The version that encrypts: the highest.
    public var currentVersion: Int { versions[versions.count - 1] }

    /// The key of `version`, or nil when the ring does not have it.
    public func key(version: Int) -> SymmetricKey? { keys[version] }

    // MARK: Parsing

    /// A ring read from `PONTE_VAULT_KEYS`' comma-separated form or a key file's lines (both may
    /// be mixed: entries are split on commas and newlines). `source` names where the text came
    /// from in error messages.
    public static func parse(_ text: String, source: String = "PONTE_VAULT_KEYS") throws -> VaultKeyRing {
        let entries = text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.hasPrefix("#") }
            .flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            .filter { !$0.isEmpty }
        guard !entries.isEmpty else {
            throw VaultError("\(source) has no keys; give it an entry `v1:<base64 of 32 bytes>` (make a key with `openssl rand -base64 32`)")
        }
        var keys: [Int: SymmetricKey] = [:]
        for (index, entry) in entries.enumerated() {
            // Messages name the entry by position only: its text may be a key.
            let (version, key) = try parseEntry(entry, "\(source) entry \(index + 1)")
            guard keys[version] == nil else {
                throw VaultError("\(source) lists version \(version) twice (entry \(index + 1) again); keep one key per version")
            }
            keys[version] = key
        }
        return try VaultKeyRing(keys)
    }

    private static func parseEntry(_ entry: String, _ name: String) throws -> (Int, SymmetricKey) {
        let format = "\(name) is not `vN:<base64 of 32 bytes>`"
        let make = "make a key with `openssl rand -base64 32`"
        guard let colon = entry.firstIndex(of: ":"), entry.hasPrefix("v") else {
            throw VaultError("\(format): it does not start with a version such as `v1:`; \(make)")
        }
        let versionText = entry[entry.index(after: entry.startIndex)..<colon]
        guard let version = Int(versionText) else {
            throw VaultError("\(format): its version is not a whole number; write it as `v1:`, `v2:`, …")
        }
        guard version > 0 else {
            throw VaultError("\(format): its version is \(version); versions are whole numbers from 1")
        }
        let encoded = entry[entry.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        guard let bytes = Data(base64Encoded: encoded) else {
            throw VaultError("\(format): its key is not base64; \(make)")
        }
        guard bytes.count == 32 else {
            throw VaultError("\(format): its key decodes to \(bytes.count) bytes; \(make)")
        }
        return (version, SymmetricKey(data: bytes))
    }
}

extension VaultKeyRing: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "VaultKeyRing(versions: \(versions.map { "v\($0)" }.joined(separator: ", ")); current: v\(currentVersion))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["versions": versions], displayStyle: .struct)
    }
}
