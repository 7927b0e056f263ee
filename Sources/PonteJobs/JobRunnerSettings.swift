import Foundation
import PonteCore
import PonteStore

/// One queue a worker process takes jobs from.
public struct QueueSettings: Sendable, Equatable {
    public var name: String
    /// Jobs of this queue one process runs at once.
    public var concurrency: Int
    /// Jobs of this queue running at once across all processes together, if limited.
    public var globalLimit: Int?

    public init(name: String, concurrency: Int = 16, globalLimit: Int? = nil) {
        self.name = name
        self.concurrency = max(1, concurrency)
        self.globalLimit = globalLimit
    }
}

/// How a worker process runs jobs.
public struct JobRunnerSettings: Sendable {
    public var queues: [QueueSettings]
    /// How long a claimed job is leased; the worker renews it every third of this. A job whose
    /// worker dies runs again once its lease has expired.
    public var leaseDuration: Duration
    /// How often an idle worker looks for due jobs when nothing wakes it (enqueues in the same
    /// process, and PostgreSQL notifications, wake it at once).
    public var pollInterval: Duration
    /// How often stale leases are swept and periodic jobs fired.
    public var maintenanceInterval: Duration
    /// On shutdown, how long running jobs may take to finish before they are cancelled and
    /// put back to pending.
    public var shutdownGrace: Duration
    public var backoff: RetryBackoff
    /// Token buckets by provider, shared by every process on the database.
    /// Request budgets by provider (`ifood`), shared by every process. A job whose provider is
    /// `family/key` (`twilio-whatsapp/+5511999990000`) takes from a budget of its own per key,
    /// sized by its family's entry.
    public var rateLimits: [String: RateLimit]

    public init(
        queues: [QueueSettings],
        leaseDuration: Duration = .seconds(30),
        pollInterval: Duration = .milliseconds(250),
        maintenanceInterval: Duration = .seconds(1),
        shutdownGrace: Duration = .seconds(10),
        backoff: RetryBackoff = RetryBackoff(),
        rateLimits: [String: RateLimit] = [:]
    ) {
        self.queues = queues
        self.leaseDuration = leaseDuration
        self.pollInterval = pollInterval
        self.maintenanceInterval = maintenanceInterval
        self.shutdownGrace = shutdownGrace
        self.backoff = backoff
        self.rateLimits = rateLimits
    }
}

/// A job enqueued on a schedule, once per due time across all processes.
public struct PeriodicJob: Sendable {
    public enum Schedule: Sendable {
        case cron(CronSchedule)
        case every(Duration)
    }

    public var name: String
    public var kind: String
    public var queue: String
    public var priority: JobPriority
    public var payload: String
    public var schedule: Schedule

    public init(name: String, kind: String, queue: String, priority: JobPriority = .normal, payload: String = "{}", schedule: Schedule) {
        self.name = name
        self.kind = kind
        self.queue = queue
        self.priority = priority
        self.payload = payload
        self.schedule = schedule
    }

    /// The stored form of the schedule: `cron:<expression>` or `every:<seconds>`.
    var spec: String {
        switch schedule {
        case .cron(let cron): "cron:\(cron.description)"
        case .every(let interval): "every:\(max(1, interval.microseconds / 1_000_000))"  // whole seconds, at least 1
        }
    }
}

/// Computes due times from a stored spec.
enum ScheduleSpec {
    /// The next due time after a run that was due at `due`, never in the past of `now`.
    static func next(spec: String, due: Int64, now: Int64) -> Int64? {
        if spec.hasPrefix("every:"), let seconds = Int64(spec.dropFirst("every:".count)), seconds > 0 {
            let interval = seconds * 1_000_000
            let next = due + interval
            return next > now ? next : now + interval
        }
        if spec.hasPrefix("cron:"), let cron = try? CronSchedule(parsing: String(spec.dropFirst("cron:".count))) {
            let after = Double(max(due, now)) / 1_000_000
            return cron.next(after: .init(timeIntervalSince1970: after)).map { Int64($0.timeIntervalSince1970 * 1_000_000) }
        }
        return nil
    }
}

extension JobRunnerSettings {
    /// The budget of a job's provider: its own entry, else its family's (`family/key`).
    func rateLimit(for provider: String) -> RateLimit? {
        rateLimits[provider] ?? provider.firstIndex(of: "/").flatMap { rateLimits[String(provider[..<$0])] }
    }
}
