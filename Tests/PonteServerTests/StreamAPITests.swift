import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import PonteCore
import PonteStore
import Testing

@testable import PonteServer

/// Event streams over HTTP: pages after a cursor, long-polls, Server-Sent Events resumed with
/// `Last-Event-ID`, and cursors older than retention.
@Suite struct StreamAPITests {
    struct Page: Decodable {
        struct Event: Decodable {
            let seq: Int64
            let type: String
            let stream: String
            let data: [String: Int]
        }

        let events: [Event]
        let next_after: Int64
        let last_seq: Int64
    }

    private func append(_ client: any TestClientProtocol, _ stream: String, _ n: Int) async throws {
        let response = try await client.adminCall(.post, "/api/v1/streams/\(stream)/events", body: #"{"type":"TICK","data":{"n":\#(n)}}"#)
        #expect(response.status == .created)
    }

    @Test func aReaderGetsEverythingAfterItsCursorInOrderPageByPage() async throws {
        try await withHub { client in
            for n in 1...5 { try await append(client, "store:a", n) }
            try await append(client, "store:b", 99)
            let first = try decode(Page.self, try await client.adminCall(.get, "/api/v1/streams/store:a/events?after=0&limit=3"))
            #expect(first.events.map(\.seq) == [1, 2, 3] && first.events.map { $0.data["n"] } == [1, 2, 3])
            #expect(first.next_after == 3 && first.last_seq == 5)
            let second = try decode(Page.self, try await client.adminCall(.get, "/api/v1/streams/store:a/events?after=\(first.next_after)"))
            #expect(second.events.map(\.seq) == [4, 5] && second.events.allSatisfy { $0.stream == "store:a" })
            let empty = try decode(Page.self, try await client.adminCall(.get, "/api/v1/streams/store:a/events?after=5"))
            #expect(empty.events.isEmpty && empty.next_after == 5)

            expectError(try await client.adminCall(.get, "/api/v1/streams/store:a/events?limit=0"), .badRequest, "INVALID_QUERY")
            expectError(try await client.adminCall(.get, "/api/v1/streams/store%20a/events"), .badRequest, "INVALID_STREAM")
            expectError(try await client.adminCall(.post, "/api/v1/streams/store:a/events", body: #"{"data":{}}"#), .badRequest, "INVALID_JSON")
            expectError(try await client.adminCall(.get, "/api/v1/streams/store:a/events", token: nil), .unauthorized, "UNAUTHORIZED")
        }
    }

    @Test func aLongPollAnswersWhenAnEventIsAppendedOrAtItsDeadline() async throws {
        try await withHub { client in
            try await append(client, "s", 1)
            async let waited = client.adminCall(.get, "/api/v1/streams/s/events?after=1&wait=20")
            try await Task.sleep(for: .milliseconds(200))
            let started = ContinuousClock.now
            try await append(client, "s", 2)
            let page = try decode(Page.self, try await waited)
            #expect(page.events.map(\.seq) == [2])
            #expect(ContinuousClock.now - started < .seconds(5))

            let deadline = ContinuousClock.now
            let empty = try decode(Page.self, try await client.adminCall(.get, "/api/v1/streams/s/events?after=2&wait=1"))
            #expect(empty.events.isEmpty && ContinuousClock.now - deadline >= .milliseconds(900))
        }
    }

    @Test func serverSentEventsFollowTheStreamAndResumeFromTheLastEventID() async throws {
        try await withHub(.live) { client in
            let port = try #require(client.port)
            for n in 1...3 { try await append(client, "panel:1", n) }
            // Resume after event 1: events 2 and 3 at once, then 4 once it is appended.
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/streams/panel:1/events")
            request.headers.add(name: "Accept", value: "text/event-stream")
            request.headers.add(name: "Last-Event-ID", value: "1")
            request.headers.add(name: "Authorization", value: "Bearer \(Fixture.adminToken)")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            #expect(response.status == .ok)
            #expect(response.headers["Content-Type"].first == "text/event-stream")
            var received = ""
            var appended = false
            for try await chunk in response.body {
                received += String(buffer: chunk)
                if !appended && received.contains("id: 3\n") {
                    appended = true
                    try await append(client, "panel:1", 4)
                }
                if received.contains("id: 4\n") { break }
            }
            let ids = received.split(separator: "\n").filter { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) }
            #expect(ids == ["2", "3", "4"])
            #expect(received.hasPrefix("retry: 2000\n\n"))
            #expect(received.contains("event: TICK\ndata: {\"seq\":4,\"stream\":\"panel:1\",\"type\":\"TICK\""))

            var bad = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/streams/panel:1/events")
            bad.headers.add(name: "Accept", value: "text/event-stream")
            bad.headers.add(name: "Last-Event-ID", value: "yesterday")
            bad.headers.add(name: "Authorization", value: "Bearer \(Fixture.adminToken)")
            #expect(try await HTTPClient.shared.execute(bad, timeout: .seconds(10)).status == .badRequest)
        }
    }

    @Test func aCursorOlderThanRetentionIsGoneWithTheOldestAvailableSequence() async throws {
        try await withJobHub(.sqlite) { client, database in
            for n in 1...4 { try await append(client, "s", n) }
            // Retention runs as the hourly job does, with everything but the newest event old enough.
            let cutoff = try #require(try await database.read("SELECT created_at FROM stream_events WHERE seq = 4", []).first?["created_at"]?.integerValue)
            #expect(try await database.pruneStreamEvents(before: cutoff) == 3)
            let gone = try await client.adminCall(.get, "/api/v1/streams/s/events?after=1")
            expectError(gone, .gone, "STREAM_CURSOR_EXPIRED")
            let body = try JSONSerialization.jsonObject(with: Data(gone.body.readableBytesView)) as? [String: [String: Any]]
            #expect((body?["error"]?["details"] as? [String: Int])?["oldest_available_seq"] == 4)
            let page = try decode(Page.self, try await client.adminCall(.get, "/api/v1/streams/s/events?after=3"))
            #expect(page.events.map(\.seq) == [4])
        }
    }
}
