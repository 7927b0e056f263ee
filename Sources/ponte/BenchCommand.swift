import ArgumentParser
import Foundation
import Logging
import PonteBench

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks that anyone can rerun.",
        subcommands: [Webhooks.self, Streams.self, Orders.self, Kiosk.self, Queue.self, QueueWorker.self]
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

    struct Orders: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time Asaas payment webhooks to the order's CONFIRMED on its store's stream, on a running `ponte serve --sandbox`.",
            discussion: """
                Creates a client and a store that needs no confirmation, then rate × (warmup + duration)                 PIX orders, and waits until the hub has created each one's Asaas charge in the sandbox.                 Then it sends one signed PAYMENT_RECEIVED webhook per order at --rate per second and                 times each from its send to its acknowledgement (the plain webhook latency) and to the                 order's ORDER_STATUS_CHANGED → CONFIRMED read on the store's Server-Sent Events stream,                 for the webhooks of the measured window. Prints one JSON line: measured,                 webhooks_per_second, ack_p50_ms, ack_p99_ms, confirmed_p50_ms, confirmed_p99_ms,                 confirmed_max_ms, ack_failed, missing, setup_seconds. Fails if a webhook was not                 answered 200 or an order's CONFIRMED never arrived. scripts/bench-orders starts a hub                 on SQLite and on PostgreSQL and runs this.
                """
        )

        @OptionGroup var payments: PaymentBenchOptions

        func run() async throws {
            var options = OrdersLoad.Options()
            options.baseURL = payments.url
            options.token = payments.resolvedToken
            if let asaas = payments.resolvedAsaasToken { options.asaasToken = asaas }
            options.rate = payments.rate ?? 200
            options.duration = .seconds(payments.duration)
            options.warmup = .seconds(payments.warmup)
            let report = try await OrdersLoad(options: options).run()
            try PaymentBenchOptions.print(report, problems: [
                report.ackFailed > 0 ? "\(report.ackFailed) webhooks were not answered 200" : nil,
                report.missing > 0 ? "\(report.missing) orders' CONFIRMED never reached the stream" : nil,
            ])
        }
    }

    struct Kiosk: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time Asaas payment webhooks to the ticket's IN_QUEUE on its location's stream (printed on a loopback printer), on a running `ponte serve --sandbox`.",
            discussion: """
                Starts a network ticket printer on loopback (it answers the hub's DLE EOT status requests as \
                a printer with its cover closed and paper does), creates a location printing to it and a \
                service, then rate × (warmup + duration) PIX payment sessions, each charged in the sandbox. \
                Then it sends one signed PAYMENT_RECEIVED webhook per session at --rate per second and \
                times each from its send to its acknowledgement (the plain webhook latency) and to its \
                ticket's TICKET_STATUS_CHANGED → IN_QUEUE read on the location's Server-Sent Events \
                stream — the ticket made, printed and confirmed by the printer — for the webhooks of the \
                measured window. Prints one JSON line: measured, webhooks_per_second, ack_p50_ms, \
                ack_p99_ms, in_queue_p50_ms, in_queue_p99_ms, in_queue_max_ms, ack_failed, missing, \
                printer_connections, setup_seconds. Fails if a webhook was not answered 200 or a ticket \
                never reached IN_QUEUE. scripts/bench-kiosk starts a hub on SQLite and runs this.
                """
        )

        @OptionGroup var payments: PaymentBenchOptions

        func run() async throws {
            var options = KioskLoad.Options()
            options.baseURL = payments.url
            options.token = payments.resolvedToken
            if let asaas = payments.resolvedAsaasToken { options.asaasToken = asaas }
            options.rate = payments.rate ?? 100
            options.duration = .seconds(payments.duration)
            options.warmup = .seconds(payments.warmup)
            let report = try await KioskLoad(options: options).run()
            try PaymentBenchOptions.print(report, problems: [
                report.ackFailed > 0 ? "\(report.ackFailed) webhooks were not answered 200" : nil,
                report.missing > 0 ? "\(report.missing) tickets never reached IN_QUEUE on the stream" : nil,
            ])
        }
    }

    struct Streams: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fan events out to many Server-Sent Events readers of a running hub's streams, and measure delivery.",
            discussion: """
                Opens --readers SSE connections (GET /api/v1/streams/{stream}/events) spread over \
                --streams new streams, then appends --rate events per second round-robin over them \
                (POST on --writers keep-alive connections), each carrying its send time. Latency runs \
                from an append's send to its event's arrival at each reader, for appends sent during \
                the measured window. Every reader must see its stream's sequences contiguous and in \
                order. Prints one JSON line: appended, append_failed, appends_per_second, delivered, \
                expected_deliveries, p50_ms, p99_ms, max_ms, out_of_order. Fails if an append was not \
                answered 201, a sequence was out of order, or an event did not reach every reader. \
                scripts/bench-streams starts a hub and runs this.
                """
        )

        @Option(help: "The hub's address.")
        var host = "127.0.0.1"

        @Option(help: "The hub's port.")
        var port = 8080

        @Option(help: "An admin bearer token (default: PONTE_BENCH_TOKEN).")
        var token: String?

        @Option(help: "Server-Sent Events connections; reader i reads stream i % streams.")
        var readers = 1000

        @Option(help: "Streams the readers and appends are spread over.")
        var streams = 100

        @Option(help: "Appends per second, in total.")
        var rate = 2000

        @Option(help: "Seconds to measure.")
        var duration = 10

        @Option(help: "Seconds to append before measuring.")
        var warmup = 2

        @Option(help: "Keep-alive connections the appends are sent on.")
        var writers = 16

        func validate() throws {
            guard readers > 0, streams > 0, rate > 0, duration > 0, warmup >= 0, writers > 0 else {
                throw ValidationError("--readers, --streams, --rate, --duration and --writers must be positive")
            }
            guard token ?? ProcessInfo.processInfo.environment["PONTE_BENCH_TOKEN"] != nil else {
                throw ValidationError("--token or PONTE_BENCH_TOKEN is needed: an admin token (ponte token create --role admin)")
            }
        }

        func run() async throws {
            var options = StreamLoad.Options()
            options.host = host
            options.port = port
            options.token = token ?? ProcessInfo.processInfo.environment["PONTE_BENCH_TOKEN"] ?? ""
            options.readers = readers
            options.streams = streams
            options.rate = rate
            options.duration = .seconds(duration)
            options.warmup = .seconds(warmup)
            options.writers = writers
            let report = try await StreamLoad(options: options).run()
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            var problems: [String] = []
            if report.appendFailed > 0 { problems.append("\(report.appendFailed) appends were not answered 201") }
            if report.outOfOrder > 0 { problems.append("\(report.outOfOrder) events arrived out of order (gaps or duplicates)") }
            if report.delivered < report.expectedDeliveries {
                problems.append("\(report.expectedDeliveries - report.delivered) of \(report.expectedDeliveries) deliveries did not arrive")
            }
            if !problems.isEmpty {
                var standardError = FileHandle.standardError
                print(problems.joined(separator: "; ") + (report.firstError.map { "; first: \($0)" } ?? ""), to: &standardError)
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
                effect, one worker is killed with SIGKILL halfway, and effects must equal jobs. \
                With --counter every job increments one shared counter row in a unit of work committed \
                with its success (read locked, then written), and `counter` must equal jobs.
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

        @Flag(help: "Each job increments one shared counter row in a unit of work (no update may be lost).")
        var counter = false

        @Flag(help: "SIGKILL one worker process once half the jobs are done.")
        var killOneMidway = false

        func validate() throws {
            guard jobs > 0, processes > 0, concurrency > 0, lease > 0 else {
                throw ValidationError("--jobs, --processes, --concurrency and --lease must be positive")
            }
            if counter && effects {
                throw ValidationError("--counter and --effects are two different jobs: choose one")
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
            options.counter = counter
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

/// The options of the payment benchmarks (orders, kiosk).
struct PaymentBenchOptions: ParsableArguments {
    @Option(help: "The hub's base URL.")
    var url = "http://127.0.0.1:8080"

    @Option(help: "An admin bearer token (default: PONTE_BENCH_TOKEN).")
    var token: String?

    @Option(help: "The hub's ASAAS_WEBHOOK_TOKEN (default: that variable, else the sandbox's).")
    var asaasToken: String?

    @Option(help: "Payment webhooks per second (orders: 200, kiosk: 100).")
    var rate: Int?

    @Option(help: "Seconds to measure.")
    var duration = 10

    @Option(help: "Seconds to send before measuring.")
    var warmup = 2

    func validate() throws {
        guard rate ?? 1 > 0, duration > 0, warmup >= 0 else { throw ValidationError("--rate and --duration must be positive") }
        guard token ?? ProcessInfo.processInfo.environment["PONTE_BENCH_TOKEN"] != nil else {
            throw ValidationError("--token or PONTE_BENCH_TOKEN is needed: an admin token (ponte token create --role admin)")
        }
    }

    var resolvedToken: String { token ?? ProcessInfo.processInfo.environment["PONTE_BENCH_TOKEN"] ?? "" }
    var resolvedAsaasToken: String? { asaasToken ?? ProcessInfo.processInfo.environment["ASAAS_WEBHOOK_TOKEN"] }

    /// Prints the report as one JSON line; fails with the problems that are not nil.
    static func print(_ report: some Encodable, problems: [String?]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        Swift.print(String(decoding: try encoder.encode(report), as: UTF8.self))
        let found = problems.compactMap { $0 }
        guard found.isEmpty else {
            var standardError = FileHandle.standardError
            Swift.print(found.joined(separator: "; "), to: &standardError)
            throw ExitCode.failure
        }
    }
}
