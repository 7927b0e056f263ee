import ArgumentParser
import Foundation
import Logging
import PonteServer

/// Loads the configuration from flags, environment, file and defaults, or exits with the reason.
func loadConfiguration(_ options: HubOptions, workers: Bool? = nil, sandbox: Bool? = nil, metricsPort: Int? = nil) throws -> HubConfiguration {
    let flags = CommandLineOverrides(
        host: options.host, port: options.port, database: options.database,
        configFile: options.config, logLevel: options.logLevel, workers: workers, sandbox: sandbox, metricsPort: metricsPort
    )
    do {
        return try ConfigurationLoader.load(flags: flags)
    } catch {
        throw ValidationError(error.message)
    }
}

/// Routes all logs to JSON lines on stdout at `level`.
func bootstrapLogging(level: String) -> Logger {
    let logLevel = Logger.Level(rawValue: level) ?? .info
    LoggingSystem.bootstrap { label in
        var handler = JSONLogHandler(label: label)
        handler.logLevel = logLevel
        return handler
    }
    return Logger(label: "ponte")
}
