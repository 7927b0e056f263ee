import Foundation
import PonteCore
import PonteProviders
import Testing

@Suite struct OutboundHTTPClientTests {
    @Test func slowAnswerTimesOutAsOutcomeUnknown() async throws {
        let transport = TestTransport()
        try await withLoopbackServer({ _, _ in ScriptedResponse(status: 200, body: "{}", delay: .seconds(1)) }) {
            server, base in
            let http = transport.client(base, maxAttempts: 1, readTimeout: .milliseconds(200))
            let error = await callError {
                _ = try await http.send(
                    OutboundRequest(method: "POST", path: "/slow", operation: "slow.create"),
                    errorReader: plainErrorReader)
            }
            guard case .timedOut = error else {
                Issue.record("expected a timeout, got \(String(describing: error))")
                return
            }
            #expect(error?.outcomeUnknown == true)
            #expect(error?.isRetryable == true)
            #expect(await server.requests(atLeast: 1).count == 1)
            #expect(transport.metrics.recorded.map(\.statusClass) == ["error"])
        }
    }

    @Test func idempotentPostIsRetriedWithTheSameKeyOn5xxAndTimeout() async throws {
        let transport = TestTransport()
        try await withLoopbackServer({ _, index in
            switch index {
            case 0: .json(500, #"{"error":"boom"}"#)
            case 1: ScriptedResponse(status: 200, body: "{}", delay: .seconds(10))
            default: .json(200, #"{"ok":true}"#)
            }
        }) { server, base in
            // A read timeout well above a loaded machine's loopback round trip (the whole suite
            // runs in parallel on two cores), well below the delay.
            let http = transport.client(base, maxAttempts: 3, readTimeout: .seconds(5))
            let response = try await http.send(
                OutboundRequest(
                    method: "POST", path: "/v1/things", body: .form([(name: "a", value: "1")]),
                    operation: "things.create", idempotency: (header: "Idempotency-Key", key: "order-17-create")),
                errorReader: plainErrorReader)
            #expect(response.status == 200)
            #expect(server.requests.count == 3)
            #expect(server.requests.map { $0.header("Idempotency-Key") } == Array(repeating: "order-17-create", count: 3))
            #expect(server.requests.allSatisfy { $0.bodyText == "a=1" })
            #expect(transport.sleeps.recorded.count == 2)
            #expect(transport.metrics.recorded.map(\.statusClass) == ["5xx", "error", "2xx"])
        }
    }

    @Test func nonIdempotentPostIsNotRetriedOn5xxOrTimeout() async throws {
        let transport = TestTransport()
        try await withLoopbackServer({ _, _ in .json(503, "down") }) { server, base in
            let http = transport.client(base, maxAttempts: 3)
            let error = await callError {
                _ = try await http.send(
                    OutboundRequest(method: "POST", path: "/messages", operation: "messages.create"),
                    errorReader: plainErrorReader)
            }
            #expect(error == .unavailable(status: 503, detail: "down"))
            #expect(server.requests.count == 1)
            #expect(transport.sleeps.recorded.isEmpty)
        }
        try await withLoopbackServer({ _, _ in ScriptedResponse(status: 200, delay: .seconds(1)) }) { server, base in
            let http = transport.client(base, maxAttempts: 3, readTimeout: .milliseconds(200))
            let error = await callError {
                _ = try await http.send(
                    OutboundRequest(method: "POST", path: "/messages", operation: "messages.create"),
                    errorReader: plainErrorReader)
            }
            #expect(error?.outcomeUnknown == true)
            #expect(await server.requests(atLeast: 1).count == 1)
        }
    }

    @Test func getIsRetriedOn5xx() async throws {
        let transport = TestTransport()
        try await withLoopbackServer({ _, index in index < 2 ? .json(502, "bad gateway") : .json(200, "{}") }) {
            server, base in
            let http = transport.client(base, maxAttempts: 3)
            let response = try await http.send(
                OutboundRequest(method: "GET", path: "/thing", operation: "things.retrieve"), errorReader: plainErrorReader)
            #expect(response.status == 200)
            #expect(server.requests.count == 3)
        }
    }

    @Test func attemptsStopAtTheEndpointsMaximum() async throws {
        let transport = TestTransport()
        try await withLoopbackServer({ _, _ in .json(500, "still down") }) { server, base in
            let http = transport.client(base, maxAttempts: 2)
            let error = await callError {
                _ = try await http.send(
                    OutboundRequest(method: "GET", path: "/thing", operation: "things.retrieve"),
                    errorReader: plainErrorReader)
            }
            #expect(error == .unavailable(status: 500, detail: "still down"))
            #expect(server.requests.count == 2)
        }
    }

    @Test func shortRetryAfterIsWaitedInCallEvenForANonIdempotentPost() async throws {
        let transport = TestTransport()
        try await withLoopbackServer({ _, index in
            index == 0 ? .json(429, "slow down", headers: [(name: "Retry-After", value: "1")]) : .json(201, "{}")
        }) { server, base in
            let http = transport.client(base, maxAttempts: 3)
            let response = try await http.send(
                OutboundRequest(method: "POST", path: "/messages", operation: "messages.create"),
                errorReader: plainErrorReader)
            #expect(response.status == 201)
            #expect(server.requests.count == 2)
            #expect(transport.sleeps.recorded == [.seconds(1)])
        }
    }

    @Test func longRetryAfterEndsTheCallAtOnceWithTheDelay() async throws {
        let transport = TestTransport()
        try await withLoopbackServer({ _, _ in .json(429, "slow down", headers: [(name: "Retry-After", value: "120")]) }) {
            server, base in
            let http = transport.client(base, maxAttempts: 3)
            let error = await callError {
                _ = try await http.send(
                    OutboundRequest(method: "GET", path: "/thing", operation: "things.retrieve"),
                    errorReader: plainErrorReader)
            }
            #expect(error == .rateLimited(retryAfter: .seconds(120)))
            #expect(error?.retryAfter == .seconds(120))
            #expect(error?.isRetryable == true)
            #expect(await server.requests(atLeast: 1).count == 1)
            #expect(transport.sleeps.recorded.isEmpty)
        }
    }

    @Test func retryAfterAsAnHTTPDateIsMeasuredFromTheInjectedClock() async throws {
        let transport = TestTransport()
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let date = formatter.string(from: transport.clock.now.addingTimeInterval(600))
        try await withLoopbackServer({ _, _ in .json(429, "", headers: [(name: "Retry-After", value: date)]) }) { _, base in
            let error = await callError {
                _ = try await transport.client(base).send(
                    OutboundRequest(method: "GET", path: "/thing", operation: "things.retrieve"),
                    errorReader: plainErrorReader)
            }
            #expect(error == .rateLimited(retryAfter: .seconds(600)))
        }
    }

    @Test func retryAfterParsesSecondsAndDates() {
        let now = Date(timeIntervalSince1970: 1_445_412_480)  // Wed, 21 Oct 2015 07:28:00 GMT
        #expect(RetryAfter.parse("2", now: now) == .seconds(2))
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:28:30 GMT", now: now) == .seconds(30))
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:27:00 GMT", now: now) == .zero)
        #expect(RetryAfter.parse("soon", now: now) == nil)
        #expect(RetryAfter.parse("-1", now: now) == nil)
    }

    @Test func refusedConnectionIsRetriedEvenForANonIdempotentPostAndReportedAsNotSent() async throws {
        let transport = TestTransport()
        // A port that was just open and is now closed.
        let base = try await withLoopbackServer({ _, _ in .json(200, "{}") }) { _, base in base }
        let http = transport.client(base, maxAttempts: 2)
        let error = await callError {
            _ = try await http.send(
                OutboundRequest(method: "POST", path: "/messages", operation: "messages.create"),
                errorReader: plainErrorReader)
        }
        guard case .connectionFailed = error else {
            Issue.record("expected a connection failure, got \(String(describing: error))")
            return
        }
        #expect(error?.outcomeUnknown == false)
        #expect(transport.sleeps.recorded.count == 1)
        #expect(transport.metrics.recorded.map(\.statusClass) == ["error", "error"])
    }

    @Test func stripeShouldRetryHeaderDecidesFor409And5xx() async throws {
        let transport = TestTransport()
        try await withLoopbackServer({ request, index in
            switch (request.path, index) {
            case ("/conflict", 0): .json(409, "lock timeout")
            case ("/conflict", _): .json(200, "{}")
            default: .json(500, "do not", headers: [(name: "Stripe-Should-Retry", value: "false")])
            }
        }) { server, base in
            let http = transport.client(base, retryHintHeader: "Stripe-Should-Retry")
            let key = (header: "Idempotency-Key", key: "k1")
            let response = try await http.send(
                OutboundRequest(method: "POST", path: "/conflict", operation: "c", idempotency: key),
                errorReader: plainErrorReader)
            #expect(response.status == 200)
            let error = await callError {
                _ = try await http.send(
                    OutboundRequest(method: "POST", path: "/no", operation: "n", idempotency: key),
                    errorReader: plainErrorReader)
            }
            #expect(error == .unavailable(status: 500, detail: "do not"))
            #expect(server.requests.filter { $0.path == "/no" }.count == 1)
        }
    }

    @Test func rejectionIsPermanentAndNotRetried() async throws {
        let transport = TestTransport()
        try await withLoopbackServer({ _, _ in .json(400, "bad field") }) { server, base in
            let error = await callError {
                _ = try await transport.client(base).send(
                    OutboundRequest(method: "GET", path: "/x", operation: "x.retrieve"), errorReader: plainErrorReader)
            }
            #expect(error == .rejected(status: 400, error: ProviderErrorBody(message: "bad field")))
            #expect(error?.isRetryable == false)
            #expect(server.requests.count == 1)
        }
    }

    @Test func openCircuitRefusesWithoutSending() async throws {
        let transport = TestTransport()
        let breaker = CircuitBreaker(failureThreshold: 2, coolDown: .seconds(30), now: transport.clock.function)
        try await withLoopbackServer({ _, _ in .json(500, "down") }) { server, base in
            let http = transport.client(base, maxAttempts: 1, breaker: breaker)
            let request = OutboundRequest(method: "GET", path: "/x", operation: "x.retrieve")
            for _ in 0..<2 { _ = await callError { _ = try await http.send(request, errorReader: plainErrorReader) } }
            let error = await callError { _ = try await http.send(request, errorReader: plainErrorReader) }
            #expect(error == .circuitOpen(retryAt: transport.clock.now.addingTimeInterval(30)))
            #expect(error?.retryDelay(now: transport.clock.now) == .seconds(30))
            #expect(server.requests.count == 2)
            #expect(http.stats.snapshot().lastError?.message.contains("circuit open") == true)
        }
    }

    @Test func statsCountCallsRatesAndLastOutcomes() async throws {
        let transport = TestTransport()
        try await withLoopbackServer({ request, _ in request.path == "/ok" ? .json(200, "{}") : .json(404, "missing") }) {
            _, base in
            let http = transport.client(base)
            for path in ["/ok", "/ok", "/ok", "/missing"] {
                _ = await callError {
                    _ = try await http.send(
                        OutboundRequest(method: "GET", path: path, operation: "x.retrieve"), errorReader: plainErrorReader)
                }
            }
            let snapshot = http.stats.snapshot()
            #expect(snapshot.totalCalls == 4)
            #expect(snapshot.successRate == 0.75)
            #expect(snapshot.failureRate == 0)
            #expect(snapshot.lastSuccessAt == transport.clock.now)
            // A 404 refuses one request; it says nothing of the connection's health.
            #expect(snapshot.lastError == nil)
            #expect(snapshot.p95Latency != nil)
        }
    }

    @Test func statsWindowKeepsTheLastCallsAndNearestRankP95() {
        let stats = ProviderCallStats(provider: "x", capacity: 20)
        for index in 1...40 {
            stats.record(index <= 20 ? .failure : .success, latency: .milliseconds(index), at: Date(timeIntervalSince1970: 0))
        }
        let snapshot = stats.snapshot()
        #expect(snapshot.totalCalls == 40)
        #expect(snapshot.windowCalls == 20)
        #expect(snapshot.successRate == 1)
        #expect(snapshot.p95Latency == .milliseconds(39))
        #expect(snapshot.averageLatency == .microseconds(30_500))
    }
}
