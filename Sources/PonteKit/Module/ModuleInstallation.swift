import PonteCore
import PonteJobs
import PonteStore

/// What a module declares when it is installed (see `HubModule.install`).
public struct ModuleInstallation: Sendable {
    public let name: String
    public private(set) var jobs = JobRegistry()
    public private(set) var queues: [ModuleQueue] = []
    public private(set) var periodicJobs: [PeriodicJob] = []
    public private(set) var subscriptions: [EventSubscription] = []
    public private(set) var authenticators: [CallerAuthenticator] = []
    /// The module's routes, under `/api/v1`, each with its OpenAPI description.
    public var routes = APIRoutes(prefix: "/api/v1")

    public init(name: String) {
        self.name = name
    }

    /// A queue the module's jobs run on. Without `concurrency`, each process runs as many of
    /// its jobs at once as the hub's worker concurrency (`PONTE_WORKER_CONCURRENCY`).
    public mutating func queue(_ name: String, concurrency: Int? = nil, globalLimit: Int? = nil) {
        queues.append(ModuleQueue(name: name, concurrency: concurrency, globalLimit: globalLimit))
    }

    /// A job kind and its handler, which gets the job's typed arguments.
    public mutating func job<A>(
        _ kind: JobKind<A>, abandoned: AbandonmentWrites? = nil,
        _ handler: @escaping @Sendable (_ arguments: A, _ job: JobContext) async throws -> Void
    ) {
        jobs.register(kind, abandoned: abandoned, handler)
    }

    /// A job enqueued on a schedule, once per due time across all processes.
    public mutating func periodic(_ job: PeriodicJob) {
        periodicJobs.append(job)
    }

    /// Provider events this module consumes: each stored event that matches gets a job of its
    /// own for this subscriber.
    public mutating func subscribe(_ subscription: EventSubscription) {
        subscriptions.append(subscription)
    }

    /// Reads bearer credentials this module issues (a POS's store key), for routes of access
    /// `.authenticated`.
    public mutating func authenticate(_ authenticator: @escaping CallerAuthenticator) {
        authenticators.append(authenticator)
    }
}

/// A queue a module declares.
public struct ModuleQueue: Sendable, Equatable {
    public let name: String
    public let concurrency: Int?
    public let globalLimit: Int?
}

/// Turns a bearer token into its caller, or nil when the token is not of this kind; throws
/// `APIError.unauthorized` when it is of this kind but not valid.
public typealias CallerAuthenticator = @Sendable (_ token: String) async throws -> Caller?
