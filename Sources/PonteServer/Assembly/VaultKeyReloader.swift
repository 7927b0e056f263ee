import Logging
import PonteStore
import ServiceLifecycle
import UnixSignals

/// Reloads the credential vault's key ring when the process gets SIGHUP, so that a key
/// version added for a rotation (`PONTE_VAULT_KEY_FILE`, or the data directory's key file)
/// is used without a restart. A ring that does not load is logged and the one in use kept.
/// (`PONTE_VAULT_KEYS` is the process's environment, which a signal cannot change: a restart
/// is needed for it.)
struct VaultKeyReloader: Service {
    let vault: Vault
    let configuration: HubConfiguration
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                reload()
            }
        }
    }

    /// Loads the configured ring again and hands it to the vault.
    func reload() {
        do {
            let (ring, _) = try configuration.vaultKeyRing()
            vault.reload(ring)
            logger.info(
                "vault key ring reloaded",
                metadata: ["versions": "\(ring.versions.map { "v\($0)" }.joined(separator: ","))", "current": "v\(ring.currentVersion)"]
            )
        } catch {
            logger.error("vault key ring not reloaded; the keys in use are kept", metadata: ["error": "\(error)"])
        }
    }
}
