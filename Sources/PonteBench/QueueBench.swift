import Foundation
import Logging
import PonteCore
import PonteJobs
import PonteStore
import ServiceLifecycle

/// The queue benchmark: enqueues jobs into a fresh queue and runs them with worker
/// processes (this same executable, `bench queue-worker`), then reports throughput and
/// pickup latency from the jobs' own timestamps.
///
/// Method: the workers start and go idle first. Pickup latency is measured on single jobs
/// enqueued one at a time into the idle queue (enqueue to handler start). Throughput: N jobs
/// are enqueued in one transaction; `seconds` runs from that commit to the last job's finish.
public struct QueueBench: Sendable {
    public struct Options: Sendable {
        public var database: String
        public var jobs = 20_000
        public var processes = 2
        public var concurrency = 1024
        public var lease: Duration = .seconds(30)
        public var pickupSamples = 100
        /// Jobs write an idempotent effect (a row keyed by job id) and log each execution.
        public var effects = false
        /// Every job increments one shared counter row in a unit of work committed with its
        /// success (read locked, then written): the counter must end at exactly `jobs`.
        public var counter = false
        /// SIGKILL one worker once half the jobs are done.
        public var killOneMidway = false
        public var timeout: Duration = .seconds(600)

        public init(database: String) {
            self.database = database
        }
    }

    public struct Report: Encodable, Sendable {
        public var database: String
        public var jobs: Int
        public var processes: Int
        public var concurrency: Int
        public var seconds: Double
        public var jobs_per_second: Double
        public var pickup_p50_ms: Double?
        public var pickup_p99_ms: Double?
        public var enqueue_seconds: Double
        public var succeeded: Int
        public var dead: Int
        public var effects: Int?
        public var executions: Int?
        public var counter: Int?
        public var killed_worker: Bool
    }

    static let noopKind = "bench.noop"
    static let pickupKind = "bench.pickup"
    static let effectKind = "bench.effect"
    static let counterKind = "bench.counter"

    let options: Options
    let logger: Logger

    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    public func run() async throws -> Report {
        let location = try DatabaseLocation(parsing: options.database)
        var storeLogger = logger
        storeLogger.logLevel = .error  // PostgresNIO warns about queries queued before its pool starts
        let database = try await Store.open(location, logger: storeLogger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await database.run() }
            defer { group.cancelAll() }
            return try await measure(database)
        }
    }

    private func measure(_ database: any StoreDatabase) async throws -> Report {
        _ = try await database.migrate(logger: logger)
        if options.effects { try await QueueBenchWorker.createEffectsTable(database) }
        let queueName = "bench-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        if options.counter { try await QueueBenchWorker.createCounter(database, queue: queueName) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(queueName).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        var workers: [Process] = []
        defer {
            for worker in workers where worker.isRunning { worker.terminate() }
            for worker in workers { worker.waitUntilExit() }
        }
        for index in 0..<options.processes {
            workers.append(try startWorker(queue: queueName, log: "\(directory)/executions-\(index).log"))
        }
        let queue = JobQueue(database: database)

        // Pickup latency while idle: one job at a time.
        for _ in 0..<options.pickupSamples {
            try await queue.enqueue([queue.makeJob(kind: Self.pickupKind, queue: queueName, maxAttempts: 3)])
            try await waitUntilIdle(database, queue: queueName, deadline: .now + .seconds(10))
            try await Task.sleep(for: .milliseconds(2))
        }
        let pickups = try await database.jobTimings(queue: queueName, kind: Self.pickupKind)
            .map { Double($0.startedAt - $0.runAt) / 1000 }.sorted()

        // Throughput: N jobs in one transaction, workers already waiting.
        let kind = options.counter ? Self.counterKind : options.effects ? Self.effectKind : Self.noopKind
        let jobs = (0..<options.jobs).map { _ in queue.makeJob(kind: kind, queue: queueName, priority: .normal, maxAttempts: 5) }
        let enqueueStart = ContinuousClock.now
        try await queue.enqueue(jobs)
        let enqueued = queue.clock.now()
        let enqueueSeconds = (ContinuousClock.now - enqueueStart).seconds
        var killed = false
        let deadline = ContinuousClock.now + options.timeout
        while true {
            if try await isIdle(database, queue: queueName) { break }
            if options.killOneMidway, !killed, let victim = workers.first,
                try await activeCount(database, queue: queueName) <= options.jobs / 2
            {
                kill(victim.processIdentifier, SIGKILL)
                killed = true
                logger.info("killed one worker with SIGKILL", metadata: ["pid": "\(victim.processIdentifier)"])
            }
            guard ContinuousClock.now < deadline else {
                let remaining = try await activeCount(database, queue: queueName)
                throw StoreError("\(remaining) jobs still pending or running after \(options.timeout); see the workers' logs")
            }
            // Seconds come from the jobs' own timestamps, so a slow poll does not skew them,
            // and a light one leaves the CPU to the workers.
            try await Task.sleep(for: .milliseconds(50))
        }
        let timings = try await database.jobTimings(queue: queueName, kind: kind)
        let lastFinish = timings.map(\.finishedAt).max() ?? enqueued
        let seconds = Double(lastFinish - enqueued) / 1_000_000
        let dead = try await database.listJobs(JobQuery(status: .dead, queue: queueName, limit: 500)).count

        var effects: Int?
        var executions: Int?
        if options.effects {
            effects = try await QueueBenchWorker.effectCount(database, queue: queueName)
            executions = (0..<options.processes).reduce(0) { total, index in
                let text = (try? String(contentsOfFile: "\(directory)/executions-\(index).log", encoding: .utf8)) ?? ""
                return total + text.split(separator: "\n").count
            }
        }
        let counter = options.counter ? try await QueueBenchWorker.counterValue(database, queue: queueName) : nil
        return Report(
            database: database.kind, jobs: options.jobs, processes: options.processes, concurrency: options.concurrency,
            seconds: seconds, jobs_per_second: seconds > 0 ? Double(timings.count) / seconds : 0,
            pickup_p50_ms: Self.percentile(pickups, 0.50), pickup_p99_ms: Self.percentile(pickups, 0.99),
            enqueue_seconds: enqueueSeconds, succeeded: timings.count, dead: dead, effects: effects, executions: executions,
            counter: counter, killed_worker: killed
        )
    }

    private func activeCount(_ database: any StoreDatabase, queue: String) async throws -> Int {
        // One count per status, so each uses that status's partial index.
        let rows = try await database.read(
            """
            SELECT (SELECT count(*) FROM jobs WHERE status = 'pending' AND queue = ?)
                 + (SELECT count(*) FROM jobs WHERE status = 'running' AND queue = ?)
            """,
            [.text(queue), .text(queue)]
        )
        return Int(rows.first?.integer(0) ?? 0)
    }

    /// True when no job of `queue` is pending or running: two index probes, cheap enough to
    /// ask often without taking CPU from the workers.
    private func isIdle(_ database: any StoreDatabase, queue: String) async throws -> Bool {
        let rows = try await database.read(
            """
            SELECT 1 FROM jobs WHERE status = 'pending' AND queue = ?
            UNION ALL SELECT 1 FROM jobs WHERE status = 'running' AND queue = ? LIMIT 1
            """,
            [.text(queue), .text(queue)]
        )
        return rows.isEmpty
    }

    private func waitUntilIdle(_ database: any StoreDatabase, queue: String, deadline: ContinuousClock.Instant) async throws {
        while !(try await isIdle(database, queue: queue)) {
            guard ContinuousClock.now < deadline else { throw StoreError("a single job was not run within 10 s; are the workers running?") }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Starts `ponte bench queue-worker` and waits for it to say it is ready.
    private func startWorker(queue: String, log: String) throws -> Process {
        guard let executable = Bundle.main.executablePath else { throw StoreError("cannot find this executable to start workers") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        var arguments = [
            "bench", "queue-worker", "--database", options.database, "--queue", queue,
            "--concurrency", String(options.concurrency), "--lease", String(Int(options.lease.seconds)),
        ]
        if options.effects { arguments += ["--executions-log", log] }
        process.arguments = arguments
        let ready = Pipe()
        process.standardOutput = ready
        try process.run()
        var line = ready.fileHandleForReading.readLine()
        while let text = line, text != "ready" { line = ready.fileHandleForReading.readLine() }
        guard line == "ready" else {
            throw StoreError("a worker process did not start (it said: \(line ?? "nothing")); run `ponte bench queue-worker --help`")
        }
        return process
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let index = min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)
        return (sorted[max(0, index)] * 1000).rounded() / 1000
    }
}

/// One benchmark worker process: a job runner for one queue with the benchmark's handlers.
public struct QueueBenchWorker: Sendable {
    public var database: String
    public var queue: String
    public var concurrency: Int
    public var lease: Duration
    public var executionsLog: String?

    public init(database: String, queue: String, concurrency: Int, lease: Duration, executionsLog: String?) {
        self.database = database
        self.queue = queue
        self.concurrency = concurrency
        self.lease = lease
        self.executionsLog = executionsLog
    }

    public func run(logger: Logger) async throws {
        let database = try await Store.open(try DatabaseLocation(parsing: self.database), logger: logger)
        var registry = JobRegistry()
        registry.register(QueueBench.noopKind) { _ in }
        registry.register(QueueBench.pickupKind) { _ in }
        let log = try executionsLog.map { path -> FileHandle in
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            guard let handle = FileHandle(forWritingAtPath: path) else { throw StoreError("cannot write \(path)") }
            return handle
        }
        registry.register(QueueBench.effectKind) { context in
            // Every execution is logged (a kill may repeat one); the effect is idempotent.
            log?.write(Data((context.job.id + "\n").utf8))
            try await database.write { sql in
                try await sql.execute(
                    "INSERT INTO bench_effects (job_id, queue) VALUES (?, ?) ON CONFLICT (job_id) DO NOTHING",
                    [.text(context.job.id), .text(context.job.queue)]
                )
            }
        }
        registry.register(QueueBench.counterKind) { context in
            // Read locked, then write: a lost update would leave the counter short of the jobs.
            let queue = context.job.queue
            context.onSuccess { unit in
                let select = "SELECT value FROM bench_counters WHERE queue = ?"
                guard let counter = try await unit.fetchOne(BenchCounter.self, select, [.text(queue)], forUpdate: true) else {
                    throw StoreError("no counter row for queue \(queue)")
                }
                try await unit.query("UPDATE bench_counters SET value = ? WHERE queue = ?", [.integer(counter.value + 1), .text(queue)])
            }
        }
        let settings = JobRunnerSettings(
            queues: [QueueSettings(name: queue, concurrency: concurrency)], leaseDuration: lease,
            pollInterval: database.kind == "sqlite" ? .milliseconds(5) : .milliseconds(250)
        )
        let queue = JobQueue(database: database)
        let runner = JobRunner(
            database: database, registry: registry, settings: settings, queue: queue,
            workerID: "bench:\(ProcessInfo.processInfo.processIdentifier)", logger: logger,
            prepare: {
                FileHandle.standardOutput.write(Data("ready\n".utf8))
            }
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await database.run() }
            group.addTask { try await runner.run() }
            try await group.next()
            group.cancelAll()
        }
    }

    static func createEffectsTable(_ database: any StoreDatabase) async throws {
        try await database.write { sql in
            try await sql.execute("CREATE TABLE IF NOT EXISTS bench_effects (job_id TEXT PRIMARY KEY, queue TEXT NOT NULL)")
        }
    }

    static func createCounter(_ database: any StoreDatabase, queue: String) async throws {
        try await database.write { sql in
            try await sql.execute("CREATE TABLE IF NOT EXISTS bench_counters (queue TEXT PRIMARY KEY, value BIGINT NOT NULL)")
            try await sql.execute("INSERT INTO bench_counters (queue, value) VALUES (?, 0)", [.text(queue)])
        }
    }

    static func counterValue(_ database: any StoreDatabase, queue: String) async throws -> Int {
        Int(try await database.read("SELECT value FROM bench_counters WHERE queue = ?", [.text(queue)]).first?.integer(0) ?? -1)
    }

    static func effectCount(_ database: any StoreDatabase, queue: String) async throws -> Int {
        Int(try await database.read("SELECT count(*) FROM bench_effects WHERE queue = ?", [.text(queue)]).first?.integer(0) ?? 0)
    }
}

private struct BenchCounter: Decodable {
    let value: Int64
}

extension FileHandle {
    /// One line from the handle, without its newline; nil at end of file.
    func readLine() -> String? {
        var bytes: [UInt8] = []
        while true {
            let chunk = readData(ofLength: 1)
            guard let byte = chunk.first else { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
    }
}
