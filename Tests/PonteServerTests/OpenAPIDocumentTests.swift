import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PonteCore
import PonteKit
import PonteProviders
import PonteStore
import ServiceLifecycle
import Synchronization
import Testing

@testable import PonteServer

/// `GET /openapi.json` describes exactly the routes the router has, in snake_case, with every
/// error answered in the one error shape.
@Suite struct OpenAPIDocumentTests {
    /// The hub's router, with the real modules and the test modules, and the document it serves.
    private func routerAndDocument(
        adding extra: (Router<APIRequestContext>) -> Void = { _ in }
    ) async throws -> (routes: Set<String>, document: [String: Any]) {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var configuration = HubConfiguration()
        configuration.database = directory.path + "/ponte.sqlite"
        configuration.secrets = Fixture.secrets
        let database = try await SQLiteStore.open(path: configuration.database, logger: quietLogger)
        let clients = ProviderClients(settings: ProviderClientSettings(), logger: quietLogger)
        let hub = try await HubAssembly.make(
            configuration: configuration, modules: ModuleSeamTests.modules, logger: quietLogger, now: Date.init,
            database: database, clients: clients
        )
        let inbox = WebhookInbox(database: database, logger: quietLogger)
        let reception = WebhookReception(
            verifiers: [:], inbox: inbox, ids: hub.webhookIDs, publicURL: nil, maxBodyBytes: 4096, metrics: hub.metrics, now: Date.init
        )
        let router = HubRoutes.router(
            hub: hub, reception: reception,
            authentication: APIAuthentication(tokens: Fixture.tokens, authenticators: [], now: Date.init)
        )
        extra(router)
        let routes = Set(router.routes.map { route in
            "\(route.method.rawValue) " + route.path.description.split(separator: "/", omittingEmptySubsequences: false).map { part in
                part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
            }.joined(separator: "/")
        })
        let body = Locked(Data())
        try await Application(router: router).test(.router) { client in
            let response = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(response.status == .ok)
            body.withLock { $0 = Data(response.body.readableBytesView) }
        }
        try await whileRunningStore(database)
        let document = try #require(try JSONSerialization.jsonObject(with: body.value) as? [String: Any])
        return (routes, document)
    }

    private func operations(_ document: [String: Any]) -> [(key: String, operation: [String: Any])] {
        let paths = document["paths"] as? [String: [String: Any]] ?? [:]
        return paths.flatMap { path, methods in
            methods.compactMap { method, operation in
                (operation as? [String: Any]).map { ("\(method.uppercased()) \(path)", $0) }
            }
        }
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedOperationIsARoute() async throws {
        let (routes, document) = try await routerAndDocument()
        let documented = Set(operations(document).map(\.key))
        #expect(routes.subtracting(documented).sorted() == [], "routes without a documented operation")
        #expect(documented.subtracting(routes).sorted() == [], "documented operations without a route")
        #expect(document["openapi"] as? String == "3.1.0")
        // The platform's, a module's (outbound) and a test module's routes are all there.
        // A route added to the router without a description is caught.
        let (withExtra, _) = try await routerAndDocument { router in router.get("/api/v1/undocumented") { _, _ in "" } }
        #expect(withExtra.subtracting(documented) == ["GET /api/v1/undocumented"])
        for route in ["POST /webhooks/{provider}", "GET /api/v1/jobs/{id}", "POST /api/v1/outbound", "GET /api/v1/ledger/events", "GET /openapi.json"] {
            #expect(routes.contains(route), "\(route) is missing")
        }
    }

    @Test func operationsAreUniqueAnsweredAndTheirErrorsShareOneShape() async throws {
        let (_, document) = try await routerAndDocument()
        let all = operations(document)
        let ids = all.compactMap { $0.operation["operationId"] as? String }
        #expect(ids.count == all.count && Set(ids).count == ids.count, "every operation has a unique operationId")
        for (key, operation) in all {
            let responses = operation["responses"] as? [String: [String: Any]] ?? [:]
            #expect(responses.keys.contains { $0.hasPrefix("2") }, "\(key) documents no success")
            for (status, response) in responses where status.hasPrefix("4") || (status.hasPrefix("5") && !key.hasSuffix("/ready")) {
                let schema = ((response["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] as? [String: Any]
                let error = (schema?["properties"] as? [String: Any])?["error"] as? [String: Any]
                let codes = ((error?["properties"] as? [String: Any])?["code"] as? [String: Any])?["enum"] as? [String]
                #expect(codes?.isEmpty == false, "\(key) \(status) has no error codes in the error shape")
            }
            if key.hasPrefix("GET /api/") || key.hasPrefix("POST /api/") {
                #expect(responses["401"] != nil && responses["503"] != nil, "\(key) lacks its 401 or 503")
            }
        }
    }

    @Test func everyFieldAndParameterNameIsSnakeCase() async throws {
        let (_, document) = try await routerAndDocument()
        var names: [String] = []
        func walk(_ value: Any) {
            if let object = value as? [String: Any] {
                if let properties = object["properties"] as? [String: Any] { names += properties.keys }
                for child in object.values { walk(child) }
            } else if let array = value as? [Any] {
                for child in array { walk(child) }
            }
        }
        walk(document["paths"] ?? [:])
        walk(document["components"] ?? [:])
        for (_, operation) in operations(document) {
            for parameter in operation["parameters"] as? [[String: Any]] ?? [] where parameter["in"] as? String != "header" {
                names.append(parameter["name"] as? String ?? "")
            }
        }
        #expect(names.count > 100)
        // Names a provider chooses, on the routes it calls: Intuit's OAuth callback sends `realmId`.
        let providers: Set = ["realmId"]
        let offenders = Set(names.filter { $0.wholeMatch(of: /[a-z][a-z0-9_]*/) == nil && !providers.contains($0) })
        #expect(offenders.isEmpty, "not snake_case: \(offenders.sorted())")
    }
}

/// Runs the store's service and stops it, which closes its connections.
private func whileRunningStore(_ database: SQLiteStore) async throws {
    let group = ServiceGroup(services: [database], logger: quietLogger)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}

/// A value shared between tasks, behind a lock.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) {
        mutex = Mutex(value)
    }

    var value: Value { mutex.withLock { $0 } }

    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R {
        mutex.withLock { body(&$0) }
    }
}
