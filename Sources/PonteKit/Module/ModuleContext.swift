import Foundation
import Logging
import NIOCore
import PonteJobs
import PonteProviders
import PonteStore

/// What the hub gives a module: its database and job queue, units of work, event streams,
/// the provider clients, the provider-event intake, the credential vault, and its settings.
public struct ModuleContext: Sendable {
    public let database: any StoreDatabase
    public let jobs: JobQueue
    public let work: UnitsOfWork
    public let streams: EventStreams
    /// Clients of the providers that have credentials (nil ones have none).
    public let providers: ProviderClients
    /// Stores provider events found other than by webhook (polling), exactly like webhooks.
    public let intake: ProviderEventIntake
    /// Credentials encrypted at rest (tokens, API keys, webhook secrets).
    public let vault: Vault
    /// The process's environment, for a module's own settings.
    public let environment: [String: String]
    /// The URL providers call the hub at (`PONTE_PUBLIC_URL`), when set.
    public let publicURL: String?
    public let logger: Logger

    public init(
        database: any StoreDatabase, jobs: JobQueue, work: UnitsOfWork, streams: EventStreams, providers: ProviderClients,
        intake: ProviderEventIntake, vault: Vault, environment: [String: String], publicURL: String?, logger: Logger
    ) {
        self.database = database
        self.jobs = jobs
        self.work = work
        self.streams = streams
        self.providers = providers
        self.intake = intake
        self.vault = vault
        self.environment = environment
        self.publicURL = publicURL
        self.logger = logger
    }

    /// Runs `body` as one unit of work (see `UnitsOfWork.run`).
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (UnitOfWork) async throws -> T) async throws -> T {
        try await work.run(body)
    }

    /// Serves a stream's events over HTTP (long-poll and Server-Sent Events).
    public var streamEndpoint: StreamEndpoint { StreamEndpoint(streams: streams) }
}

/// Stores provider events that did not come by webhook (an iFood poll) into the webhook
/// inbox: each is stored once per (provider, event id), whichever way it came first, and
/// handed to its subscribers like any webhook.
public struct ProviderEventIntake: Sendable {
    public typealias Store = @Sendable ([ReceivedProviderEvent]) async throws -> [InboxStoreOutcome]
    private let store: Store

    public init(_ store: @escaping Store) {
        self.store = store
    }

    /// Stores `events`, returning once committed: one outcome each, duplicates marked.
    public func receive(_ events: [ReceivedProviderEvent]) async throws -> [InboxStoreOutcome] {
        try await store(events)
    }
}

/// A provider event to store.
public struct ReceivedProviderEvent: Sendable {
    public var provider: String
    public var eventID: String
    public var eventType: String
    /// How it came, kept with it as the header `x-ponte-source` (e.g. `ifood-polling`).
    public var source: String
    public var body: ByteBuffer

    public init(provider: String, eventID: String, eventType: String, source: String, body: ByteBuffer) {
        self.provider = provider
        self.eventID = eventID
        self.eventType = eventType
        self.source = source
        self.body = body
    }
}
