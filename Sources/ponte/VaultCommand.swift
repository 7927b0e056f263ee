import ArgumentParser
import Logging
import PonteKit
import PonteServer
import PonteStore

struct VaultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vault",
        abstract: "The credential vault: which key versions encrypt the stored credentials, and key rotation.",
        discussion: """
            Credentials are encrypted with AES-256-GCM under the key ring PONTE_VAULT_KEYS \
            (v1:<base64 of 32 bytes>,v2:<...>), or the file PONTE_VAULT_KEY_FILE (one vN:<base64> a line), \
            or else <data dir>/vault-keys. The highest version encrypts; every listed one decrypts.

            To rotate: add a new version (make a key with `openssl rand -base64 32`), restart the hub \
            processes (or send them SIGHUP when the keys are in a file), run `ponte vault rotate`, \
            and once `ponte vault status` shows only the new version, remove the old one.
            """,
        subcommands: [Status.self, Rotate.self]
    )

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the key ring's versions and how many credentials each encrypts.")

        @OptionGroup var options: HubOptions

        func run() async throws {
            try await withVault(options) { vault in
                let ring = vault.ring
                let inUse = try await vault.versionsInUse()
                print("key ring: \(ring.versions.map { "v\($0)" }.joined(separator: ", ")) (v\(ring.currentVersion) encrypts)")
                if inUse.isEmpty { print("no credentials are stored") }
                for (version, count) in inUse.sorted(by: { $0.key < $1.key }) {
                    let note = version == ring.currentVersion ? "" : (ring.key(version: version) == nil ? "  MISSING from the ring" : "  to rotate")
                    print("v\(version): \(count) credential\(count == 1 ? "" : "s")\(note)")
                }
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-encrypt every stored credential with the ring's newest key.",
            discussion: """
                Runs while the hub serves: each batch is one transaction, and a credential written \
                meanwhile is left as written. Interrupted, it resumes where it stopped when run again.
                """
        )

        @Option(help: "Credentials re-encrypted per transaction.")
        var batchSize: Int = 500

        @OptionGroup var options: HubOptions

        func validate() throws {
            guard batchSize > 0 else { throw ValidationError("--batch-size must be at least 1") }
        }

        func run() async throws {
            try await withVault(options) { vault in
                let rotation = try await vault.rotate(batchSize: batchSize)
                let left = try await vault.versionsInUse().filter { $0.key != rotation.keyVersion }
                print("re-encrypted \(rotation.reencrypted) credential\(rotation.reencrypted == 1 ? "" : "s") with v\(rotation.keyVersion) in \(rotation.batches) batch\(rotation.batches == 1 ? "" : "es")")
                if left.isEmpty {
                    print("every credential is on v\(rotation.keyVersion): older versions can be removed from the ring")
                } else {
                    print("still on older keys (written by a process that has the old ring?): \(left.map { "v\($0.key): \($0.value)" }.joined(separator: ", ")); run it again after restarting every hub process")
                }
            }
        }
    }
}

/// Opens the configured database and key ring, checks the vault's table exists, and runs `body`.
private func withVault(_ options: HubOptions, _ body: @escaping @Sendable (Vault) async throws -> Void) async throws {
    let configuration = try loadConfiguration(options)
    let logger = bootstrapLogging(level: configuration.logLevel)
    let location: DatabaseLocation
    do {
        location = try configuration.databaseLocation()
    } catch {
        throw ValidationError("database: \(error.message)")
    }
    let (ring, createdFile) = try configuration.vaultKeyRing()
    if let createdFile {
        logger.warning("no vault keys were configured: a new key file was created at \(createdFile); is this the hub's data directory (pass the same --database or --config as serve)?")
    }
    try await withStore(location, logger: logger) { database in
        let pending = try await database.pendingMigrations(HubModules.all.map(\.moduleMigrations))
        guard pending.isEmpty else {
            throw ValidationError("\(location) is not migrated (\(pending.map(\.description).joined(separator: ", ")) pending): run `ponte migrate` or start the hub first")
        }
        try await body(Vault(ring: ring, database: database, logger: logger))
    }
}
