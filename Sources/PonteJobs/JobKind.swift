import Foundation
import PonteCore
import PonteStore

/// A kind of job with typed arguments: its name (the `kind` stored with each job), its queue,
/// and how its jobs are run. The arguments are stored as the job's JSON payload.
///
/// ```swift
/// static let deadline = JobKind<OrderDeadline>("orders.deadline", queue: "orders", maxAttempts: 20)
/// registry.register(Self.deadline) { deadline, job in … }
/// try await uow.enqueue(Self.deadline, OrderDeadline(orderID: id), at: dueTime)
/// ```
public struct JobKind<Arguments: Codable & Sendable>: Sendable {
    public let name: String
    public var queue: String
    public var priority: JobPriority
    public var maxAttempts: Int
    /// The provider its jobs call, for that provider's shared rate limit.
    public var provider: String?

    public init(_ name: String, queue: String, priority: JobPriority = .normal, maxAttempts: Int = 10, provider: String? = nil) {
        self.name = name
        self.queue = queue
        self.priority = priority
        self.maxAttempts = max(1, maxAttempts)
        self.provider = provider
    }

    /// The payload stored for `arguments`.
    public func payload(_ arguments: Arguments) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(arguments), as: UTF8.self)
    }

    /// The arguments a stored payload holds.
    public func arguments(from payload: String) throws -> Arguments {
        try JSONDecoder().decode(Arguments.self, from: Data(payload.utf8))
    }
}

/// For job kinds that take no arguments.
public struct NoArguments: Codable, Sendable, Equatable {
    public init() {}
}

extension JobQueue {
    /// A job of `kind` with `arguments`, due now plus `delay`, or at `runAt` (microseconds
    /// since the Unix epoch) when given.
    public func makeJob<A>(
        _ kind: JobKind<A>, _ arguments: A, delay: Duration = .zero, runAt: Int64? = nil, uniqueKey: String? = nil
    ) throws -> NewJob {
        var job = makeJob(
            kind: kind.name, queue: kind.queue, payload: try kind.payload(arguments), priority: kind.priority,
            uniqueKey: uniqueKey, provider: kind.provider, delay: delay, maxAttempts: kind.maxAttempts
        )
        if let runAt { job.runAt = runAt }
        return job
    }

    /// Enqueues one job of `kind` on its own (outside any unit of work).
    @discardableResult
    public func enqueue<A>(
        _ kind: JobKind<A>, _ arguments: A, delay: Duration = .zero, runAt: Int64? = nil, uniqueKey: String? = nil
    ) async throws -> EnqueuedJob {
        let job = try makeJob(kind, arguments, delay: delay, runAt: runAt, uniqueKey: uniqueKey)
        guard let outcome = try await enqueue([job]).first else { throw StoreError("the job was not enqueued") }
        return outcome
    }
}

extension JobRegistry {
    /// Registers the handler of `kind`: it gets the decoded arguments. A payload that does not
    /// decode dead-letters the job at once (retrying cannot fix it).
    public mutating func register<A>(
        _ kind: JobKind<A>, abandoned: AbandonmentWrites? = nil,
        _ handler: @escaping @Sendable (_ arguments: A, _ job: JobContext) async throws -> Void
    ) {
        register(kind.name, abandoned: abandoned) { context in
            let arguments: A
            do {
                arguments = try kind.arguments(from: context.job.payload)
            } catch {
                throw JobFailure.permanent(reason: "the payload is not \(kind.name)'s arguments (\(A.self)): \(error)")
            }
            try await handler(arguments, context)
        }
    }
}
