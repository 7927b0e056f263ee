import ArgumentParser
import Logging
import PonteSandboxHub
import PonteServer
import ServiceLifecycle

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run job workers without HTTP: webhook processing, retries, periodic jobs.",
        discussion: """
            Any number of worker processes (and `ponte serve` processes) may share one PostgreSQL \
            database: each job runs in one process at a time, leased and renewed; a killed worker's \
            jobs run again once its lease expires. Workers wake on PostgreSQL LISTEN/NOTIFY and poll \
            as a fallback. Migrations are applied at start. SIGTERM or SIGINT stops claiming, lets \
            running jobs finish (10 s at most), puts the rest back to pending and exits.

            With --metrics-port, the worker serves /health, /ready and /metrics on --host at that \
            port: its jobs' outcomes, retries, dead letters and run times, and the queues' depth. \
            --port is not used by workers.
            """
    )

    @OptionGroup var options: HubOptions

    @Option(help: "Serve /health, /ready and /metrics on this port (env PONTE_METRICS_PORT; default: no HTTP).")
    var metricsPort: Int?

    func run() async throws {
        let configuration = try loadConfiguration(options, workers: true, metricsPort: metricsPort)
        let logger = bootstrapLogging(level: configuration.logLevel)
        do {
            let group = try await buildWorker(configuration: configuration, sandbox: SandboxHub(), logger: logger)
            try await group.run()
            logger.info("ponte worker stopped: running jobs finished or released, database closed")
        } catch {
            let listening = configuration.metricsPort.map { "\(configuration.host):\($0) (--metrics-port)" }
            logger.critical("ponte worker stopped", metadata: ["error": "\(startupFailure(error, listening: listening))"])
            throw ExitCode.failure
        }
    }
}
