import ServiceLifecycle

/// Work a simulator schedules a moment ahead in real time (a message moving from queued to
/// sent), run by one background service that stops with the sandbox.
public final class SandboxTimers: Service, Sendable {
    public typealias Action = @Sendable () -> Void

    private let stream: AsyncStream<(Duration, Action)>
    private let continuation: AsyncStream<(Duration, Action)>.Continuation

    public init() {
        (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// Runs `action` once `delay` has passed, unless the sandbox stops first.
    public func after(_ delay: Duration, _ action: @escaping Action) {
        continuation.yield((delay, action))
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for await (delay, action) in stream.cancelOnGracefulShutdown() {
                group.addTask {
                    try? await Task.sleep(for: delay)
                    if !Task.isCancelled { action() }
                }
            }
            group.cancelAll()
        }
    }
}
