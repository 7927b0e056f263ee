import Foundation
import Logging
import PonteCore
import PonteJobs
import PonteStore

/// The jobs of the platform itself: webhook processing (`WebhookProcessor`), and keeping the
/// database small — finished jobs and old stream events pruned every hour.
enum PlatformJobs {
    /// Succeeded and cancelled jobs older than this are pruned hourly.
    static let jobRetention: Duration = .seconds(7 * 24 * 3600)
    static let maintenanceQueue = "maintenance"
    static let defaultQueue = "default"
    static let pruneJobs = JobKind<NoArguments>("jobs.prune", queue: maintenanceQueue, priority: .low)
    static let pruneStreams = JobKind<NoArguments>("streams.prune", queue: maintenanceQueue, priority: .low)
    /// Does nothing: for smoke tests and the queue benchmark.
    static let noop = JobKind<NoArguments>("ponte.noop", queue: defaultQueue)

    /// Per-provider request budgets, shared by all processes: iFood allows 100 requests a
    /// minute (seed 000); a Twilio WhatsApp sender sends 10 text messages a second by default
    /// (Twilio, "WhatsApp Business Platform with Twilio: Best Practices and FAQs"), each sender
    /// its own budget (`twilio-whatsapp/<sender>`).
    static let rateLimits: [String: RateLimit] = [
        "ifood": RateLimit(capacity: 100, per: .seconds(60)),
        "twilio-whatsapp": RateLimit(capacity: 10, per: .seconds(1)),
    ]

    static func register(in registry: inout JobRegistry, database: any StoreDatabase, clock: any JobClock, streamRetention: Duration) {
        registry.register(pruneJobs) { _, job in
            let pruned = try await database.pruneFinishedJobs(before: clock.now() - jobRetention.microseconds)
            if pruned > 0 { job.logger.info("pruned finished jobs", metadata: ["jobs": "\(pruned)"]) }
        }
        registry.register(pruneStreams) { _, job in
            let pruned = try await database.pruneStreamEvents(before: clock.now() - streamRetention.microseconds)
            if pruned > 0 { job.logger.info("pruned old stream events", metadata: ["events": "\(pruned)"]) }
        }
        registry.register(noop) { _, _ in }
    }

    static let periodic: [PeriodicJob] = [
        PeriodicJob(name: "prune-finished-jobs", kind: pruneJobs.name, queue: maintenanceQueue, priority: .low, schedule: .every(.seconds(3600))),
        PeriodicJob(name: "prune-stream-events", kind: pruneStreams.name, queue: maintenanceQueue, priority: .low, schedule: .every(.seconds(3600))),
    ]

    /// A worker id that names the host and process, for leases and logs.
    static func workerID() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        return "\(host):\(ProcessInfo.processInfo.processIdentifier):\(UInt32.random(in: 0...UInt32.max) % 100_000)"
    }
}
