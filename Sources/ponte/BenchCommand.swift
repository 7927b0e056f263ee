import ArgumentParser
import Foundation
import PonteBench

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks that anyone can rerun.",
        subcommands: [Webhooks.self]
    )

    struct Webhooks: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drive POST /webhooks/stripe of a running hub with distinct, validly signed events.",
            discussion: """
                Each request is a new ~1 KiB Stripe event signed with --secret (the hub's \
                STRIPE_WEBHOOK_SECRET). Prints one JSON line: requests_per_second, p50_ms, p99_ms, \
                max_ms, accepted, failed. scripts/bench starts a hub and runs this on SQLite and PostgreSQL.
                """
        )

        @Option(help: "The hub's address.")
        var host = "127.0.0.1"

        @Option(help: "The hub's port.")
        var port = 8080

        @Option(help: "The hub's STRIPE_WEBHOOK_SECRET (default: that variable, else whsec_bench_secret).")
        var secret: String?

        @Option(help: "Concurrent keep-alive connections.")
        var connections = 64

        @Option(help: "Seconds to measure.")
        var duration = 10

        @Option(help: "Seconds to run before measuring.")
        var warmup = 2

        @Option(help: "Approximate body size in bytes.")
        var bodySize = 1024

        func validate() throws {
            guard connections > 0, duration > 0, warmup >= 0, bodySize >= 400 else {
                throw ValidationError("--connections and --duration must be positive, --body-size at least 400")
            }
        }

        func run() async throws {
            var options = WebhookLoad.Options()
            options.host = host
            options.port = port
            options.secret = secret ?? ProcessInfo.processInfo.environment["STRIPE_WEBHOOK_SECRET"] ?? "whsec_bench_secret"
            options.connections = connections
            options.duration = .seconds(duration)
            options.warmup = .seconds(warmup)
            options.bodySize = bodySize
            let report = try await WebhookLoad(options: options).run()
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            if report.failed > 0 {
                var standardError = FileHandle.standardError
                print("\(report.failed) requests were not accepted (non-200); see the hub's log", to: &standardError)
                throw ExitCode.failure
            }
        }
    }
}
