import ArgumentParser
import Foundation
import Logging
import NIOCore
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

/// Why the process could not start, said so the operator knows what to change. `listening`
/// names what it tried to listen on, e.g. `127.0.0.1:8080` (nil: it listens on nothing).
func startupFailure(_ error: any Error, listening: String?) -> String {
    guard let listening, let failure = error as? IOError else { return "\(error)" }
    switch failure.errnoCode {
    case EADDRINUSE:
        return "cannot listen on \(listening): another process already uses that port; stop it or choose another port"
    case EACCES:
        return "cannot listen on \(listening): permission denied (ports below 1024 need privileges); choose a higher port"
    case EADDRNOTAVAIL:
        return "cannot listen on \(listening): that host address is not one of this machine's; use 127.0.0.1 or 0.0.0.0"
    default:
        return "\(error)"
    }
}
