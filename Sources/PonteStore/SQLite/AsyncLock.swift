import Synchronization

/// A first-come, first-served lock for async code: the holder may suspend while holding it.
///
/// SQLite's writer connection runs one transaction at a time; this keeps one task's
/// `BEGIN … COMMIT` from interleaving with another's statements.
final class AsyncLock: Sendable {
    private struct State {
        var locked = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func withLock<T>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = state.withLock { state -> Bool in
                if state.locked {
                    state.waiters.append(continuation)
                    return false
                }
                state.locked = true
                return true
            }
            if acquired { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.locked = false
                return nil
            }
            // Hand the lock straight to the next waiter: it stays locked.
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
