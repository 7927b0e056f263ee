import Synchronization

/// Wakes waiting loops: `ring()` ends every current `wait`, or else the next one.
///
/// A wait that times out (or is cancelled) ends alone: loops that share a bell and wait with
/// different timeouts each keep their own pace.
package final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var nextWait: UInt64 = 0
        /// Waits under way, with their continuation once it is registered.
        var waits: [UInt64: CheckedContinuation<Void, Never>?] = [:]
        /// Waits ended (rung, timed out or cancelled) before their continuation was registered.
        var endedEarly: Set<UInt64> = []
    }

    private let state = Mutex(State())

    package init() {}

    package func ring() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            if state.waits.isEmpty {
                state.rung = true
                return []
            }
            var registered: [CheckedContinuation<Void, Never>] = []
            for (id, continuation) in state.waits {
                if let continuation {
                    registered.append(continuation)
                } else {
                    state.endedEarly.insert(id)  // returns as soon as it registers
                }
            }
            state.waits.removeAll()
            return registered
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when rung, when `timeout` passes, or when the task is cancelled.
    package func wait(timeout: Duration) async {
        let id = state.withLock { state -> UInt64 in
            state.nextWait &+= 1
            state.waits[state.nextWait] = .some(nil)
            return state.nextWait
        }
        let timer = Task {
            do {
                try await Task.sleep(for: timeout)
                self.end(id)
            } catch {}  // cancelled: the wait is over already
        }
        defer {
            timer.cancel()
            state.withLock { state in
                state.waits.removeValue(forKey: id)
                state.endedEarly.remove(id)
            }
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.endedEarly.contains(id) { return true }
                    if state.rung {
                        state.rung = false
                        return true
                    }
                    state.waits[id] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            self.end(id)
        }
    }

    /// Ends one wait (its timeout passed, or its task was cancelled) and no other.
    private func end(_ id: UInt64) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let entry = state.waits[id] else { return nil }  // rung, or over
            guard let continuation = entry else {
                state.endedEarly.insert(id)
                return nil
            }
            state.waits.removeValue(forKey: id)
            return continuation
        }
        waiter?.resume()
    }

    /// Waits registered and not yet ended, for tests.
    package var waiting: Int {
        state.withLock { state in state.waits.values.count { $0 != nil } }
    }
}
