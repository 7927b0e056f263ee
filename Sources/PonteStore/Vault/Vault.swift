import Logging
import NIOCore
import Synchronization

/// Credentials (OAuth access and refresh tokens, API keys, webhook secrets) stored encrypted,
/// by owner (a connection, a store, a module) and name.
///
/// Each record is sealed with AES-256-GCM under the key ring's current key and a fresh random
/// nonce, and stored with its key's version. Its identity, `owner + "\u{0}" + name`, is the
/// associated data: a ciphertext copied to another row does not decrypt there.
///
/// Rotation: add a key version, restart or `reload` the ring, run `rotate` while the hub
/// serves; once `versionsInUse` lists only the new version, the old one can be removed.
/// Nothing here logs a credential or a key.
public struct Vault: Sendable {
    public let database: any StoreDatabase
    private let keys: Keys
    private let logger: Logger

    /// The ring, shared by every copy of this vault so that `reload` reaches them all.
    private final class Keys: Sendable {
        let ring: Mutex<VaultKeyRing>
        init(_ ring: VaultKeyRing) { self.ring = Mutex(ring) }
    }

    public init(ring: VaultKeyRing, database: any StoreDatabase, logger: Logger) {
        self.database = database
        self.keys = Keys(ring)
        self.logger = logger
    }

    /// The keys in use now.
    public var ring: VaultKeyRing { keys.ring.withLock { $0 } }

    /// Uses `ring` from now on (a version added or removed without a restart); records sealed
    /// since keep the version they were sealed with.
    public func reload(_ ring: VaultKeyRing) {
        keys.ring.withLock { $0 = ring }
    }

    /// The associated data a record is sealed under: `owner`, a NUL, `name`. Neither may hold a
    /// NUL, so no two records share an identity.
    public static func identity(owner: String, name: String) throws -> String {
        guard !owner.isEmpty, !name.isEmpty, !owner.contains("\u{0}"), !name.contains("\u{0}") else {
            throw VaultError("a vault credential needs a non-empty owner and name without NUL characters")
        }
        return owner + "\u{0}" + name
    }

    // MARK: Writing (in the caller's transaction)

    /// Stores `secret` as `owner`'s credential `name`, replacing any earlier one, in the
    /// transaction `sql`. `now` is microseconds since the Unix epoch.
    public func put(owner: String, name: String, secret: [UInt8], now: Int64, in sql: any SQLExecutor) async throws {
        let sealed = try ring.seal(secret, identity: try Self.identity(owner: owner, name: name))
        try await sql.execute(
            """
            INSERT INTO vault_secrets (owner, name, key_version, ciphertext, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (owner, name) DO UPDATE SET key_version = excluded.key_version, ciphertext = excluded.ciphertext,
            updated_at = excluded.updated_at
            """,
            [.text(owner), .text(name), .integer(Int64(sealed.keyVersion)), .blob(ByteBuffer(bytes: sealed.combined)), .integer(now), .integer(now)]
        )
    }

    /// Stores the UTF-8 text `secret` (see `put(owner:name:secret:now:in:)`).
    public func put(owner: String, name: String, secret: String, now: Int64, in sql: any SQLExecutor) async throws {
        try await put(owner: owner, name: name, secret: Array(secret.utf8), now: now, in: sql)
    }

    /// Deletes `owner`'s credential `name`; true when there was one.
    @discardableResult
    public func delete(owner: String, name: String, in sql: any SQLExecutor) async throws -> Bool {
        !(try await sql.query("DELETE FROM vault_secrets WHERE owner = ? AND name = ? RETURNING name", [.text(owner), .text(name)])).isEmpty
    }

    /// Deletes every credential of `owner` (a connection removed); returns how many there were.
    @discardableResult
    public func deleteAll(owner: String, in sql: any SQLExecutor) async throws -> Int {
        try await sql.query("DELETE FROM vault_secrets WHERE owner = ? RETURNING name", [.text(owner)]).count
    }

    // MARK: Reading

    /// `owner`'s credential `name`, decrypted, or nil when there is none.
    public func get(owner: String, name: String) async throws -> [UInt8]? {
        try open(try await database.read(Self.select, [.text(owner), .text(name)]).first)
    }

    /// `get`, inside the transaction `sql` (which sees its own uncommitted writes).
    public func get(owner: String, name: String, in sql: any SQLExecutor) async throws -> [UInt8]? {
        try open(try await sql.query(Self.select, [.text(owner), .text(name)]).first)
    }

    /// `owner`'s credential `name` as UTF-8 text, or nil when there is none.
    public func getString(owner: String, name: String) async throws -> String? {
        try await get(owner: owner, name: name).map { String(decoding: $0, as: UTF8.self) }
    }

    /// How many records each key version encrypts: a version no longer listed can be removed
    /// from the ring.
    public func versionsInUse() async throws -> [Int: Int] {
        var counts: [Int: Int] = [:]
        for row in try await database.read("SELECT key_version, COUNT(*) AS records FROM vault_secrets GROUP BY key_version", []) {
            counts[Int(try row.requiredInteger(0, "key_version"))] = Int(try row.requiredInteger(1, "records"))
        }
        return counts
    }

    private static let select = "SELECT owner, name, key_version, ciphertext FROM vault_secrets WHERE owner = ? AND name = ?"

    private func open(_ row: SQLRow?) throws -> [UInt8]? {
        guard let row else { return nil }
        let record = try Record(row)
        return try ring.open(record.sealed, identity: try Self.identity(owner: record.owner, name: record.name), label: record.label)
    }

    // MARK: Rotation

    /// Re-encrypts every record whose key version is older than the ring's current one, in
    /// batches of `batchSize`, each in one write transaction, until none is left.
    ///
    /// Safe to run while the hub serves, again, or in several processes at once: a batch takes
    /// only records still on an old version (on PostgreSQL skipping rows another transaction
    /// holds), and an interrupted run leaves every finished batch done, so the next run picks
    /// up what is left. `updated_at` is left as it was: the credential itself did not change.
    public func rotate(batchSize: Int = 500) async throws -> VaultRotation {
        guard batchSize > 0 else { throw VaultError("a vault rotation's batch size must be at least 1, not \(batchSize)") }
        var rotation = VaultRotation(reencrypted: 0, batches: 0, keyVersion: ring.currentVersion)
        while true {
            try Task.checkCancellation()
            let batch = try await rotationBatch(limit: batchSize)
            rotation.keyVersion = batch.keyVersion
            if batch.reencrypted > 0 {
                rotation.reencrypted += batch.reencrypted
                rotation.batches += 1
                logger.debug("vault batch re-encrypted", metadata: ["records": "\(batch.reencrypted)", "key_version": "\(batch.keyVersion)"])
            }
            if batch.selected < batchSize { break }
        }
        logger.info(
            "vault rotation finished",
            metadata: ["records": "\(rotation.reencrypted)", "batches": "\(rotation.batches)", "key_version": "\(rotation.keyVersion)"]
        )
        return rotation
    }

    /// One batch of `rotate`: re-encrypts up to `limit` records still on an old key version,
    /// in one write transaction; returns how many it re-encrypted.
    @discardableResult
    public func rotateBatch(limit: Int) async throws -> Int {
        try await rotationBatch(limit: limit).reencrypted
    }

    private func rotationBatch(limit: Int) async throws -> (selected: Int, reencrypted: Int, keyVersion: Int) {
        let ring = self.ring
        let current = ring.currentVersion
        return try await database.write { sql in
            let rows = try await sql.query(
                "SELECT owner, name, key_version, ciphertext FROM vault_secrets WHERE key_version < ? ORDER BY owner, name LIMIT ?"
                    + sql.dialect.skipLocked,
                [.integer(Int64(current)), .integer(Int64(limit))]
            )
            var reencrypted = 0
            for row in rows {
                let record = try Record(row)
                let identity = try Self.identity(owner: record.owner, name: record.name)
                let sealed = try ring.seal(try ring.open(record.sealed, identity: identity, label: record.label), identity: identity)
                // Guarded by the version read, so a record `put` rewrote meanwhile stays as it is.
                let updated = try await sql.query(
                    "UPDATE vault_secrets SET key_version = ?, ciphertext = ? WHERE owner = ? AND name = ? AND key_version = ? RETURNING name",
                    [
                        .integer(Int64(sealed.keyVersion)), .blob(ByteBuffer(bytes: sealed.combined)), .text(record.owner), .text(record.name),
                        .integer(Int64(record.sealed.keyVersion)),
                    ]
                )
                reencrypted += updated.count
            }
            return (rows.count, reencrypted, current)
        }
    }

    /// A stored record: `owner, name, key_version, ciphertext`.
    private struct Record {
        let owner: String
        let name: String
        let sealed: SealedSecret

        init(_ row: SQLRow) throws {
            owner = try row.requiredText(0, "vault owner")
            name = try row.requiredText(1, "vault name")
            let version = try row.requiredInteger(2, "vault key_version")
            guard let ciphertext = row.blob(3) else { throw StoreError("unreadable vault ciphertext of \(owner)/\(name)") }
            sealed = SealedSecret(keyVersion: Int(version), combined: Array(ciphertext.readableBytesView))
        }

        /// How errors name the credential.
        var label: String { "\(owner)/\(name)" }
    }
}

/// What a `Vault.rotate` did.
public struct VaultRotation: Sendable, Equatable {
    /// Records re-encrypted with the current key.
    public var reencrypted: Int
    /// Write transactions that re-encrypted at least one record.
    public var batches: Int
    /// The version the records were re-encrypted with.
    public var keyVersion: Int
}
