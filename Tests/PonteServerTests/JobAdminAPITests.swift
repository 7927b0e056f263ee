import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PonteCore
import PonteJobs
import PonteKit
import PonteProviders
import PonteStore
import Testing

@testable import PonteServer

/// The job queue's admin API through the real router: jobs, queues, dead letters, stale leases
/// and webhook replay, on every backend.
///
/// The hubs under test run without workers (`--no-workers`), so nothing runs behind a test's
/// back: jobs run only when a test runs them with `runHubJobs`, on a clock it sets.
@Suite struct JobAdminAPITests {
    // MARK: Webhook processing

    @Test(arguments: HubDatabase.available)
    func aWebhookNobodySubscribesToIsIgnoredAtOnceAndItsReplayGetsAProcessingJob(backend: HubDatabase) async throws {
        try await withJobHub(backend) { client, database in
            let ack = try decode(Acknowledgement.self, try await client.send(Webhooks.stripe(id: "evt_jobs_1")))
            #expect(ack.duplicate == false)
            // Stored ignored, in the transaction that stored it: no job.
            let stored = try decode(WebhookState.self, try await client.adminCall(.get, "/api/v1/webhooks/\(ack.id)"))
            #expect(stored.status == "ignored")
            #expect(stored.reason?.contains("no module subscribes to stripe payment_intent.succeeded events") == true)
            #expect(stored.attempts == 0)
            #expect(try decode(JobPageBody.self, try await client.adminCall(.get, "/api/v1/jobs")).data.isEmpty)

            // A replay gets a job that finds the subscribers again when it runs.
            #expect(try await client.adminCall(.post, "/api/v1/webhooks/\(ack.id)/replay").status == .accepted)
            let page = try decode(JobPageBody.self, try await client.adminCall(.get, "/api/v1/jobs?queue=webhooks"))
            #expect(page.data.count == 1)
            let job = try #require(page.data.first)
            #expect(job.kind == "webhook.process")
            #expect(job.status == "pending")
            #expect(job.priority == "high")
            #expect(job.unique_key == "webhook:\(ack.id)")
            #expect(job.payload == #"{"webhook_id":"\#(ack.id)"}"#)
            #expect(job.attempts == 0)
            #expect(job.max_attempts == 10)
            #expect(job.started_at == nil && job.finished_at == nil && job.lease_owner == nil)

            let results = try await runHubJobs(database, queue: "webhooks", at: try await database.dueTime(of: job.id))
            #expect(results == [.succeeded(id: job.id)])

            let webhook = try decode(WebhookState.self, try await client.adminCall(.get, "/api/v1/webhooks/\(ack.id)"))
            #expect(webhook.status == "ignored")
            #expect(webhook.reason?.contains("no module subscribes to stripe payment_intent.succeeded events") == true)
            #expect(webhook.attempts == 1)
            #expect(webhook.last_error == nil)
            let done = try decode(JobBody.self, try await client.adminCall(.get, "/api/v1/jobs/\(job.id)"))
            #expect(done.status == "succeeded")
            #expect(done.attempts == 1)
            #expect(done.finished_at != nil)
            #expect(done.lease_owner == nil)

            // A duplicate delivery gets no second job.
            let duplicate = try decode(Acknowledgement.self, try await client.send(Webhooks.stripe(id: "evt_jobs_1")))
            #expect(duplicate.duplicate == true)
            #expect(try decode(JobPageBody.self, try await client.adminCall(.get, "/api/v1/jobs")).data.map(\.id) == [job.id])
        }
    }

    // MARK: Listing and reading jobs

    @Test(arguments: HubDatabase.available)
    func jobListFiltersAndPagesNewestFirst(backend: HubDatabase) async throws {
        try await withJobHub(backend) { client, database in
            let a1 = try await database.add(apiJob(queue: "alpha", priority: .high))
            let b1 = try await database.add(apiJob(queue: "beta", priority: .low))
            let a2 = try await database.add(apiJob(queue: "alpha", priority: .low))
            let b2 = try await database.add(apiJob(queue: "beta", priority: .high))
            _ = try await database.claimJobs(queue: "alpha", limit: 1, worker: "w1", now: t0, leaseUntil: t0 + 30 * oneSecond)

            func ids(_ query: String) async throws -> [String] {
                let response = try await client.adminCall(.get, "/api/v1/jobs" + query)
                #expect(response.status == .ok, "\(query): \(String(buffer: response.body))")
                return try decode(JobPageBody.self, response).data.map(\.id)
            }
            #expect(try await ids("") == [b2, a2, b1, a1])
            #expect(try await ids("?queue=alpha") == [a2, a1])
            #expect(try await ids("?priority=high") == [b2, a1])
            #expect(try await ids("?status=running") == [a1])
            #expect(try await ids("?status=pending&queue=beta&priority=low") == [b1])
            #expect(try await ids("?status=dead").isEmpty)
            #expect(try await ids("?queue=") == [b2, a2, b1, a1])

            var seen: [String] = []
            var sizes: [Int] = []
            var cursor: String?
            repeat {
                let page = try decode(JobPageBody.self, try await client.adminCall(.get, "/api/v1/jobs?limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")))
                seen += page.data.map(\.id)
                sizes.append(page.data.count)
                cursor = page.next_cursor
                if let cursor { #expect(cursor == page.data.last?.id) }
            } while cursor != nil && sizes.count < 5
            #expect(sizes == [3, 1])
            #expect(seen == [b2, a2, b1, a1])

            let empty = try await client.adminCall(.get, "/api/v1/jobs?queue=nowhere")
            #expect(String(buffer: empty.body) == #"{"data":[],"next_cursor":null}"#)
        }
    }

    @Test(arguments: [
        "status=bogus", "status=PENDING", "priority=urgent", "limit=0", "limit=501", "limit=abc", "cursor=garbage",
        "cursor=wh_01ARYZ6S4128T028T5CY4TQKFF", "cursor=job_01ARYZ6S4128T028T5CY4TQKFU", "cursor=job_01ARYZ6S4128T028T5CY4TQKF",
    ])
    func badJobListQueryIsAnInvalidQuery(query: String) async throws {
        try await withJobHub(.sqlite) { client, _ in
            expectError(try await client.adminCall(.get, "/api/v1/jobs?\(query)"), .badRequest, "INVALID_QUERY")
        }
    }

    @Test(arguments: HubDatabase.available)
    func jobDetailHasEveryFieldAndItsAttemptHistory(backend: HubDatabase) async throws {
        try await withJobHub(backend) { client, database in
            let id = try await database.add(
                apiJob(queue: "calls", kind: "crm.sync", payload: #"{"customer":7}"#, uniqueKey: "crm:7", provider: "stripe", maxAttempts: 5))
            _ = try await database.claimJobs(queue: "calls", limit: 1, worker: "w1", now: t0, leaseUntil: t0 + 30 * oneSecond)
            try await database.finishJobs([.retry(id: id, at: t0 + 2 * oneSecond, error: "HTTP 502")], worker: "w1", now: t0 + oneSecond)
            _ = try await database.claimJobs(queue: "calls", limit: 1, worker: "w2", now: t0 + 2 * oneSecond, leaseUntil: t0 + 32 * oneSecond)
            try await database.finishJobs([.retry(id: id, at: t0 + 60 * oneSecond, error: "HTTP 503")], worker: "w2", now: t0 + 3 * oneSecond)

            let response = try await client.adminCall(.get, "/api/v1/jobs/\(id)")
            #expect(response.status == .ok)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
            #expect(
                Set(object.keys) == [
                    "id", "queue", "kind", "priority", "status", "attempts", "max_attempts", "unique_key", "provider", "payload",
                    "last_error", "run_at", "created_at", "started_at", "finished_at", "lease_owner", "lease_expires_at",
                    "result", "attempt_history",
                ])
            #expect(object["finished_at"] is NSNull)
            #expect(object["result"] is NSNull)
            #expect(object["lease_owner"] is NSNull)

            let job = try decode(JobBody.self, response)
            #expect(
                job
                    == JobBody(
                        id: id, queue: "calls", kind: "crm.sync", priority: "normal", status: "pending", attempts: 2, max_attempts: 5,
                        unique_key: "crm:7", provider: "stripe", payload: #"{"customer":7}"#, last_error: "HTTP 503",
                        run_at: "2025-06-15T15:07:40.000Z", created_at: "2025-06-15T15:06:40.000Z", started_at: "2025-06-15T15:06:42.000Z",
                        finished_at: nil, lease_owner: nil, lease_expires_at: nil
                    ))
            let history = try decode(JobHistory.self, response).attempt_history
            #expect(
                history == [
                    AttemptBody(
                        attempt: 1, outcome: "failed", error: "HTTP 502", worker: "w1", started_at: "2025-06-15T15:06:40.000Z",
                        finished_at: "2025-06-15T15:06:41.000Z"),
                    AttemptBody(
                        attempt: 2, outcome: "failed", error: "HTTP 503", worker: "w2", started_at: "2025-06-15T15:06:42.000Z",
                        finished_at: "2025-06-15T15:06:43.000Z"),
                ])
        }
    }

    @Test(arguments: HubDatabase.available)
    func unknownJobIsNotFound(backend: HubDatabase) async throws {
        try await withJobHub(backend) { client, database in
            try await database.add(apiJob(queue: "alpha"))
            for (method, path) in [
                (HTTPRequest.Method.get, "/api/v1/jobs/job_01ARYZ6S4128T028T5CY4TQKFF"),
                (.post, "/api/v1/jobs/job_01ARYZ6S4128T028T5CY4TQKFF/retry"),
                (.post, "/api/v1/jobs/job_01ARYZ6S4128T028T5CY4TQKFF/cancel"),
                (.get, "/api/v1/jobs/not-even-an-id"),
            ] {
                expectError(try await client.adminCall(method, path), .notFound, "JOB_NOT_FOUND")
            }
        }
    }

    // MARK: Retry and cancel

    @Test(arguments: HubDatabase.available)
    func retryAndCancelFollowTheAllowedTransitions(backend: HubDatabase) async throws {
        try await withJobHub(backend) { client, database in
            let pending = try await database.add(apiJob(queue: "p"))
            let dead = try await database.addFinished(apiJob(queue: "d", maxAttempts: 1)) { .dead(id: $0, error: "HTTP 400") }
            let running = try await database.add(apiJob(queue: "r"))
            _ = try await database.claimJobs(queue: "r", limit: 1, worker: "w1", now: t0, leaseUntil: t0 + 30 * oneSecond)

            // Pending: cannot be retried, can be cancelled once.
            expectError(try await client.adminCall(.post, "/api/v1/jobs/\(pending)/retry"), .conflict, "JOB_INVALID_TRANSITION")
            let cancelResponse = try await client.adminCall(.post, "/api/v1/jobs/\(pending)/cancel")
            #expect(cancelResponse.status == .ok)
            let cancelled = try decode(JobBody.self, cancelResponse)
            #expect(cancelled.id == pending)
            #expect(cancelled.status == "cancelled")
            #expect(cancelled.finished_at != nil)
            expectError(try await client.adminCall(.post, "/api/v1/jobs/\(pending)/cancel"), .conflict, "JOB_INVALID_TRANSITION")

            // Cancelled and dead jobs go back to pending with a fresh attempt budget.
            let uncancelled = try decode(JobBody.self, try await client.adminCall(.post, "/api/v1/jobs/\(pending)/retry"))
            #expect(uncancelled.status == "pending")
            #expect(uncancelled.finished_at == nil)
            let retryResponse = try await client.adminCall(.post, "/api/v1/jobs/\(dead)/retry")
            #expect(retryResponse.status == .ok)
            let retried = try decode(JobBody.self, retryResponse)
            #expect(retried.status == "pending")
            #expect(retried.attempts == 0)
            #expect(retried.max_attempts == 1)
            #expect(try await database.requireJob(dead).status == .pending)

            // Running jobs can be neither.
            expectError(try await client.adminCall(.post, "/api/v1/jobs/\(running)/cancel"), .conflict, "JOB_INVALID_TRANSITION")
            expectError(try await client.adminCall(.post, "/api/v1/jobs/\(running)/retry"), .conflict, "JOB_INVALID_TRANSITION")
            #expect(try await database.requireJob(running).status == .running)
        }
    }

    @Test(arguments: HubDatabase.available)
    func retryOfADeadJobWhoseUniqueKeyIsTakenIsAConflict(backend: HubDatabase) async throws {
        try await withJobHub(backend) { client, database in
            let dead = try await database.addFinished(apiJob(queue: "sync", uniqueKey: "sync:1")) { .dead(id: $0, error: "boom") }
            let active = try await database.add(apiJob(queue: "sync", uniqueKey: "sync:1"))

            let response = try await client.adminCall(.post, "/api/v1/jobs/\(dead)/retry")
            expectError(response, .conflict, "JOB_UNIQUE_KEY_TAKEN")
            #expect(String(buffer: response.body).contains(active))
            #expect(try await database.requireJob(dead).status == .dead)
        }
    }

    // MARK: Queues

    @Test(arguments: HubDatabase.available)
    func queuesReportCountsByPriorityAndTheOldestDueJob(backend: HubDatabase) async throws {
        try await withJobHub(backend) { client, database in
            let empty = try await client.adminCall(.get, "/api/v1/queues")
            #expect(empty.status == .ok)
            #expect(String(buffer: empty.body) == #"{"dead_letters":0,"queues":[]}"#)

            let year2100: Int64 = 4_102_444_800 * oneSecond
            try await database.addFinished(apiJob(queue: "alpha", priority: .low)) { .dead(id: $0, error: "boom") }
            try await database.add(apiJob(queue: "alpha", runAt: t0))
            try await database.add(apiJob(queue: "alpha", runAt: t0 + oneSecond))
            try await database.add(apiJob(queue: "alpha", priority: .high, runAt: year2100))
            try await database.add(apiJob(queue: "beta", priority: .critical))
            _ = try await database.claimJobs(queue: "beta", limit: 1, worker: "w1", now: t0, leaseUntil: t0 + 30 * oneSecond)
            try await database.addFinished(apiJob(queue: "gamma")) { .succeeded(id: $0) }

            let response = try await client.adminCall(.get, "/api/v1/queues")
            #expect(response.status == .ok)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
            #expect(object["dead_letters"] as? Int == 1)
            let queues = try #require(object["queues"] as? [[String: Any]])
            #expect(queues.map { $0["queue"] as? String } == ["alpha", "beta"])
            #expect(queues.allSatisfy { Set($0.keys) == ["queue", "pending", "running", "dead", "by_priority", "oldest_pending_age_seconds"] })

            let alpha = queues[0]
            #expect(alpha["pending"] as? Int == 3)
            #expect(alpha["running"] as? Int == 0)
            #expect(alpha["dead"] as? Int == 1)
            #expect(alpha["by_priority"] as? [String: [String: Int]] == ["high": ["pending": 1], "low": ["dead": 1], "normal": ["pending": 2]])
            // Measured against the hub's own clock, so only its sign is certain: the oldest due job
            // (due at t0) has been waiting for some time.
            let age = try #require(alpha["oldest_pending_age_seconds"] as? Double)
            #expect(age > 0)

            let beta = queues[1]
            #expect(beta["pending"] as? Int == 0)
            #expect(beta["running"] as? Int == 1)
            #expect(beta["dead"] as? Int == 0)
            #expect(beta["by_priority"] as? [String: [String: Int]] == ["critical": ["running": 1]])
            #expect(beta["oldest_pending_age_seconds"] is NSNull)
        }
    }

    // MARK: Dead letters and stale leases

    @Test(arguments: ["{not json", #"{"queue": 5}"#, "[1, 2]", "null", #""alpha""#])
    func malformedDeadLetterFilterIsInvalidJSON(body: String) async throws {
        try await withJobHub(.sqlite) { client, database in
            let dead = try await database.addFinished(apiJob(queue: "alpha")) { .dead(id: $0, error: "boom") }
            expectError(try await client.adminCall(.post, "/api/v1/dead-letter/retry", body: body), .badRequest, "INVALID_JSON")
            #expect(try await database.requireJob(dead).status == .dead)
        }
    }

    @Test(arguments: HubDatabase.available)
    func deadLettersAreRetriedByFilter(backend: HubDatabase) async throws {
        try await withJobHub(backend) { client, database in
            let stripe = try await database.addFinished(apiJob(queue: "alpha", provider: "stripe")) { .dead(id: $0, error: "HTTP 500") }
            let ifood = try await database.addFinished(apiJob(queue: "alpha", provider: "ifood")) { .dead(id: $0, error: "quota 100% used") }
            let beta = try await database.addFinished(apiJob(queue: "beta", provider: "ifood")) { .dead(id: $0, error: "quota 1000 used") }

            let filtered = try await client.adminCall(.post, "/api/v1/dead-letter/retry", body: #"{"queue":"alpha","provider":"ifood"}"#)
            #expect(filtered.status == .ok)
            #expect(try decode(Retried.self, filtered) == Retried(retried: 1, ids: [ifood]))
            #expect(try await database.requireJob(ifood).status == .pending)
            #expect(try await database.requireJob(ifood).attempts == 0)

            let byText = try await client.adminCall(.post, "/api/v1/dead-letter/retry", body: #"{"error_contains":"100%"}"#)
            #expect(try decode(Retried.self, byText) == Retried(retried: 0, ids: []))

            let rest = try decode(Retried.self, try await client.adminCall(.post, "/api/v1/dead-letter/retry"))
            #expect(rest.retried == 2)
            #expect(Set(rest.ids) == [stripe, beta])
            #expect(try decode(Retried.self, try await client.adminCall(.post, "/api/v1/dead-letter/retry", body: "{}")) == Retried(retried: 0, ids: []))
        }
    }

    @Test(arguments: HubDatabase.available)
    func recoverStaleRequeuesExpiredLeasesAndDeadLettersLastAttempts(backend: HubDatabase) async throws {
        try await withJobHub(backend) { client, database in
            let year2100: Int64 = 4_102_444_800 * oneSecond
            let requeued = try await database.add(apiJob(queue: "a", maxAttempts: 3))
            let lastAttempt = try await database.add(apiJob(queue: "b", maxAttempts: 1))
            let healthy = try await database.add(apiJob(queue: "c", maxAttempts: 1))
            // Leases that ended in 2025 have long expired by the hub's clock; one until 2100 has not.
            _ = try await database.claimJobs(queue: "a", limit: 1, worker: "gone", now: t0, leaseUntil: t0 + 30 * oneSecond)
            _ = try await database.claimJobs(queue: "b", limit: 1, worker: "gone", now: t0, leaseUntil: t0 + 30 * oneSecond)
            _ = try await database.claimJobs(queue: "c", limit: 1, worker: "alive", now: t0, leaseUntil: year2100)

            let response = try await client.adminCall(.post, "/api/v1/admin/recover-stale")
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == #"{"dead_lettered":["\#(lastAttempt)"],"requeued":["\#(requeued)"]}"#)

            let job = try decode(JobBody.self, try await client.adminCall(.get, "/api/v1/jobs/\(requeued)"))
            #expect(job.status == "pending")
            #expect(job.last_error?.contains("lease expired") == true)
            #expect(try decode(JobHistory.self, try await client.adminCall(.get, "/api/v1/jobs/\(requeued)")).attempt_history.map(\.outcome) == ["lease_expired"])
            #expect(try await database.requireJob(lastAttempt).status == .dead)
            #expect(try await database.requireJob(healthy).status == .running)

            let again = try await client.adminCall(.post, "/api/v1/admin/recover-stale")
            #expect(String(buffer: again.body) == #"{"dead_lettered":[],"requeued":[]}"#)
        }
    }

    @Test(arguments: HubDatabase.available)
    func aWebhookLeftProcessingByADeadWorkerGoesBackToPendingThenFailsOnItsLastAttempt(backend: HubDatabase) async throws {
        try await withJobHub(backend) { client, database in
            let ack = try decode(Acknowledgement.self, try await client.send(Webhooks.stripe(id: "evt_abandoned")))
            #expect(try await client.adminCall(.post, "/api/v1/webhooks/\(ack.id)/replay").status == .accepted)
            let year2100: Int64 = 4_102_444_800 * oneSecond
            /// A worker claims the event's job, marks the event processing, and dies: its lease
            /// ended in 2025, long before the hub's clock.
            func claimAndDie() async throws -> String {
                let job = try #require(
                    try await database.claimJobs(queue: "webhooks", limit: 1, worker: "gone", now: year2100, leaseUntil: t0 + 30 * oneSecond).first)
                try await database.setWebhookStatus(id: ack.id, status: .processing, attemptStarted: true)
                return job.id
            }
            func webhook() async throws -> WebhookState {
                try decode(WebhookState.self, try await client.adminCall(.get, "/api/v1/webhooks/\(ack.id)"))
            }

            let job = try await claimAndDie()
            #expect(try await webhook().status == "processing")
            let first = try await client.adminCall(.post, "/api/v1/admin/recover-stale")
            #expect(String(buffer: first.body) == #"{"dead_lettered":[],"requeued":["\#(job)"]}"#)
            let waiting = try await webhook()
            #expect(waiting.status == "pending")
            #expect(waiting.last_error?.contains("lease expired: worker gone") == true)

            // The second attempt is its last; its worker dies too.
            #expect(try await claimAndDie() == job)
            try await database.write { sql in try await sql.execute("UPDATE jobs SET max_attempts = 2 WHERE id = ?", [.text(job)]) }
            let second = try await client.adminCall(.post, "/api/v1/admin/recover-stale")
            #expect(String(buffer: second.body) == #"{"dead_lettered":["\#(job)"],"requeued":[]}"#)
            let failed = try await webhook()
            #expect(failed.status == "failed")
            #expect(failed.attempts == 2)
            #expect(failed.last_error?.contains("lease expired: worker gone") == true)
            #expect(try await database.requireJob(job).status == .dead)
        }
    }

    // MARK: Webhook replay

    @Test(arguments: HubDatabase.available)
    func replayReturnsTheWaitingJobOrEnqueuesANewOne(backend: HubDatabase) async throws {
        try await withJobHub(backend) { client, database in
            // A Stripe event: no module subscribes to it, so it is stored `ignored`, and each
            // processing of a replay ends `ignored` too.
            let ack = try decode(Acknowledgement.self, try await client.send(Webhooks.stripe(id: "evt_replay")))
            let first = try decode(Replay.self, try await client.adminCall(.post, "/api/v1/webhooks/\(ack.id)/replay"))
            #expect(first.existing == false)
            let original = try #require(try decode(JobPageBody.self, try await client.adminCall(.get, "/api/v1/jobs")).data.first)
            #expect(original.id == first.job_id)

            // Its processing job has not run yet: replay returns it.
            let early = try await client.adminCall(.post, "/api/v1/webhooks/\(ack.id)/replay")
            #expect(early.status == .accepted)
            #expect(try decode(Replay.self, early) == Replay(webhook_id: ack.id, job_id: original.id, existing: true))

            #expect(try await runHubJobs(database, queue: "webhooks", at: try await database.dueTime(of: original.id)) == [.succeeded(id: original.id)])
            #expect(try decode(WebhookState.self, try await client.adminCall(.get, "/api/v1/webhooks/\(ack.id)")).status == "ignored")

            let late = try await client.adminCall(.post, "/api/v1/webhooks/\(ack.id)/replay")
            #expect(late.status == .accepted)
            let replay = try decode(Replay.self, late)
            #expect(replay.webhook_id == ack.id)
            #expect(replay.existing == false)
            #expect(replay.job_id != original.id)
            let webhook = try decode(WebhookState.self, try await client.adminCall(.get, "/api/v1/webhooks/\(ack.id)"))
            #expect(webhook.status == "pending")
            #expect(webhook.reason == nil)
            let waiting = try decode(JobPageBody.self, try await client.adminCall(.get, "/api/v1/jobs?status=pending"))
            #expect(waiting.data.map(\.id) == [replay.job_id])
            #expect(waiting.data.first?.kind == "webhook.process")
            #expect(waiting.data.first?.payload == #"{"webhook_id":"\#(ack.id)"}"#)

            // The replayed job processes the event again.
            #expect(try await runHubJobs(database, queue: "webhooks", at: try await database.dueTime(of: replay.job_id)) == [.succeeded(id: replay.job_id)])
            #expect(try decode(WebhookState.self, try await client.adminCall(.get, "/api/v1/webhooks/\(ack.id)")).status == "ignored")
        }
    }

    @Test(arguments: HubDatabase.available)
    func replayOfAnUnknownWebhookIsNotFoundAndEnqueuesNothing(backend: HubDatabase) async throws {
        try await withJobHub(backend) { client, database in
            expectError(
                try await client.adminCall(.post, "/api/v1/webhooks/wh_01ARYZ6S4128T028T5CY4TQKFF/replay"), .notFound, "WEBHOOK_NOT_FOUND")
            #expect(try await database.listJobs(JobQuery()).isEmpty)
        }
    }

    // MARK: Authentication

    static let endpoints: [(HTTPRequest.Method, String)] = [
        (.get, "/api/v1/jobs"),
        (.get, "/api/v1/jobs/job_01ARYZ6S4128T028T5CY4TQKFF"),
        (.post, "/api/v1/jobs/job_01ARYZ6S4128T028T5CY4TQKFF/retry"),
        (.post, "/api/v1/jobs/job_01ARYZ6S4128T028T5CY4TQKFF/cancel"),
        (.get, "/api/v1/queues"),
        (.post, "/api/v1/dead-letter/retry"),
        (.post, "/api/v1/admin/recover-stale"),
        (.post, "/api/v1/webhooks/wh_01ARYZ6S4128T028T5CY4TQKFF/replay"),
    ]

    @Test(arguments: JobAdminAPITests.endpoints)
    func jobEndpointNeedsAnAdminToken(method: HTTPRequest.Method, path: String) async throws {
        try await withJobHub(.sqlite) { client, database in
            let dead = try await database.addFinished(apiJob(queue: "alpha")) { .dead(id: $0, error: "boom") }
            let stale = try await database.add(apiJob(queue: "stale"))
            _ = try await database.claimJobs(queue: "stale", limit: 1, worker: "gone", now: t0, leaseUntil: t0 + oneSecond)

            expectError(try await client.adminCall(method, path, token: nil), .unauthorized, "UNAUTHORIZED")
            let viewer = Fixture.tokens.issue(role: "viewer", now: Fixture.now, lifetime: 3600)
            expectError(try await client.adminCall(method, path, token: viewer), .forbidden, "FORBIDDEN")

            // Refused requests changed nothing.
            #expect(try await database.requireJob(dead).status == .dead)
            #expect(try await database.requireJob(stale).status == .running)
            #expect(try await database.listJobs(JobQuery()).count == 2)
        }
    }
}

// MARK: The hub under test

/// The databases the job API tests run on: SQLite always, PostgreSQL when
/// `PONTE_TEST_POSTGRES_URL` names a server (a fresh database is created on it per test).
enum HubDatabase: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgresql

    var testDescription: String { rawValue }

    static var postgresServer: String? {
        ProcessInfo.processInfo.environment["PONTE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static var available: [HubDatabase] {
        postgresServer == nil ? [.sqlite] : [.sqlite, .postgresql]
    }
}

/// Builds the real application without workers on a fresh `backend` database, and runs `test`
/// with a client and the application's own database (to set up jobs and run them).
func withJobHub(
    _ backend: HubDatabase, modules: [any HubModule] = HubModules.all,
    _ test: @Sendable (any TestClientProtocol, any StoreDatabase) async throws -> Void
) async throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    var configuration = HubConfiguration()
    configuration.port = 0
    configuration.jwtSecret = Fixture.jwtSecret
    configuration.publicURL = Fixture.publicURL
    configuration.maxBodyBytes = Fixture.maxBodyBytes
    configuration.secrets = Fixture.secrets
    configuration.dataDirectory = directory.path
    configuration.workers = false

    func run(_ configuration: HubConfiguration) async throws {
        let app = try await buildApplication(configuration: configuration, modules: modules, logger: quietLogger, now: { Fixture.now })
        let database = try #require(app.services.first as? any StoreDatabase, "the first service is the database")
        try await app.test(.router) { client in try await test(client, database) }
    }

    try await withDatabaseURL(backend, in: directory) { url in
        configuration.database = url
        try await run(configuration)
    }
}

/// Runs `body` with the database of `backend`: a SQLite file in `directory`, or a fresh
/// database on the PostgreSQL server (dropped afterwards).
func withDatabaseURL(_ backend: HubDatabase, in directory: TemporaryDirectory, _ body: (String) async throws -> Void) async throws {
    switch backend {
    case .sqlite:
        try await body(directory.path + "/ponte.sqlite")
    case .postgresql:
        let server = try #require(HubDatabase.postgresServer)
        try await withScratchPostgresDatabase(server: server, body)
    }
}

/// Creates a database with a random name on `server`, runs `body` with its URL, and drops it.
func withScratchPostgresDatabase(server: String, _ body: (String) async throws -> Void) async throws {
    let admin = PostgresStore(url: try PostgresURL(parsing: server), logger: quietLogger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await admin.run() }
        defer { group.cancelAll() }
        let name = "ponte_api_test_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        // Outside a transaction: CREATE and DROP DATABASE cannot run inside one.
        _ = try await admin.read("CREATE DATABASE \(name)", [])
        var components = try #require(URLComponents(string: server))
        components.path = "/" + name
        do {
            try await body(try #require(components.string))
        } catch {
            _ = try? await admin.read("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", [])
            throw error
        }
        _ = try await admin.read("DROP DATABASE \(name) WITH (FORCE)", [])
    }
}

/// Runs the hub's due jobs of `queue` once, as a worker process would, on a clock stopped at `now`.
func runHubJobs(
    _ database: any StoreDatabase, modules: [any HubModule] = HubModules.all, queue: String, at now: Int64
) async throws -> [JobResult] {
    let hub = try await HubAssembly.make(
        configuration: HubConfiguration(), modules: modules, logger: quietLogger, now: Date.init, database: database,
        clients: ProviderClients(settings: ProviderClientSettings(), logger: Logger(label: "test")), clock: ManualJobClock(now: now)
    )
    return try await hub.runner(logger: quietLogger, prepare: {}).runDueJobs(queue: queue)
}

// MARK: Jobs set up through the store

/// 2025-06-15T15:06:40Z (`Fixture.now`) in microseconds.
private let t0: Int64 = 1_750_000_000_000_000
private let oneSecond: Int64 = 1_000_000
private let apiJobIDs = SortableIDGenerator(prefix: "job_")

/// A job due at `runAt` (default `Fixture.now`) with a fresh, increasing id.
private func apiJob(
    queue: String, kind: String = "ponte.noop", priority: JobPriority = .normal, payload: String = "{}", uniqueKey: String? = nil,
    provider: String? = nil, runAt: Int64 = t0, maxAttempts: Int = 10
) -> NewJob {
    NewJob(
        id: apiJobIDs.next(at: Date(timeIntervalSince1970: Double(runAt) / 1_000_000)), queue: queue, kind: kind, priority: priority,
        payload: payload, uniqueKey: uniqueKey, provider: provider, runAt: runAt, maxAttempts: maxAttempts
    )
}

extension StoreDatabase {
    @discardableResult
    fileprivate func add(_ job: NewJob, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        #expect(try await enqueue([job], now: t0) == [EnqueuedJob(id: job.id, existing: false)], sourceLocation: sourceLocation)
        return job.id
    }

    /// Enqueues `job`, claims it and ends that attempt with `result(id)`.
    @discardableResult
    fileprivate func addFinished(
        _ job: NewJob, sourceLocation: SourceLocation = #_sourceLocation, _ result: (String) -> JobResult
    ) async throws -> String {
        try await add(job, sourceLocation: sourceLocation)
        let claimed = try await claimJobs(queue: job.queue, limit: 1, worker: "w1", now: job.runAt, leaseUntil: job.runAt + 30 * oneSecond)
        #expect(claimed.map(\.id) == [job.id], sourceLocation: sourceLocation)
        #expect(try await finishJobs([result(job.id)], worker: "w1", now: job.runAt).isEmpty, sourceLocation: sourceLocation)
        return job.id
    }

    fileprivate func requireJob(_ id: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> JobRecord {
        try #require(try await job(id: id), sourceLocation: sourceLocation).job
    }

    /// When job `id` is due.
    fileprivate func dueTime(of id: String) async throws -> Int64 {
        try await requireJob(id).runAt
    }
}

// MARK: Requests and response shapes

extension TestClientProtocol {
    /// `method path` on the admin API with `Authorization: Bearer <token>` (none when nil).
    func adminCall(
        _ method: HTTPRequest.Method, _ path: String, body: String? = nil, token: String? = Fixture.adminToken
    ) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }
}

struct JobBody: Decodable, Equatable {
    let id: String
    let queue: String
    let kind: String
    let priority: String
    let status: String
    let attempts: Int
    let max_attempts: Int
    let unique_key: String?
    let provider: String?
    let payload: String
    let last_error: String?
    let run_at: String
    let created_at: String
    let started_at: String?
    let finished_at: String?
    let lease_owner: String?
    let lease_expires_at: String?
}

struct JobPageBody: Decodable {
    let data: [JobBody]
    let next_cursor: String?
}

struct AttemptBody: Decodable, Equatable {
    let attempt: Int
    let outcome: String
    let error: String?
    let worker: String?
    let started_at: String?
    let finished_at: String
}

struct JobHistory: Decodable {
    let attempt_history: [AttemptBody]
}

struct WebhookState: Decodable {
    let status: String
    let reason: String?
    let attempts: Int
    let last_error: String?
}

struct Retried: Decodable, Equatable {
    let retried: Int
    let ids: [String]
}

struct Replay: Decodable, Equatable {
    let webhook_id: String
    let job_id: String
    let existing: Bool
}
