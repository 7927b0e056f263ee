import Foundation
import PonteKit
import PonteProviders
import PonteStore
import Testing

@testable import PonteServer

/// How a hub process finds the credential vault's keys, shows them in `config check`, and
/// reloads them (what SIGHUP does; tests/venues/vault_rotation_test.py sends the signal to a
/// real `ponte serve`, whose reads of re-encrypted records need the reloaded ring).
@Suite struct VaultWiringTests {
    static let v1 = "v1:" + Data(repeating: 1, count: 32).base64EncodedString()
    static let v2 = "v2:" + Data(repeating: 2, count: 32).base64EncodedString()

    @Test func theKeysComeFromTheEnvironmentOrAFileAndAreNeverShown() throws {
        let fromKeys = try ConfigurationLoader.load(flags: CommandLineOverrides(), environment: ["PONTE_VAULT_KEYS": "\(Self.v1),\(Self.v2)"])
        #expect(fromKeys.vaultKeys == "\(Self.v1),\(Self.v2)")
        #expect(fromKeys.sources["vault_keys"] == "env PONTE_VAULT_KEYS")
        #expect(try fromKeys.vaultKeyRing().ring.currentVersion == 2)
        let report = ConfigurationReport.render(fromKeys)
        #expect(report.contains("vault_keys"))
        #expect(!report.contains(Self.v1.dropFirst(3)), "config check shows no key")

        let fromFile = try ConfigurationLoader.load(flags: CommandLineOverrides(), environment: ["PONTE_VAULT_KEY_FILE": "/etc/ponte/vault-keys"])
        #expect(fromFile.vaultKeyFile == "/etc/ponte/vault-keys")
        #expect(ConfigurationReport.render(fromFile).contains("/etc/ponte/vault-keys"))
        #expect(throws: VaultError.self) { try fromFile.vaultKeyRing() }
    }

    @Test func aHubWithoutKeysCreatesItsKeyFileOnceAndPrivately() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var configuration = HubConfiguration()
        configuration.database = directory.path + "/ponte.sqlite"
        configuration.jwtSecret = Fixture.jwtSecret
        configuration.workers = false
        let database = try await SQLiteStore.open(path: configuration.database, logger: quietLogger)
        let running = Task { try await database.run() }
        defer { running.cancel() }
        _ = try await HubAssembly.make(
            configuration: configuration, modules: HubModules.all, logger: quietLogger, now: Date.init, database: database,
            clients: ProviderClients(settings: ProviderClientSettings(), logger: quietLogger))
        let path = directory.path + "/" + VaultKeyRing.fileName
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let first = try #require(FileManager.default.contents(atPath: path))
        // A second process on the same data directory uses the same key.
        let (ring, created) = try configuration.vaultKeyRing()
        #expect(created == nil)
        #expect(ring.versions == [1])
        #expect(FileManager.default.contents(atPath: path) == first)
    }

    @Test func reloadingTakesTheKeyFileAgainAndKeepsTheRingWhenTheFileIsBroken() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.path + "/keys"
        try Data("\(Self.v1)\n".utf8).write(to: URL(fileURLWithPath: file))
        var configuration = HubConfiguration()
        configuration.database = directory.path + "/ponte.sqlite"
        configuration.vaultKeyFile = file
        let database = try await SQLiteStore.open(path: configuration.database, logger: quietLogger)
        let running = Task { try await database.run() }
        defer { running.cancel() }
        let vault = Vault(ring: try configuration.vaultKeyRing().ring, database: database, logger: quietLogger)
        let reloader = VaultKeyReloader(vault: vault, configuration: configuration, logger: quietLogger)

        try Data("\(Self.v1)\n\(Self.v2)\n".utf8).write(to: URL(fileURLWithPath: file))
        reloader.reload()
        #expect(vault.ring.versions == [1, 2])
        #expect(vault.ring.currentVersion == 2)

        try Data("v3:not-a-key\n".utf8).write(to: URL(fileURLWithPath: file))
        reloader.reload()
        #expect(vault.ring.versions == [1, 2], "a file that does not load leaves the ring as it was")
    }
}
