import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PonteSandboxHub
import PonteServer
import ServiceLifecycle

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a business flow end to end on the sandbox and print what happened.",
        subcommands: [OrdersDemoCommand.self]
    )
}

struct OrdersDemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orders",
        abstract: "Store orders on the sandbox: a WhatsApp-bot order paid by PIX and confirmed by the POS, an iFood order confirmed and dispatched, a paid order the store ignores (refunded at its deadline), and a cash order.",
        discussion: """
            Starts a hub with its workers and the simulated providers in this process, on a fresh \
            SQLite database in a temporary directory (or --database), drives each flow over HTTP as \
            the WhatsApp bot, the customer, iFood and the store's POS would, and prints the timeline: \
            the API calls, the store's stream as its POS reads it, and the customer's WhatsApp messages. \
            The ignored order waits for its one-minute deadline, so the demo takes a little over a minute.
            """
    )

    @Option(help: "SQLite file path or postgres:// URL (default: a fresh SQLite file in a temporary directory).")
    var database: String?

    @Option(help: "The hub's log level, written to stderr (default error: only the timeline is printed).")
    var logLevel = "error"

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ponte-demo-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = HubConfiguration()
        configuration.port = try SandboxWiring.freeLoopbackPort()
        configuration.publicURL = "http://127.0.0.1:\(configuration.port)"
        configuration.sandbox = true
        configuration.sandboxPort = try SandboxWiring.freeLoopbackPort()
        configuration.dataDirectory = directory
        configuration.database = database ?? directory + "/ponte.sqlite"
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        configuration.jwtSecret = secret
        let logger = bootstrapLogging(level: logLevel)
        let app = try await buildApplication(configuration: configuration, sandbox: SandboxHub(), logger: logger)
        let token = AdminTokens(secret: Array(secret.utf8)).issue(role: "admin", now: Date(), lifetime: 3600)
        let demo = OrdersDemo(
            hub: "http://127.0.0.1:\(configuration.port)", sandbox: "http://127.0.0.1:\(configuration.sandboxPort)", token: token)
        let services = ServiceGroup(configuration: .init(services: [app], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            do {
                try await demo.waitUntilReady()
                try await demo.run()
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }
}
