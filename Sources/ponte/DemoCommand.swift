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
        subcommands: [OrdersDemoCommand.self, KioskDemoCommand.self, VenuesDemoCommand.self]
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

    @OptionGroup var options: DemoOptions

    func run() async throws {
        try await DemoHub.run(database: options.database, logLevel: options.logLevel) { hub, sandbox, token in
            let demo = OrdersDemo(hub: hub, sandbox: sandbox, token: token)
            try await demo.waitUntilReady()
            try await demo.run()
        }
    }
}

struct KioskDemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kiosk",
        abstract: "Self-service kiosk on the sandbox: a customer pays by PIX and by card, each payment makes one ticket, printed (ESC/POS, to a file) and shown as text; operators call, serve and recall tickets; a duplicated webhook makes nothing twice.",
        discussion: """
            Starts a hub with its workers and the simulated providers in this process, on a fresh \
            SQLite database in a temporary directory (or --database), drives the flow over HTTP as the \
            kiosk, the paying customer and the desk operators would, and prints the timeline: the \
            sessions, the tickets as the printer would print them, the location's stream, the \
            integration's status and its self-test. The printer writes ESC/POS bytes to a file \
            (--printer-file).
            """
    )

    @OptionGroup var options: DemoOptions

    @Option(help: "Where the demo's printer writes its ESC/POS bytes (default: a new file in the temporary directory, kept, to decode or send to a real printer).")
    var printerFile: String?

    func run() async throws {
        let printerFile = self.printerFile.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        try await DemoHub.run(database: options.database, logLevel: options.logLevel) { hub, sandbox, token in
            let demo = KioskDemo(hub: hub, sandbox: sandbox, token: token, printerFile: printerFile ?? NSTemporaryDirectory() + "/kiosk-demo-\(UUID().uuidString).prn")
            try await demo.waitUntilReady()
            try await demo.run()
        }
    }
}

struct VenuesDemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "venues",
        abstract: "Venue integrations on the sandbox: a venue connects Stripe by API key and Square, Mailchimp and QuickBooks by OAuth 2.0 (each round trip shown), refreshes a token, disconnects one, and reads its audit log.",
        discussion: """
            Starts a hub with its workers and the simulated providers in this process, on a fresh \
            SQLite database in a temporary directory (or --database), and drives the flow over HTTP as \
            the venue's manager and their browser would.
            """
    )

    @OptionGroup var options: DemoOptions

    func run() async throws {
        try await DemoHub.run(database: options.database, logLevel: options.logLevel) { hub, sandbox, token in
            let demo = VenuesDemo(hub: hub, sandbox: sandbox, token: token)
            try await demo.waitUntilReady()
            try await demo.run()
        }
    }
}

/// What every demo takes: where its hub keeps its data, and how much the hub logs.
struct DemoOptions: ParsableArguments {
    @Option(help: "SQLite file path or postgres:// URL (default: a fresh SQLite file in a temporary directory).")
    var database: String?

    @Option(help: "The hub's log level, written to stderr (default error: only the timeline is printed).")
    var logLevel = "error"
}

/// A hub with its workers and the sandbox in this process, for a demo.
enum DemoHub {
    static func run(
        database: String?, logLevel: String, _ body: @escaping @Sendable (_ hub: String, _ sandbox: String, _ token: String) async throws -> Void
    ) async throws {
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
        let hub = "http://127.0.0.1:\(configuration.port)"
        let sandbox = "http://127.0.0.1:\(configuration.sandboxPort)"
        let services = ServiceGroup(configuration: .init(services: [app], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            do {
                try await body(hub, sandbox, token)
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }
}
