import Foundation
import Testing

@testable import PonteStore

/// The credential vault: its key ring, sealing, the key file, storage and rotation.
@Suite struct VaultTests {
    static let key1 = randomKey()
    static let key2 = randomKey()
    static let ring1 = try! VaultKeyRing.parse("v1:\(key1)")
    static let ring2 = try! VaultKeyRing.parse("v2:\(key2)")
    static let ring12 = try! VaultKeyRing.parse("v1:\(key1),v2:\(key2)")
    static let now: Int64 = 1_750_000_000_000_000

    // MARK: Key ring

    @Test func bothFormsParseWithCommentsAndTheHighestVersionEncrypts() throws {
        let fromEnvironment = try VaultKeyRing.parse("v2:\(Self.key2), v1:\(Self.key1)")
        let fromFile = try VaultKeyRing.parse(
            """
            # rotated in June
            v1:\(Self.key1)

              # the new one
            v2:\(Self.key2)\r
            """
        )
        for ring in [fromEnvironment, fromFile] {
            #expect(ring.versions == [1, 2])
            #expect(ring.currentVersion == 2)
            #expect(try ring.seal(Array("x".utf8), identity: "a").keyVersion == 2)
        }
        // The same keys, whichever form: each opens what the other sealed.
        let sealed = try fromFile.seal(Array("token".utf8), identity: "a")
        #expect(try fromEnvironment.open(sealed, identity: "a") == Array("token".utf8))
    }

    @Test func malformedRingsAreRefusedSayingWhatIsWrongWithoutShowingKeys() throws {
        let short = Data(repeating: 7, count: 16).base64EncodedString()
        let a = Self.key1
        let b = Self.key2
        let cases: [(input: String, says: String)] = [
            ("v1:\(a),v2:\(short)", "PONTE_VAULT_KEYS entry 2 is not `vN:<base64 of 32 bytes>`: its key decodes to 16 bytes; make a key with `openssl rand -base64 32`"),
            ("v1:\(a)\nv1:\(b)", "PONTE_VAULT_KEYS lists version 1 twice"),
            ("v1:\(a),v0:\(b)", "entry 2 is not `vN:<base64 of 32 bytes>`: its version is 0; versions are whole numbers from 1"),
            ("v1:\(a),v-2:\(b)", "its version is -2"),
            ("v1:\(a),vx:\(b)", "entry 2 is not `vN:<base64 of 32 bytes>`: its version is not a whole number"),
            ("v1:\(a),\(b)", "entry 2 is not `vN:<base64 of 32 bytes>`: it does not start with a version"),
            ("v1:\(a),v2:not-base64!", "entry 2 is not `vN:<base64 of 32 bytes>`: its key is not base64"),
            ("v1:\(a), v2:", "its key decodes to 0 bytes"),
            ("", "PONTE_VAULT_KEYS has no keys"),
            ("# only a comment\n\n   \n", "PONTE_VAULT_KEYS has no keys"),
        ]
        for (input, says) in cases {
            let error = #expect(throws: VaultError.self, "\(says)") { try VaultKeyRing.parse(input) }
            let message = error?.message ?? ""
            #expect(message.contains(says), "\(message)")
            for secret in [a, b, short] { #expect(!message.contains(secret), "\(message)") }
        }
    }

    @Test func aRingDescribesItsVersionsOnly() {
        var dumped = ""
        dump(Self.ring12, to: &dumped)
        for text in [String(describing: Self.ring12), String(reflecting: Self.ring12), dumped] {
            #expect(text.contains("1") && text.contains("2"))
            #expect(!text.contains(Self.key1) && !text.contains(Self.key2), "\(text)")
        }
        // A dump shows the mirror, which holds no key.
        #expect(!dumped.contains("SymmetricKey"), "\(dumped)")
        #expect(String(describing: Self.ring12) == "VaultKeyRing(versions: v1, v2; current: v2)")
    }

    // MARK: Sealing

    @Test func aSealedSecretOpensUnderItsIdentityOnly() throws {
        let plaintext = Array("sk_live_51H-SECRET".utf8)
        let sealed = try Self.ring1.seal(plaintext, identity: "acme\u{0}stripe")
        #expect(sealed.keyVersion == 1)
        #expect(sealed.combined.count == 12 + plaintext.count + 16)
        #expect(try Self.ring1.open(sealed, identity: "acme\u{0}stripe") == plaintext)
        let error = #expect(throws: VaultError.self) { try Self.ring1.open(sealed, identity: "other\u{0}stripe") }
        #expect(error?.message.contains("does not decrypt with key v1") == true)
        #expect(error?.message.contains("the record was altered or belongs to another owner") == true)
    }

    @Test func everySealHasAFreshNonce() throws {
        let plaintext = Array("same token".utf8)
        let first = try Self.ring1.seal(plaintext, identity: "a")
        let second = try Self.ring1.seal(plaintext, identity: "a")
        #expect(first.combined != second.combined)
        #expect(first.combined.prefix(12) != second.combined.prefix(12))
    }

    @Test func anAlteredCiphertextDoesNotOpen() throws {
        let sealed = try Self.ring1.seal(Array("refresh-token".utf8), identity: "a")
        for index in [0, 12, sealed.combined.count - 1] {
            var bytes = sealed.combined
            bytes[index] ^= 0x01
            #expect(throws: VaultError.self) { try Self.ring1.open(SealedSecret(keyVersion: 1, combined: bytes), identity: "a") }
        }
        #expect(throws: VaultError.self) { try Self.ring1.open(SealedSecret(keyVersion: 1, combined: [1, 2, 3]), identity: "a") }
    }

    @Test func aRecordOfAVersionMissingFromTheRingIsRefusedSayingSo() throws {
        let sealed = try Self.ring12.seal(Array("api-key".utf8), identity: "a")
        let error = #expect(throws: VaultError.self) { try Self.ring1.open(sealed, identity: "a") }
        let message = error?.message ?? ""
        #expect(message.contains("encrypted with key v2, which is not in the vault key ring (it has v1)"), "\(message)")
        #expect(message.contains("until `ponte vault rotate` has finished"), "\(message)")
    }

    // MARK: Key file

    @Test func withoutConfigurationAKeyFileIsCreatedOnceWithMode0600() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = directory.path + "/data"
        let first = try VaultKeyRing.load(environment: [:], dataDirectory: data)
        let path = data + "/vault-keys"
        #expect(first.createdFile == path)
        #expect(first.ring.versions == [1])
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        let sealed = try first.ring.seal(Array("whsec_abc".utf8), identity: "a")
        let second = try VaultKeyRing.load(environment: [:], dataDirectory: data)
        #expect(second.createdFile == nil)
        #expect(try second.ring.open(sealed, identity: "a") == Array("whsec_abc".utf8))
    }

    @Test func processesStartingAtOnceAgreeOnOneKeyFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let loads = try await withThrowingTaskGroup(of: (ring: VaultKeyRing, createdFile: String?).self) { group in
            for _ in 0..<8 { group.addTask { try VaultKeyRing.load(environment: [:], dataDirectory: directory.path) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(loads.filter { $0.createdFile != nil }.count == 1)
        let sealed = try loads[0].ring.seal(Array("x".utf8), identity: "a")
        for load in loads { #expect(try load.ring.open(sealed, identity: "a") == Array("x".utf8)) }
    }

    @Test func configuredKeysComeBeforeTheDataDirectorysFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let fromEnvironment = try VaultKeyRing.load(environment: ["PONTE_VAULT_KEYS": "v1:\(Self.key1),v2:\(Self.key2)"], dataDirectory: directory.path)
        #expect(fromEnvironment.ring.versions == [1, 2] && fromEnvironment.createdFile == nil)
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/vault-keys"))

        let file = directory.path + "/keys.txt"
        try "# ours\nv3:\(Self.key1)\n".write(toFile: file, atomically: true, encoding: .utf8)
        let fromFile = try VaultKeyRing.load(environment: ["PONTE_VAULT_KEY_FILE": file], dataDirectory: directory.path)
        #expect(fromFile.ring.versions == [3] && fromFile.createdFile == nil)

        let missing = #expect(throws: VaultError.self) {
            try VaultKeyRing.load(environment: ["PONTE_VAULT_KEY_FILE": directory.path + "/absent"], dataDirectory: directory.path)
        }
        #expect(missing?.message.contains("PONTE_VAULT_KEY_FILE names '\(directory.path)/absent', which cannot be read") == true)
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/vault-keys"))
    }

    // MARK: Storage

    @Test(arguments: Backend.available)
    func credentialsAreStoredReadReplacedAndDeleted(backend: Backend) async throws {
        try await withMigratedVault(backend) { vault, database in
            try await database.write { sql in
                try await vault.put(owner: "acme", name: "stripe.api_key", secret: "sk_live_1", now: Self.now, in: sql)
                try await vault.put(owner: "acme", name: "ifood.refresh", secret: "rt_1", now: Self.now, in: sql)
                try await vault.put(owner: "beta", name: "stripe.api_key", secret: "sk_live_2", now: Self.now, in: sql)
                #expect(try await vault.get(owner: "acme", name: "ifood.refresh", in: sql) == Array("rt_1".utf8))
            }
            #expect(try await vault.getString(owner: "acme", name: "stripe.api_key") == "sk_live_1")
            #expect(try await vault.getString(owner: "beta", name: "stripe.api_key") == "sk_live_2")
            #expect(try await vault.get(owner: "acme", name: "absent") == nil)

            try await database.write { sql in
                try await vault.put(owner: "acme", name: "stripe.api_key", secret: Array("sk_live_3".utf8), now: Self.now + 5, in: sql)
            }
            #expect(try await vault.getString(owner: "acme", name: "stripe.api_key") == "sk_live_3")
            let times = try #require(
                try await database.read("SELECT created_at, updated_at FROM vault_secrets WHERE owner = 'acme' AND name = 'stripe.api_key'", []).first
            )
            #expect(times["created_at"] == .integer(Self.now) && times["updated_at"] == .integer(Self.now + 5))

            let deletedOnce = try await database.write { sql in try await vault.delete(owner: "acme", name: "ifood.refresh", in: sql) }
            let deletedTwice = try await database.write { sql in try await vault.delete(owner: "acme", name: "ifood.refresh", in: sql) }
            #expect(deletedOnce && !deletedTwice)
            #expect(try await vault.get(owner: "acme", name: "ifood.refresh") == nil)
            #expect(try await database.write { sql in try await vault.deleteAll(owner: "acme", in: sql) } == 1)
            #expect(try await vault.get(owner: "acme", name: "stripe.api_key") == nil)
            #expect(try await vault.getString(owner: "beta", name: "stripe.api_key") == "sk_live_2")
            #expect(try await vault.versionsInUse() == [1: 1])
        }
    }

    @Test(arguments: Backend.available)
    func aCiphertextCopiedToAnotherRowDoesNotDecrypt(backend: Backend) async throws {
        try await withMigratedVault(backend) { vault, database in
            try await database.write { sql in
                try await vault.put(owner: "acme", name: "stripe.api_key", secret: "sk_live_acme", now: Self.now, in: sql)
                try await vault.put(owner: "beta", name: "stripe.api_key", secret: "sk_live_beta", now: Self.now, in: sql)
                try await vault.put(owner: "acme", name: "twilio.token", secret: "tw_acme", now: Self.now, in: sql)
                let copy = "UPDATE vault_secrets SET ciphertext = (SELECT ciphertext FROM vault_secrets WHERE owner = 'acme' AND name = 'stripe.api_key') WHERE owner = ? AND name = ?"
                try await sql.execute(copy, ["beta", "stripe.api_key"])
                try await sql.execute(copy, ["acme", "twilio.token"])
            }
            #expect(try await vault.getString(owner: "acme", name: "stripe.api_key") == "sk_live_acme")
            for (owner, name) in [("beta", "stripe.api_key"), ("acme", "twilio.token")] {
                let error = await #expect(throws: VaultError.self) { try await vault.get(owner: owner, name: name) }
                #expect(
                    error?.message == "the credential does not decrypt with key v1 for \(owner)/\(name): the record was altered or belongs to another owner"
                )
            }
        }
    }

    @Test(arguments: Backend.available)
    func rotationReencryptsEveryRecordInBatchesThenTheOldKeyCanGo(backend: Backend) async throws {
        try await withMigratedVault(backend) { vault, database in
            let count = 1_200
            try await database.write { sql in
                for index in 0..<count { try await vault.put(owner: "o\(index % 7)", name: "n\(index)", secret: "secret-\(index)", now: Self.now, in: sql) }
            }
            #expect(try await vault.versionsInUse() == [1: count])

            vault.reload(Self.ring12)
            #expect(try await vault.rotate(batchSize: 500) == VaultRotation(reencrypted: count, batches: 3, keyVersion: 2))
            #expect(try await vault.versionsInUse() == [2: count])
            #expect(try await vault.rotate(batchSize: 500) == VaultRotation(reencrypted: 0, batches: 0, keyVersion: 2))

            vault.reload(Self.ring2)
            for index in 0..<count {
                #expect(try await vault.getString(owner: "o\(index % 7)", name: "n\(index)") == "secret-\(index)")
            }
        }
    }

    @Test(arguments: Backend.available)
    func anInterruptedRotationResumesWhereItStopped(backend: Backend) async throws {
        try await withMigratedVault(backend) { vault, database in
            try await database.write { sql in
                for index in 0..<30 { try await vault.put(owner: "o", name: "n\(index)", secret: "s\(index)", now: Self.now, in: sql) }
            }
            vault.reload(Self.ring12)
            #expect(try await vault.rotateBatch(limit: 10) == 10)
            #expect(try await vault.versionsInUse() == [1: 20, 2: 10])
            // A credential written meanwhile is sealed with the new key and not rotated again.
            try await database.write { sql in try await vault.put(owner: "o", name: "n29", secret: "s29-new", now: Self.now, in: sql) }
            #expect(try await vault.rotate(batchSize: 500) == VaultRotation(reencrypted: 19, batches: 1, keyVersion: 2))

            vault.reload(Self.ring2)
            #expect(try await vault.versionsInUse() == [2: 30])
            #expect(try await vault.getString(owner: "o", name: "n0") == "s0")
            #expect(try await vault.getString(owner: "o", name: "n29") == "s29-new")
        }
    }

    @Test(arguments: Backend.available)
    func concurrentRotationsReencryptEachRecordOnce(backend: Backend) async throws {
        try await withMigratedVault(backend) { vault, database in
            try await database.write { sql in
                for index in 0..<300 { try await vault.put(owner: "o", name: "n\(index)", secret: "s\(index)", now: Self.now, in: sql) }
            }
            let first = Vault(ring: Self.ring12, database: database, logger: quietLogger)
            let second = Vault(ring: Self.ring12, database: database, logger: quietLogger)
            async let a = first.rotate(batchSize: 25)
            async let b = second.rotate(batchSize: 25)
            let (ra, rb) = try await (a, b)
            #expect(ra.reencrypted + rb.reencrypted == 300)
            #expect(try await vault.versionsInUse() == [2: 300])
            vault.reload(Self.ring2)
            #expect(try await vault.getString(owner: "o", name: "n299") == "s299")
        }
    }

    @Test(arguments: Backend.available)
    func rotationWithoutTheOldKeyStopsSayingWhichKeyIsMissing(backend: Backend) async throws {
        try await withMigratedVault(backend) { vault, database in
            try await database.write { sql in try await vault.put(owner: "acme", name: "stripe.api_key", secret: "sk", now: Self.now, in: sql) }
            vault.reload(Self.ring2)
            let error = await #expect(throws: VaultError.self) { try await vault.rotate() }
            #expect(error?.message.contains("acme/stripe.api_key is encrypted with key v1, which is not in the vault key ring") == true)
            #expect(try await vault.versionsInUse() == [1: 1])
        }
    }

    /// The database's files hold no credential in clear (while the owners, stored in clear, are
    /// found: the scan reads the right bytes).
    @Test func theSQLiteFilesHoldNoPlaintext() async throws {
        try await withMigratedVault(.sqlite) { vault, database in
            let store = try #require(database as? SQLiteStore)
            let secrets = ["sq0atp-VERY-SECRET-TOKEN-123", "sk_live_51HxVERYSECRETKEY", "whsec_DISTINCTIVE_WEBHOOK_SECRET"]
            try await database.write { sql in
                for (index, secret) in secrets.enumerated() {
                    try await vault.put(owner: "owner-in-clear-7731", name: "credential-\(index)", secret: secret, now: Self.now, in: sql)
                }
            }
            let bytes = [store.path, store.path + "-wal"].flatMap { FileManager.default.contents(atPath: $0).map(Array.init) ?? [] }
            #expect(bytes.firstRange(of: Array("owner-in-clear-7731".utf8)) != nil)
            for secret in secrets {
                #expect(bytes.firstRange(of: Array(secret.utf8)) == nil, "\(secret) is in the database files")
            }
        }
    }

    // MARK: Helpers

    /// Runs `body` with a vault on ring v1 over a fresh, migrated database.
    private func withMigratedVault(_ backend: Backend, _ body: (Vault, any StoreDatabase) async throws -> Void) async throws {
        try await withFreshDatabase(backend) { database in
            try await database.migrate(logger: quietLogger)
            try await body(Vault(ring: Self.ring1, database: database, logger: quietLogger), database)
        }
    }

    private static func randomKey() -> String {
        Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }
}
