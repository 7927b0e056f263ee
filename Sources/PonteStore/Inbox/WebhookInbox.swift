import Logging
import ServiceLifecycle
import Synchronization

/// Stores verified webhooks durably, committing many concurrent requests together.
///
/// Callers `store` their events and get an answer only after the batch holding them has
/// committed (group commit): one transaction and one fsync serve a whole batch, so
/// acknowledging after commit stays cheap under load. While a batch is being written, new
/// arrivals queue up and form the next batch.
///
/// `run()` must be running for `store` to make progress. On graceful shutdown it stops
/// taking new events, finishes what is queued, and returns.
public final class WebhookInbox: Service, Sendable {
    /// Called after every committed batch with the rows it wrote (duplicates excluded) and the
    /// jobs those started, to wake workers and for metrics.
    public typealias CommitObserver = @Sendable (_ rows: Int, _ jobs: [NewJob], _ seconds: Double) -> Void

    /// Called once with the outcome of a submission: every event's outcome, or why none was stored.
    public typealias Completion = @Sendable (Result<[InboxStoreOutcome], any Error>) -> Void

    private struct Submission {
        let records: [NewInboxRecord]
        let completion: Completion
    }

    private struct State {
        var queue: [Submission] = []
        var queuedRows = 0
        var writing = 0
        var closed = false
        /// Requests announced with `expectArrival()` that have not been queued or cancelled yet.
        var arriving = 0
        /// When the writer started waiting for announced requests, if it is waiting.
        var lingerSince: ContinuousClock.Instant?
    }

    private enum NextStep {
        case idle
        case linger
        case write([Submission])
    }

    private let database: any StoreDatabase
    private let maxBatchRows: Int
    private let maxLinger: Duration
    private let onCommit: CommitObserver
    private let processing: (@Sendable (NewInboxRecord) -> InboxProcessing)?
    private let logger: Logger
    private let state = Mutex(State())
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    /// - Parameters:
    ///   - maxBatchRows: rows per transaction at most (default 256).
    ///   - maxLinger: how long a free writer may wait for announced requests to join its batch
    ///     (default 1 ms). One fsync then serves them all, instead of one for the few already
    ///     queued and another for the rest.
    ///   - processing: says what a newly stored event starts (its jobs); they are enqueued in
    ///     the same transaction as the event.
    public init(
        database: any StoreDatabase, maxBatchRows: Int = 256, maxLinger: Duration = .milliseconds(1),
        processing: (@Sendable (NewInboxRecord) -> InboxProcessing)? = nil,
        logger: Logger, onCommit: @escaping CommitObserver = { _, _, _ in }
    ) {
        self.database = database
        self.processing = processing
        self.maxBatchRows = maxBatchRows
        self.maxLinger = maxLinger
        self.onCommit = onCommit
        self.logger = logger
        (self.wakeups, self.wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Stores the events of one request, returning once they are committed.
    ///
    /// Events already stored, or repeated within the request, come back as duplicates with the
    /// id first stored.
    ///
    /// - Parameter announced: true when the caller announced this request with `expectArrival()`.
    public func store(_ records: [NewInboxRecord], announced: Bool = false) async throws -> [InboxStoreOutcome] {
        try await withCheckedThrowingContinuation { continuation in
            submit(records, announced: announced) { continuation.resume(with: $0) }
        }
    }

    /// Like `store`, for callers that are not async (a channel handler): `completion` is
    /// called, on the inbox's writer, once the events are committed or have failed.
    public func submit(_ records: [NewInboxRecord], announced: Bool = false, completion: @escaping Completion) {
        let accepted = state.withLock { state in
            if announced { state.arriving -= 1 }
            guard !state.closed else { return false }
            state.queue.append(Submission(records: records, completion: completion))
            state.queuedRows += records.count
            return true
        }
        if accepted {
            wake.yield()
        } else {
            completion(.failure(StoreError("the inbox is shutting down")))
        }
    }

    /// Announces a request whose events are being read and verified, so that a batch about to
    /// start may wait briefly for it. Follow with `store(_:announced: true)` or `cancelArrival()`.
    public func expectArrival() {
        state.withLock { $0.arriving += 1 }
    }

    /// The announced request will not be stored (it was rejected or failed).
    public func cancelArrival() {
        state.withLock { $0.arriving -= 1 }
    }

    public func run() async throws {
        let limit = database.maxConcurrentWrites
        await withDiscardingTaskGroup { group in
            await withGracefulShutdownHandler {
                for await _ in wakeups {
                    scheduling: while true {
                        switch nextStep(limit: limit) {
                        case .idle:
                            break scheduling
                        case .linger:
                            try? await Task.sleep(for: .microseconds(100))
                        case .write(let batch):
                            group.addTask {
                                await self.write(batch)
                                self.state.withLock { $0.writing -= 1 }
                                self.wake.yield()
                            }
                        }
                    }
                    let done = state.withLock { $0.closed && $0.queue.isEmpty && $0.writing == 0 }
                    if done { break }
                }
            } onGracefulShutdown: {
                self.state.withLock { $0.closed = true }
                self.wake.yield()
            }
        }
        // Cancelled before the queue drained: fail what is left so no caller waits forever.
        let leftover = state.withLock { state -> [Submission] in
            state.closed = true
            defer { state.queue.removeAll() }
            return state.queue
        }
        for submission in leftover {
            submission.completion(.failure(StoreError("the inbox stopped before storing this event")))
        }
    }

    // MARK: Batching

    /// Decides what a free writer does now: nothing to do, wait for announced requests, or
    /// write the queued ones.
    private func nextStep(limit: Int) -> NextStep {
        state.withLock { state in
            guard state.writing < limit, !state.queue.isEmpty else { return .idle }
            // Wait (at most maxLinger) while announced requests are still being verified.
            if state.arriving > 0 && state.queuedRows < maxBatchRows && !state.closed {
                let now = ContinuousClock.now
                if let since = state.lingerSince {
                    if now - since < maxLinger { return .linger }
                } else {
                    state.lingerSince = now
                    return .linger
                }
            }
            state.lingerSince = nil
            var rows = 0
            var count = 0
            for submission in state.queue {
                if count > 0 && rows + submission.records.count > maxBatchRows { break }
                rows += submission.records.count
                count += 1
            }
            let batch = Array(state.queue.prefix(count))
            state.queue.removeFirst(count)
            state.queuedRows -= rows
            state.writing += 1
            return .write(batch)
        }
    }

    private func write(_ batch: [Submission]) async {
        // Events repeated inside the batch are stored once; later copies become duplicates of it.
        var unique: [NewInboxRecord] = []
        var firstIndex: [InboxKey: Int] = [:]
        var slots: [[Int]] = []  // per submission, per record: index into `unique`
        var repeated: [[Bool]] = []
        for submission in batch {
            var indexes: [Int] = []
            var flags: [Bool] = []
            for record in submission.records {
                let key = InboxKey(provider: record.provider, eventID: record.eventID)
                if let index = firstIndex[key] {
                    indexes.append(index)
                    flags.append(true)
                } else {
                    firstIndex[key] = unique.count
                    indexes.append(unique.count)
                    flags.append(false)
                    unique.append(record)
                }
            }
            slots.append(indexes)
            repeated.append(flags)
        }

        let started = ContinuousClock.now
        let outcomes: [InboxStoreOutcome]
        // What each event starts is decided once, here, so the jobs of the new ones are known.
        var plans: [String: InboxProcessing] = [:]
        if let processing {
            for record in unique { plans[record.id] = processing(record) }
        }
        do {
            outcomes = try await database.insertInbox(unique, processing: plans)
        } catch {
            logger.error("webhook batch not stored", metadata: ["rows": "\(unique.count)", "error": "\(error)"])
            for submission in batch { submission.completion(.failure(error)) }
            return
        }
        let elapsed = ContinuousClock.now - started
        let written = outcomes.count(where: { !$0.duplicate })
        let jobs = InboxProcessing.jobs(started: plans, storing: unique, outcomes: outcomes)
        onCommit(written, jobs, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)

        for (position, submission) in batch.enumerated() {
            let answer = zip(slots[position], repeated[position]).map { index, isRepeat in
                let outcome = outcomes[index]
                return isRepeat ? InboxStoreOutcome(id: outcome.id, duplicate: true) : outcome
            }
            submission.completion(.success(answer))
        }
    }
}
