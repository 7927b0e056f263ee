import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PonteSandbox

/// What every `ponte demo` flow does: call the hub and the sandbox over HTTP as their users
/// would, and print a timeline of what happened.
protocol DemoDriver {
    var hub: String { get }
    var sandbox: String { get }
    var token: String { get }
    var started: ContinuousClock.Instant { get }
}

extension DemoDriver {
    typealias JSON = [String: Any]

    /// The payer pays the Asaas charge `payment`, in the simulated Asaas.
    func pay(_ payment: String) async throws {
        _ = try await sandboxPost("/asaas/v3/sandbox/payment/\(payment)/confirm", [:], headers: ["access_token": SandboxCredentials.defaults.asaasAPIKey])
        say("the customer pays \(payment) (in the simulated Asaas)")
    }

    func waitUntilReady() async throws {
        for _ in 0..<300 {
            if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: hub + "/ready"), timeout: .seconds(2)),
                response.status == .ok
            {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw DemoFailure(message: "the hub did not become ready within 30 s")
    }

    // MARK: Printing

    func say(_ text: String) {
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(String(format: "[%6.2fs] ", seconds) + text)
    }

    func section(_ title: String) {
        print("")
        say("── \(title)")
    }

    // MARK: HTTP

    func get(_ path: String) async throws -> JSON { try await call("GET", path, nil) }

    func post(_ path: String, _ body: JSON) async throws -> JSON { try await call("POST", path, body) }

    func call(_ method: String, _ path: String, _ body: JSON?, token: String? = nil, headers: [String: String] = [:]) async throws -> JSON {
        var request = HTTPClientRequest(url: hub + path)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Authorization", value: "Bearer \(token ?? self.token)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        }
        return try await send(request, "\(method) \(path)")
    }

    func sandboxPost(_ path: String, _ body: JSON, headers: [String: String] = [:]) async throws -> JSON {
        var request = HTTPClientRequest(url: sandbox + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        return try await send(request, "POST \(path) (sandbox)")
    }

    func send(_ request: HTTPClientRequest, _ what: String) async throws -> JSON {
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 8 << 20)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw DemoFailure(message: "\(what) answered \(response.status.code): \(String(buffer: bytes))")
        }
        if bytes.readableBytes == 0 { return [:] }
        return (try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) as? JSON) ?? [:]
    }
}

struct DemoFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
