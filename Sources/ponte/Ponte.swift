import ArgumentParser

/// The `ponte` command.

struct Ponte: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ponte",
        abstract: "Ponte: a self-hosted integration hub that receives providers' signed webhooks without losing or doubling one, processes them as durable jobs, and calls providers safely (with a sandbox of simulated providers).",
        subcommands: [Serve.self, WorkerCommand.self, Migrate.self, ConfigCommand.self, TokenCommand.self, VaultCommand.self, SandboxCommand.self, DemoCommand.self, BenchCommand.self]
    )
}

/// Options shared by every command that reads the configuration.
struct HubOptions: ParsableArguments {
    @Option(help: "Address to listen on (env PONTE_HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (env PONTE_PORT; default 8080).")
    var port: Int?

    @Option(help: "SQLite file path, or a postgres:// URL (env PONTE_DATABASE_URL; default ./data/ponte.sqlite).")
    var database: String?

    @Option(help: "YAML configuration file (env PONTE_CONFIG).")
    var config: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error (env PONTE_LOG_LEVEL; default info).")
    var logLevel: String?
}

extension Ponte {
    /// Parses the command line and runs the command. (Called from main.swift; top-level code
    /// would resolve `main()` to ArgumentParser's synchronous variant, which cannot run async
    /// commands.)
    static func start() async {
        await main()
    }
}
