import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOPosix
import Testing

/// Requests sent back to back on one keep-alive connection, without waiting for answers (as
/// a proxy or a provider's retry queue may send them): each is answered, in the order sent,
/// whether the hub took it on the connection's event loop or in the router.
@Suite struct WebhookConnectionTests {
    @Test func pipelinedRequestsAreAnsweredInOrderAndEachEventIsStoredOnce() async throws {
        try await withHub(.live) { client in
            let port = try #require(client.port)
            let events = (1...12).map { Webhooks.stripe(id: "evt_pipelined_\($0)") }
            var requests = ByteBuffer()
            for event in events[..<6] { requests.writeRequest(event) }
            requests.writeString("GET /health HTTP/1.1\r\nHost: hub.example.com\r\n\r\n")
            requests.writeRequest(events[0])  // sent again: a duplicate
            for event in events[6...] { requests.writeRequest(event) }

            let answers = try await RawHTTPConnection.exchange(requests, port: port, answers: 14)
            try #require(answers.count == 14)

            #expect(answers.map(\.status) == Array(repeating: 200, count: 14))
            #expect(String(decoding: answers[6].body, as: UTF8.self).contains("ok"))
            let acknowledgements = try answers.enumerated().filter { $0.offset != 6 }.map {
                try JSONDecoder().decode(Acknowledgement.self, from: Data($0.element.body))
            }
            #expect(acknowledgements.map(\.duplicate) == [false, false, false, false, false, false, true] + Array(repeating: false, count: 6))
            #expect(acknowledgements[6].id == acknowledgements[0].id)
            #expect(Set(acknowledgements.map(\.id)).count == 12)
            #expect(try await client.storedWebhooks().count == 12)
        }
    }
}

/// One raw HTTP/1.1 connection: writes bytes as given and reads `Content-Length` answers.
enum RawHTTPConnection {
    struct Answer {
        var status: Int
        var body: [UInt8]
    }

    /// Writes `requests` at once, then reads until `answers` answers have arrived (10 s at most).
    static func exchange(_ requests: ByteBuffer, port: Int, answers count: Int) async throws -> [Answer] {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await withThrowingTaskGroup(of: [Answer].self) { group in
            group.addTask {
                try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(requests)
                    var received = ByteBuffer()
                    var answers: [Answer] = []
                    for try await var chunk in inbound {
                        received.writeBuffer(&chunk)
                        while let answer = try nextAnswer(from: &received) { answers.append(answer) }
                        if answers.count >= count { break }
                    }
                    return answers
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                throw CancellationError()
            }
            let answers = try await group.next() ?? []
            group.cancelAll()
            return answers
        }
    }

    private static func nextAnswer(from buffer: inout ByteBuffer) throws -> Answer? {
        let text = String(decoding: buffer.readableBytesView, as: UTF8.self)
        guard let headEnd = text.range(of: "\r\n\r\n") else { return nil }
        let head = text[..<headEnd.lowerBound]
        let lines = head.split(separator: "\r\n")
        let statusLine = try #require(lines.first)
        let status = try #require(Int(statusLine.split(separator: " ")[1]))
        let length = lines.dropFirst().compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }.first ?? 0
        let headBytes = text.utf8.distance(from: text.startIndex, to: headEnd.upperBound)
        guard buffer.readableBytes >= headBytes + length else { return nil }
        buffer.moveReaderIndex(forwardBy: headBytes)
        let body = buffer.readBytes(length: length) ?? []
        return Answer(status: status, body: body)
    }
}

extension ByteBuffer {
    /// `webhook` as an HTTP/1.1 request with a `Content-Length`.
    mutating func writeRequest(_ webhook: Webhook) {
        writeString("\(webhook.method.rawValue) \(webhook.uri) HTTP/1.1\r\nHost: hub.example.com\r\n")
        for field in webhook.headers {
            writeString("\(field.name.rawName): \(field.value)\r\n")
        }
        writeString("Content-Length: \(webhook.body.count)\r\n\r\n")
        writeBytes(webhook.body)
    }
}
