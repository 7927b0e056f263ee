import Crypto

/// A credential encrypted by the vault: the version of the key that sealed it, and
/// AES-256-GCM's nonce ‖ ciphertext ‖ tag (`AES.GCM.SealedBox.combined`).
public struct SealedSecret: Sendable, Equatable {
    public let keyVersion: Int
    public let combined: [UInt8]

    public init(keyVersion: Int, combined: [UInt8]) {
        self.keyVersion = keyVersion
        self.combined = combined
    }
}

extension VaultKeyRing {
    /// `plaintext` encrypted with the current key under a fresh random nonce, bound to
    /// `identity` (authenticated, not stored): it opens only under the same identity.
    public func seal(_ plaintext: [UInt8], identity: String) throws -> SealedSecret {
        let version = currentVersion
        guard let key = key(version: version) else { throw VaultError("vault key v\(version) is missing from its own ring") }
        let box = try AES.GCM.seal(plaintext, using: key, nonce: AES.GCM.Nonce(), authenticating: Array(identity.utf8))
        // Nil only for nonces other than GCM's standard 12 bytes, which `Nonce()` always is.
        guard let combined = box.combined else { throw VaultError("AES-GCM gave no combined form of a sealed credential") }
        return SealedSecret(keyVersion: version, combined: Array(combined))
    }

    /// The plaintext of `sealed`, decrypted with the key of its version; fails when that key is
    /// not in the ring, or when the record was altered or sealed under another identity.
    public func open(_ sealed: SealedSecret, identity: String) throws -> [UInt8] {
        try open(sealed, identity: identity, label: identity)
    }

    /// `open`, naming the credential `label` in errors (the vault's identities hold a NUL).
    func open(_ sealed: SealedSecret, identity: String, label: String) throws -> [UInt8] {
        guard let key = key(version: sealed.keyVersion) else {
            throw VaultError(
                "the credential \(label) is encrypted with key v\(sealed.keyVersion), which is not in the vault key ring "
                    + "(it has \(versions.map { "v\($0)" }.joined(separator: ", "))); put v\(sealed.keyVersion) back in "
                    + "PONTE_VAULT_KEYS (or the vault key file): it must stay there until `ponte vault rotate` has finished"
            )
        }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.combined)
            return Array(try AES.GCM.open(box, using: key, authenticating: Array(identity.utf8)))
        } catch {
            throw VaultError(
                "the credential does not decrypt with key v\(sealed.keyVersion) for \(label): the record was altered or belongs to another owner"
            )
        }
    }
}
