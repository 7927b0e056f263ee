import ArgumentParser
import Foundation
import Logging
import PonteBench

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks that anyone can rerun.",
        subcommands: [Webhooks.self, Queue.self, QueueWorker.self]
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

    struct Queue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure the job queue: enqueue no-op jobs into a fresh queue and run them with worker processes.",
            discussion: """
                Starts --processes worker processes (this executable, `bench queue-worker`) and waits \
                until they are idle. Pickup latency: 100 single jobs enqueued one at a time into the idle \
                queue, from enqueue to handler start. Throughput: --jobs jobs enqueued in one transaction; \
                seconds run from that commit to the last job's finish. Prints one JSON line: jobs, \
                processes, seconds, jobs_per_second, pickup_p50_ms, pickup_p99_ms, succeeded, dead. \
                With --effects and --kill-one-midway it is the crash test: every job writes an idempotent \
                effect, one worker is killed with SIGKILL halfway, and effects must equal jobs.
                """
        )

        @Option(help: "SQLite file path or postgres:// URL (migrated if needed; the benchmark uses its own queue).")
        var database: String

        @Option(help: "Jobs to run in the throughput phase.")
        var jobs = 20_000

        @Option(help: "Worker processes.")
        var processes = 2

        @Option(help: "Jobs each worker process runs at once.")
        var concurrency = 1024

        @Option(help: "Lease in seconds; a killed worker's jobs run again after it expires.")
        var lease = 30

        @Flag(help: "Each job writes an idempotent effect (a row keyed by job id) and logs each execution.")
        var effects = false

        @Flag(help: "SIGKILL one worker process once half the jobs are done.")
        var killOneMidway = false

        func validate() throws {
            guard jobs > 0, processes > 0, concurrency > 0, lease > 0 else {
                throw ValidationError("--jobs, --processes, --concurrency and --lease must be positive")
            }
            if killOneMidway && processes < 2 {
                throw ValidationError("--kill-one-midway needs at least 2 processes, so one survives to finish the jobs")
            }
        }

        func run() async throws {
            var logger = Logger(label: "ponte.bench")
            logger.logLevel = .warning
            var options = QueueBench.Options(database: database)
            options.jobs = jobs
            options.processes = processes
            options.concurrency = concurrency
            options.lease = .seconds(lease)
            options.effects = effects
            options.killOneMidway = killOneMidway
            let report = try await QueueBench(options: options, logger: logger).run()
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
    }

    struct QueueWorker: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "queue-worker",
            abstract: "One worker process of `bench queue` (started by it; prints `ready` once it takes jobs).",
            shouldDisplay: false
        )

        @Option(help: "SQLite file path or postgres:// URL.")
        var database: String

        @Option(help: "The queue to take jobs from.")
        var queue: String

        @Option(help: "Jobs run at once.")
        var concurrency = 1024

        @Option(help: "Lease in seconds.")
        var lease = 30

        @Option(help: "Append each executed job id to this file.")
        var executionsLog: String?

        func run() async throws {
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = .warning
                return handler
            }
            try await QueueBenchWorker(
                database: database, queue: queue, concurrency: concurrency, lease: .seconds(lease), executionsLog: executionsLog
            ).run(logger: Logger(label: "ponte.bench.worker"))
        }
    }
}
