#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOPosix
import PonteCore
import Synchronization

/// Makes the writer's commits durable, many at a time, on a thread of its own.
///
/// The writer connection runs with `synchronous=NORMAL`: a commit appends its frames to the
/// write-ahead log without waiting for the disk. A transaction then takes a ticket and waits
/// here until one `fdatasync` of the log, started after its commit, has returned. Meanwhile
/// the writer's thread runs the next transactions, and one sync serves every commit made
/// before it began. A caller hears of its transaction only once it is on disk, exactly as
/// with `synchronous=FULL`, without the writer waiting for each fsync in turn.
///
/// SQLite syncs the log itself before each checkpoint copies it into the database file, and
/// syncs the database file after, so frames a checkpoint moved are on disk too.
///
/// A failed sync is final: which writes reached the disk is then unknown, so every waiting
/// transaction fails and no later one starts (the hub must be restarted, as PostgreSQL does
/// after a failed fsync).
final class WALSync: Sendable {
    private struct Waiter {
        let ticket: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        /// Commits made so far; a commit's ticket is this count just after it.
        var committed: UInt64 = 0
        /// Every commit up to this ticket is on disk.
        var synced: UInt64 = 0
        var waiters: [Waiter] = []
        var syncing = false
        var failure: StoreError?
    }

    private let state = Mutex(State())
    private let thread = NIOThreadPool(numberOfThreads: 1)
    private let sync: @Sendable () throws -> Void

    /// - Parameter sync: makes every write made so far durable; throws if it could not.
    init(sync: @escaping @Sendable () throws -> Void) {
        self.sync = sync
        thread.start()
    }

    /// Syncs the write-ahead log of the SQLite database at `databasePath`.
    convenience init(databasePath: String) {
        let logPath = databasePath + "-wal"
        self.init { try Self.syncFile(at: logPath) }
    }

    /// Throws once a sync has failed: the writer checks before each transaction.
    func checkHealthy() throws {
        if let failure = state.withLock({ $0.failure }) { throw failure }
    }

    /// Notes a commit whose writes have been handed to the operating system; call right after
    /// `COMMIT` returns, on the writer. Returns the ticket to wait for.
    func committed() -> UInt64 {
        state.withLock { state in
            state.committed += 1
            return state.committed
        }
    }

    /// Returns once the commit with `ticket` is on disk; throws if the log could not be synced.
    func durable(_ ticket: UInt64) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            enum Next { case resume, fail(StoreError), wait, startSyncing }
            let next = state.withLock { state -> Next in
                if let failure = state.failure { return .fail(failure) }
                if state.synced >= ticket { return .resume }
                state.waiters.append(Waiter(ticket: ticket, continuation: continuation))
                if state.syncing { return .wait }
                state.syncing = true
                return .startSyncing
            }
            switch next {
            case .resume: continuation.resume()
            case .fail(let failure): continuation.resume(throwing: failure)
            case .wait: break
            case .startSyncing: thread.submit { _ in self.syncWhileWaited() }
            }
        }
    }

    func shutdown() {
        thread.shutdownGracefully { _ in }
    }

    /// On the sync thread: syncs, answers the commits it covered, and goes on while commits
    /// made after it began are waiting.
    private func syncWhileWaited() {
        while true {
            let target = state.withLock { $0.committed }
            var failure: StoreError?
            do {
                try sync()
            } catch {
                failure = StoreError(.unavailable, "the database's write-ahead log could not be synced to disk: \(error); restart the hub")
            }
            let (covered, failed, more) = state.withLock { state -> ([Waiter], StoreError?, Bool) in
                if let failure, state.failure == nil { state.failure = failure }
                if let failure = state.failure {
                    defer { state.waiters.removeAll() }
                    state.syncing = false
                    return (state.waiters, failure, false)
                }
                state.synced = target
                let covered = state.waiters.filter { $0.ticket <= target }
                state.waiters.removeAll { $0.ticket <= target }
                state.syncing = !state.waiters.isEmpty
                return (covered, nil, state.syncing)
            }
            for waiter in covered {
                if let failed { waiter.continuation.resume(throwing: failed) } else { waiter.continuation.resume() }
            }
            if !more { return }
        }
    }

    /// `fdatasync` of the file at `path`. A missing log has nothing to sync: SQLite deletes it
    /// only after a checkpoint copied (and synced) all of it into the database file.
    private static func syncFile(at path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            let code = errno
            if code == ENOENT { return }
            throw StoreError(.unavailable, "cannot open '\(path)': \(String(cString: strerror(code)))")
        }
        defer { close(descriptor) }
        while fdatasync(descriptor) != 0 {
            let code = errno
            if code == EINTR { continue }
            throw StoreError(.unavailable, "fdatasync of '\(path)' failed: \(String(cString: strerror(code)))")
        }
    }
}
