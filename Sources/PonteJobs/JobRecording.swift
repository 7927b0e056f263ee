import Logging
import PonteCore
import PonteStore
import Synchronization

/// Recording finished attempts: their outcomes, the changes their handlers left, and the next
/// claim, in one transaction.
///
/// The transaction is tried whole first: one commit for the batch. If anything in it fails
/// (a unit of work throws, a write violates a constraint), it is rolled back and tried again
/// with each succeeded job's changes in a savepoint of their own: a job whose changes fail
/// then fails alone — retried by its policy, or dead-lettered with the database's error —
/// and every other outcome commits, so one bad job cannot stall its queue.
extension JobRunner {
    /// Records `done` and, with `claim`, claims the next jobs; returns those.
    func record(_ done: [FinishedJob], claim: ClaimRequest?) async throws -> [ClaimedJob] {
        try await recordBatch(done, claim: claim).claimed
    }

    /// Records `done` and returns each job's final outcome, in order (for tests).
    func recordReturningResults(_ done: [FinishedJob]) async throws -> [JobResult] {
        try await recordBatch(done, claim: nil).results
    }

    private func recordBatch(_ done: [FinishedJob], claim: ClaimRequest?) async throws -> (claimed: [ClaimedJob], results: [JobResult]) {
        let now = claim?.now ?? queue.clock.now()
        let outcome: BatchOutcome
        do {
            outcome = try await database.write { sql in try await self.recordWhole(done, claim: claim, now: now, on: sql) }
        } catch let error as StoreError where error.kind == .unavailable {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            logger.warning(
                "recording a batch of jobs failed; recording each job's changes on its own",
                metadata: ["jobs": "\(done.count)", "error": "\(error)"]
            )
            outcome = try await database.write { sql in try await self.recordOneByOne(done, claim: claim, now: now, on: sql) }
        }
        for unit in outcome.units { unit.committed() }
        if !outcome.lost.isEmpty {
            logger.warning(
                "lease lost before the outcome was stored; another worker runs these jobs again",
                metadata: ["jobs": "\(outcome.lost.joined(separator: ","))"]
            )
        }
        for (finished, result) in zip(done, outcome.results) { report(finished, result: result) }
        return (outcome.claimed, outcome.results)
    }

    private struct BatchOutcome: Sendable {
        var results: [JobResult]
        var lost: [String]
        var claimed: [ClaimedJob]
        /// The units of work that committed, to announce what they added.
        var units: [UnitOfWork]
    }

    /// Everything in one go: the fast path.
    private func recordWhole(_ done: [FinishedJob], claim: ClaimRequest?, now: Int64, on sql: any SQLExecutor) async throws -> BatchOutcome {
        let results = done.map(\.result)
        let applied = try await sql.finishJobs(results, worker: workerID, now: now)
        let succeeded = done.filter { applied.contains($0.job.id) && $0.result.isSuccess }
        try await DeferredWrite.run(succeeded.flatMap(\.completion.writes), on: sql)
        var units: [UnitOfWork] = []
        for finished in done where applied.contains(finished.job.id) {
            units += try await runUnits(of: finished, result: finished.result, on: sql)
        }
        let claimed = try await claimIfAsked(claim, on: sql)
        return BatchOutcome(results: results, lost: done.map(\.job.id).filter { !applied.contains($0) }, claimed: claimed, units: units)
    }

    /// Each succeeded job's changes in a savepoint: those that fail turn into failures.
    private func recordOneByOne(_ done: [FinishedJob], claim: ClaimRequest?, now: Int64, on sql: any SQLExecutor) async throws -> BatchOutcome {
        var results: [JobResult] = []
        var lost: [String] = []
        var units: [UnitOfWork] = []
        for finished in done {
            var result = finished.result
            if result.isSuccess {
                do {
                    let committed = try await sql.savepoint {
                        guard try await sql.finishJobs([result], worker: workerID, now: now).contains(finished.job.id) else { return [UnitOfWork]?.none }
                        try await DeferredWrite.run(finished.completion.writes, on: sql)
                        return try await runUnits(of: finished, result: result, on: sql)
                    }
                    guard let committed else {
                        lost.append(finished.job.id)
                        results.append(result)
                        continue
                    }
                    units += committed
                    results.append(result)
                    continue
                } catch let error as StoreError where error.kind == .unavailable {
                    throw error
                } catch {
                    result = failure(of: finished.job, changesFailed: error)
                }
            }
            guard try await sql.finishJobs([result], worker: workerID, now: now).contains(finished.job.id) else {
                lost.append(finished.job.id)
                results.append(result)
                continue
            }
            do {
                units += try await sql.savepoint { try await runUnits(of: finished, result: result, on: sql) }
            } catch let error as StoreError where error.kind == .unavailable {
                throw error
            } catch {
                logger.error(
                    "a failed job's failure changes could not be recorded; its failure is",
                    metadata: meta(finished.job, ["error": "\(error)"])
                )
            }
            results.append(result)
        }
        let claimed = try await claimIfAsked(claim, on: sql)
        return BatchOutcome(results: results, lost: lost, claimed: claimed, units: units)
    }

    /// Runs the units of work that go with `result`: success units for a success, failure
    /// units for a retry or a dead letter, none for a release.
    private func runUnits(of finished: FinishedJob, result: JobResult, on sql: any SQLExecutor) async throws -> [UnitOfWork] {
        var units: [UnitOfWork] = []
        switch result {
        case .succeeded:
            for step in finished.completion.success {
                let unit = work.begin(on: sql)
                try await step(unit)
                units.append(unit)
            }
        case .retry(_, _, let error), .dead(_, let error):
            let failure = JobAttemptFailure(error: error, final: result.isDead, attempt: finished.job.attempt)
            for step in finished.completion.failure {
                let unit = work.begin(on: sql)
                try await step(unit, failure)
                units.append(unit)
            }
        case .release:
            break
        }
        return units
    }

    private func claimIfAsked(_ claim: ClaimRequest?, on sql: any SQLExecutor) async throws -> [ClaimedJob] {
        guard let claim, claim.limit > 0 else { return [] }
        return try await sql.claimJobs(claim)
    }

    /// The outcome of a job whose handler succeeded but whose changes could not be stored:
    /// retried soon when the database asks for it (a deadlock, a serialization failure),
    /// else by the job's backoff; dead once its attempts are spent.
    private func failure(of job: ClaimedJob, changesFailed error: any Error) -> JobResult {
        let message = "its changes were not stored: \(error)"
        if let store = error as? StoreError, store.isRetryable {
            return retry(job, error: message, after: .milliseconds(Int.random(in: 50...500)))
        }
        return retry(job, error: message, after: nil)
    }
}

extension JobResult {
    var isSuccess: Bool {
        if case .succeeded = self { return true }
        return false
    }

    var isDead: Bool {
        if case .dead = self { return true }
        return false
    }
}

extension SQLExecutor {
    /// Runs `body` inside a savepoint: what it did is kept if it returns, undone if it throws
    /// (and the transaction goes on).
    func savepoint<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await execute("SAVEPOINT ponte_job")
        do {
            let result = try await body()
            try await execute("RELEASE SAVEPOINT ponte_job")
            return result
        } catch {
            try await execute("ROLLBACK TO SAVEPOINT ponte_job")
            try await execute("RELEASE SAVEPOINT ponte_job")
            throw error
        }
    }
}
