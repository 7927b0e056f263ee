import Foundation
import Logging
import PonteCore
import ServiceLifecycle
import Synchronization

/// Readers of event streams in this process: long-polls and Server-Sent Events wait here for
/// new events, and find recent ones in memory instead of asking the database each time.
///
/// Events committed by this process are handed over with `published`; events committed by
/// other processes are announced by PostgreSQL notifications (`run()` listens), and, as a
/// fallback where none arrive (SQLite, or a notification lost while reconnecting), by polling
/// the streams' counters every `pollInterval` while anyone waits.
///
/// Delivery is at least once and in order: a reader keeps its own cursor and reads after it;
/// a wake-up only tells it to read again.
public final class EventStreams: Service, Sendable {
    /// Events kept in memory per stream that has readers.
    static let cacheCapacity = 256

    private struct Channel {
        /// Bells of the readers waiting on this stream, by reader.
        var bells: [UInt64: Doorbell] = [:]
        /// The newest events, contiguous, oldest first.
        var recent: [StreamEvent] = []
        /// The newest sequence this process knows was committed.
        var lastKnown: Int64 = 0
        /// The oldest sequence retention kept, as last read.
        var firstSeq: Int64 = 1
    }

    private struct State {
        var channels: [String: Channel] = [:]
        var nextReader: UInt64 = 0
    }

    public let database: any StoreDatabase
    private let state = Mutex(State())
    private let logger: Logger
    private let pollInterval: Duration

    /// - Parameter pollInterval: how often counters are polled while readers wait (default:
    ///   1 s on SQLite, which has no notifications; 5 s on PostgreSQL, as a safety net).
    public init(database: any StoreDatabase, logger: Logger, pollInterval: Duration? = nil) {
        self.database = database
        self.logger = logger
        self.pollInterval = pollInterval ?? (database.dialect.isPostgres ? .seconds(5) : .seconds(1))
    }

    // MARK: Reading

    /// Up to `limit` events after `after`, from memory when this process has them, else from the database.
    public func read(_ stream: String, after: Int64, limit: Int) async throws -> StreamRead {
        if let cached = cachedRead(stream, after: after, limit: limit) { return cached }
        let read = try await database.streamEvents(stream, after: after, limit: limit)
        remember(read, stream: stream)
        return read
    }

    /// Like `read`, but when nothing is newer than `after`, waits up to `timeout` for an event
    /// and returns as soon as one is committed (an empty page when none was).
    public func wait(_ stream: String, after: Int64, limit: Int, timeout: Duration) async throws -> StreamRead {
        let deadline = ContinuousClock.now + timeout
        let reader = register(stream)
        defer { unregister(stream, reader.id) }
        while true {
            let page = try await read(stream, after: after, limit: limit)
            let now = ContinuousClock.now
            if !page.events.isEmpty || now >= deadline || Task.isCancelled { return page }
            await reader.bell.wait(timeout: deadline - now)
        }
    }

    /// A reader that follows `stream` (for Server-Sent Events): wait on it between reads.
    public func follow(_ stream: String) -> StreamFollower {
        let reader = register(stream)
        return StreamFollower(streams: self, stream: stream, id: reader.id, bell: reader.bell)
    }

    // MARK: Announcements

    /// Events this process committed: kept in memory for readers, who are woken.
    public func published(_ events: [StreamEvent]) {
        guard !events.isEmpty else { return }
        let bells = state.withLock { state -> [Doorbell] in
            var bells: [Doorbell] = []
            for event in events.sorted(by: { ($0.stream, $0.seq) < ($1.stream, $1.seq) }) {
                guard var channel = state.channels[event.stream] else { continue }
                if let last = channel.recent.last, event.seq == last.seq + 1 {
                    channel.recent.append(event)
                    if channel.recent.count > Self.cacheCapacity { channel.recent.removeFirst(channel.recent.count - Self.cacheCapacity) }
                } else if channel.recent.isEmpty && event.seq == channel.lastKnown + 1 {
                    channel.recent = [event]
                }
                channel.lastKnown = max(channel.lastKnown, event.seq)
                state.channels[event.stream] = channel
                bells += channel.bells.values
            }
            return bells
        }
        var rung = Set<ObjectIdentifier>()
        for bell in bells where rung.insert(ObjectIdentifier(bell)).inserted { bell.ring() }
    }

    /// Another process committed event `seq` of `stream` (a notification, or a poll found it).
    func announced(stream: String, seq: Int64) {
        let bells = state.withLock { state -> [Doorbell] in
            guard var channel = state.channels[stream], seq > channel.lastKnown else { return [] }
            channel.lastKnown = seq
            state.channels[stream] = channel
            return Array(channel.bells.values)
        }
        for bell in bells { bell.ring() }
    }

    // MARK: Service

    /// Listens for other processes' appends (PostgreSQL), and polls the counters of streams
    /// with readers, until graceful shutdown.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                if self.database.dialect.isPostgres {
                    group.addTask { await self.listen() }
                }
                group.addTask { await self.poll() }
            }
        }
    }

    private func listen() async {
        while !Task.isCancelled {
            do {
                try await database.listen(on: StreamNotifications.channel) { payload in
                    if let (stream, seq) = StreamNotifications.parse(payload) { self.announced(stream: stream, seq: seq) }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("stream notifications interrupted; polling until they are back", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private func poll() async {
        var since = Int64.max
        while !Task.isCancelled {
            try? await Task.sleep(for: pollInterval)
            let watched = state.withLock { state in state.channels.filter { !$0.value.bells.isEmpty }.mapValues(\.lastKnown) }
            guard !watched.isEmpty else {
                since = Int64.max
                continue
            }
            do {
                // Streams changed since a little before the last poll (clocks of processes differ).
                let from = since == Int64.max ? 0 : since - pollInterval.microseconds * 2
                since = Int64(Date().timeIntervalSince1970 * 1_000_000)
                for (stream, seq) in try await database.streamsChanged(since: from) where (watched[stream] ?? .max) < seq {
                    announced(stream: stream, seq: seq)
                }
            } catch {
                logger.warning("polling streams failed", metadata: ["error": "\(error)"])
            }
        }
    }

    // MARK: Readers and memory

    /// How many readers wait on `stream` now (for tests and metrics).
    public func readers(_ stream: String) -> Int {
        state.withLock { $0.channels[stream]?.bells.count ?? 0 }
    }

    fileprivate func register(_ stream: String) -> (id: UInt64, bell: Doorbell) {
        let bell = Doorbell()
        let id = state.withLock { state -> UInt64 in
            state.nextReader &+= 1
            state.channels[stream, default: Channel()].bells[state.nextReader] = bell
            return state.nextReader
        }
        return (id, bell)
    }

    fileprivate func unregister(_ stream: String, _ id: UInt64) {
        state.withLock { state in
            state.channels[stream]?.bells.removeValue(forKey: id)
            if state.channels[stream]?.bells.isEmpty == true { state.channels.removeValue(forKey: stream) }
        }
    }

    private func cachedRead(_ stream: String, after: Int64, limit: Int) -> StreamRead? {
        state.withLock { state -> StreamRead? in
            guard let channel = state.channels[stream], let first = channel.recent.first, let last = channel.recent.last,
                last.seq >= channel.lastKnown, after >= first.seq - 1
            else { return nil }
            let events = channel.recent.filter { $0.seq > after }.prefix(max(1, limit))
            return StreamRead(events: Array(events), lastSeq: channel.lastKnown, firstSeq: channel.firstSeq)
        }
    }

    /// Keeps what a database read found, when it joins or starts the stream's memory.
    private func remember(_ read: StreamRead, stream: String) {
        state.withLock { state in
            guard var channel = state.channels[stream] else { return }
            channel.lastKnown = max(channel.lastKnown, read.lastSeq)
            channel.firstSeq = read.firstSeq
            if let first = read.events.first {
                if let last = channel.recent.last, first.seq <= last.seq + 1 {
                    channel.recent += read.events.filter { $0.seq > last.seq }
                } else if first.seq > (channel.recent.last?.seq ?? 0) {
                    channel.recent = read.events
                }
                if channel.recent.count > Self.cacheCapacity { channel.recent.removeFirst(channel.recent.count - Self.cacheCapacity) }
            }
            state.channels[stream] = channel
        }
    }
}

/// One reader following a stream: `next` returns the events after its cursor, waiting for them.
public final class StreamFollower: Sendable {
    private let streams: EventStreams
    public let stream: String
    private let id: UInt64
    private let bell: Doorbell
    private let closed = Atomic<Bool>(false)

    fileprivate init(streams: EventStreams, stream: String, id: UInt64, bell: Doorbell) {
        self.streams = streams
        self.stream = stream
        self.id = id
        self.bell = bell
    }

    /// Events after `after` (up to `limit`); when there are none, waits up to `timeout` and
    /// returns what came (possibly nothing, so the caller can send a keep-alive).
    public func next(after: Int64, limit: Int, timeout: Duration) async throws -> StreamRead {
        let page = try await streams.read(stream, after: after, limit: limit)
        if !page.events.isEmpty || isClosed { return page }
        await bell.wait(timeout: timeout)
        return try await streams.read(stream, after: after, limit: limit)
    }

    /// Stops following (a waiting `next` returns at once); call when the reader goes away.
    public func close() {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        streams.unregister(stream, id)
        bell.ring()
    }

    public var isClosed: Bool { closed.load(ordering: .relaxed) }
}
