import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import PonteJobs
import PonteSandboxHub
@testable import PonteServer
import PonteStore
import ServiceLifecycle
import Testing

/// `ponte worker --metrics-port`: a worker process serves its own jobs' metrics over HTTP.
@Suite struct WorkerOperationsTests {
    @Test func aWorkerWithAMetricsPortServesItsJobsOutcomesOverHTTP() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let port = try SandboxWiring.freeLoopbackPort()
        var configuration = HubConfiguration()
        configuration.database = directory.path + "/ponte.sqlite"
        configuration.metricsPort = port
        let worker = try await buildWorker(configuration: configuration, logger: quietLogger)
        let base = "http://127.0.0.1:\(port)"

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await worker.run() }
            // Ready once the worker has migrated the database.
            try await eventually("the worker's /ready answers 200") { try await get(base + "/ready").status == 200 }
            #expect(try await get(base + "/health").body == #"{"status":"ok"}"#)
            #expect(try await get(base + "/api/v1/jobs").status == 404, "a worker serves operations endpoints only")

            // Another process's view of the database enqueues one job that succeeds and one no
            // handler knows, which is dead-lettered.
            let store = try await SQLiteStore.open(path: configuration.database, logger: quietLogger)
            group.addTask { try await store.run() }
            let queue = JobQueue(database: store)
            _ = try await queue.enqueue([
                queue.makeJob(kind: PlatformJobs.noop.name, queue: PlatformJobs.defaultQueue, maxAttempts: 3),
                queue.makeJob(kind: "test.unknown", queue: PlatformJobs.defaultQueue, maxAttempts: 3),
            ])

            func sample(_ text: String, _ prefix: String) -> Double? {
                text.split(separator: "\n").first { $0.hasPrefix(prefix) }
                    .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
            }
            try await eventually("the worker ran both jobs") {
                let metrics = try await get(base + "/metrics").body
                return sample(metrics, #"ponte_jobs_completed_total{queue="default",outcome="succeeded"}"#) == 1
                    && sample(metrics, #"ponte_jobs_dead_lettered_total{queue="default"}"#) == 1
            }
            let metrics = try await get(base + "/metrics").body
            #expect(sample(metrics, #"ponte_jobs_completed_total{queue="default",outcome="dead"}"#) == 1)
            #expect(sample(metrics, #"ponte_job_run_seconds_count{queue="default",kind="ponte.noop"}"#) == 1)
            // The queue's depth is read from the shared database at each scrape.
            #expect(sample(metrics, #"ponte_queue_jobs{queue="default",priority="normal",status="dead"}"#) == 1)
            #expect(metrics.contains(#"ponte_http_request_duration_seconds_count{method="GET",route="/metrics""#))

            await worker.triggerGracefulShutdown()
            group.cancelAll()
        }
    }

    @Test func theMetricsPortComesFromTheEnvironmentAndIsChecked() throws {
        let loaded = try ConfigurationLoader.load(flags: CommandLineOverrides(), environment: ["PONTE_METRICS_PORT": "9091"])
        #expect(loaded.metricsPort == 9091)
        #expect(loaded.sources["metrics_port"] == "env PONTE_METRICS_PORT")
        let flagged = try ConfigurationLoader.load(flags: CommandLineOverrides(metricsPort: 9092), environment: ["PONTE_METRICS_PORT": "9091"])
        #expect(flagged.metricsPort == 9092)
        #expect(try ConfigurationLoader.load(flags: CommandLineOverrides(), environment: [:]).metricsPort == nil)

        var configuration = HubConfiguration()
        configuration.metricsPort = 70000
        #expect(configuration.problems().contains { $0.contains("metrics port 70000 is out of range") })
    }

    private struct Answer {
        let status: UInt
        let body: String
    }

    private func get(_ url: String) async throws -> Answer {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: response.status.code, body: String(buffer: body))
    }

    /// Asks `condition` every 20 ms for up to 30 s (a worker polls an idle queue every 250 ms;
    /// its migrations, at the suite's start, compete with every other test's for two cores).
    private func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TimedOut(what: what)
    }

    private struct TimedOut: Error, CustomStringConvertible {
        let what: String
        var description: String { "timed out after 30 s waiting until \(what)" }
    }
}
