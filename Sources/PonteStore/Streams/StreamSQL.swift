import PonteCore

extension SQLExecutor {
    /// Appends an event to `stream` inside this transaction and returns it with its sequence.
    ///
    /// The stream's counter row is incremented first: on PostgreSQL its lock is held until
    /// the transaction ends, so a concurrent append to the same stream waits and takes the
    /// next number only after this one committed or rolled back. Sequences are contiguous, and
    /// a reader never sees a later event before an earlier one.
    public func appendEvent(to stream: String, type: String, data: String, now: Int64) async throws -> StreamEvent {
        guard let seq = try await query(
            """
            INSERT INTO streams (name, last_seq, first_seq, updated_at) VALUES (?, 1, 1, ?)
            ON CONFLICT (name) DO UPDATE SET last_seq = streams.last_seq + 1, updated_at = excluded.updated_at
            RETURNING last_seq
            """,
            [.text(stream), .integer(now)]
        ).first?.integer(0) else {
            throw StoreError("the stream \(stream) gave no sequence for the new event")
        }
        try await execute(
            "INSERT INTO stream_events (stream, seq, type, data, created_at) VALUES (?, ?, ?, ?, ?)",
            [.text(stream), .integer(seq), .text(type), .text(data), .integer(now)]
        )
        if let notify = dialect.notifyChannelSQL {
            try await execute(notify, [.text(StreamNotifications.channel), .text(StreamNotifications.payload(stream: stream, seq: seq))])
        }
        return StreamEvent(stream: stream, seq: seq, type: type, data: data, createdAt: now)
    }
}

extension StoreDatabase {
    /// Up to `limit` events of `stream` after sequence `after`, with the stream's bounds.
    /// Throws `StreamCursorExpired` when events after `after` were deleted by retention.
    public func streamEvents(_ stream: String, after: Int64, limit: Int) async throws -> StreamRead {
        let bounds = try await read("SELECT last_seq, first_seq FROM streams WHERE name = ?", [.text(stream)]).first
        let lastSeq = bounds?["last_seq"]?.integerValue ?? 0
        let firstSeq = bounds?["first_seq"]?.integerValue ?? 1
        if after < firstSeq - 1 {
            throw StreamCursorExpired(stream: stream, after: after, oldestAvailable: firstSeq)
        }
        guard after < lastSeq else { return StreamRead(events: [], lastSeq: lastSeq, firstSeq: firstSeq) }
        let events = try await read(
            "SELECT stream, seq, type, data, created_at FROM stream_events WHERE stream = ? AND seq > ? ORDER BY seq LIMIT ?",
            [.text(stream), .integer(after), .integer(Int64(max(1, limit)))]
        ).map { try $0.decode(StreamEvent.self) }
        return StreamRead(events: events, lastSeq: max(lastSeq, events.last?.seq ?? 0), firstSeq: firstSeq)
    }

    /// The newest sequence of each stream changed at or after `since` (microseconds), for
    /// readers that poll where no notifications tell them.
    public func streamsChanged(since: Int64) async throws -> [(stream: String, lastSeq: Int64)] {
        try await read("SELECT name, last_seq FROM streams WHERE updated_at >= ?", [.integer(since)]).compactMap { row in
            guard let name = row["name"]?.textValue, let seq = row["last_seq"]?.integerValue else { return nil }
            return (name, seq)
        }
    }

    /// Every stream with its bounds, by name, for operators.
    public func streams(limit: Int, after name: String? = nil) async throws -> [StreamSummary] {
        var sql = "SELECT name, last_seq, first_seq, updated_at FROM streams"
        var binds: [SQLValue] = []
        if let name {
            sql += " WHERE name > ?"
            binds.append(.text(name))
        }
        sql += " ORDER BY name LIMIT \(max(1, limit))"
        return try await read(sql, binds).map { try $0.decode(StreamSummary.self) }
    }

    /// Deletes events created before `before` (microseconds), at most `limit` of them, and
    /// moves each stream's `first_seq` past them. Returns how many were deleted.
    public func pruneStreamEvents(before: Int64, limit: Int = 10_000) async throws -> Int {
        try await write { sql -> Int in
            let deleted = try await sql.query(
                """
                DELETE FROM stream_events WHERE (stream, seq) IN
                (SELECT stream, seq FROM stream_events WHERE created_at < ? LIMIT \(max(1, limit))) RETURNING stream
                """,
                [.integer(before)]
            )
            let streams = Set(deleted.compactMap { $0.text(0) })
            guard !streams.isEmpty else { return 0 }
            try await sql.execute(
                """
                UPDATE streams SET first_seq = COALESCE((SELECT MIN(seq) FROM stream_events WHERE stream_events.stream = streams.name), last_seq + 1)
                WHERE \(sql.dialect.inList("name"))
                """,
                [.textList(Array(streams))]
            )
            return deleted.count
        }
    }
}

/// A stream's bounds, for the admin API.
public struct StreamSummary: Sendable, Equatable, Decodable {
    public let name: String
    public let lastSeq: Int64
    public let firstSeq: Int64
    /// When the last event was appended, microseconds since the Unix epoch.
    public let updatedAt: Int64
}
