import Foundation
import Hummingbird
import PonteCore
import PonteJobs
import PonteKit
import PonteStore

/// Clients, their stores, each store's order policy and its POS keys. Admin only.
struct StoresAPI: Sendable {
    let context: ModuleContext

    func addRoutes(to routes: inout APIRoutes) {
        let tags = ["Stores"]
        let nameField = JSONSchema.string(minLength: 1, maxLength: 200)
        routes.post(
            "clients",
            APIOperation("createClient", "Create a client (a restaurant, which owns stores)", tags: tags)
                .body(.object(["name": nameField]))
                .response(201, .ref("Client"), "Created")
                .errors(400, "INVALID_JSON", "INVALID_FIELD"),
            createClient
        )
        routes.get(
            "clients",
            APIOperation("listClients", "Clients, newest first", tags: tags)
                .paged()
                .response(200, JSONSchema.page(of: "Client"), "A page of clients")
                .errors(400, "INVALID_QUERY"),
            listClients
        )
        routes.get(
            "clients/{client_id}",
            APIOperation("getClient", "A client", tags: tags).response(200, .ref("Client"), "The client").errors(404, "CLIENT_NOT_FOUND"),
            getClient
        )
        routes.patch(
            "clients/{client_id}",
            APIOperation("updateClient", "Rename a client", tags: tags)
                .body(.object(["name": nameField.optional]))
                .response(200, .ref("Client"), "The client")
                .errors(400, "INVALID_JSON", "INVALID_FIELD").errors(404, "CLIENT_NOT_FOUND"),
            updateClient
        )
        let storeBody: [(String, JSONSchema)] = [
            ("name", nameField),
            ("time_zone", .string("IANA time zone, such as America/Sao_Paulo")),
            ("operating_hours", .map(.array(.array(.string("HH:MM"), maxItems: 2)), "Per day (mon … sun), intervals [opens, closes]")),
            ("whatsapp_number", JSONSchema.string("E.164").optional),
            ("ifood_merchant_id", JSONSchema.string(minLength: 1, maxLength: 100).optional),
        ]
        let storeErrors = ["INVALID_JSON", "INVALID_FIELD", "INVALID_TIME_ZONE", "INVALID_OPERATING_HOURS", "INVALID_PHONE_NUMBER"]
        routes.post(
            "clients/{client_id}/stores",
            APIOperation("createStore", "Create a store of the client", tags: tags)
                .body(.object(storeBody))
                .response(201, .ref("Store"), "Created")
                .errors(400, storeErrors).errors(404, "CLIENT_NOT_FOUND").errors(409, "IFOOD_MERCHANT_TAKEN"),
            createStore
        )
        routes.get(
            "clients/{client_id}/stores",
            APIOperation("listStores", "The client's stores, newest first", tags: tags)
                .paged()
                .response(200, JSONSchema.page(of: "Store"), "A page of stores")
                .errors(400, "INVALID_QUERY").errors(404, "CLIENT_NOT_FOUND"),
            listStores
        )
        routes.get(
            "clients/{client_id}/stores/{store_id}",
            APIOperation("getStore", "A store", tags: tags).response(200, .ref("Store"), "The store").errors(404, "STORE_NOT_FOUND"),
            getStore
        )
        routes.patch(
            "clients/{client_id}/stores/{store_id}",
            APIOperation("updateStore", "Change a store's fields (those sent)", tags: tags)
                .body(.object(storeBody.map { ($0.0, $0.1.optional) }))
                .response(200, .ref("Store"), "The store")
                .errors(400, storeErrors).errors(404, "STORE_NOT_FOUND").errors(409, "IFOOD_MERCHANT_TAKEN"),
            updateStore
        )
        routes.get(
            "clients/{client_id}/stores/{store_id}/order-config",
            APIOperation("getOrderConfig", "The store's order policy (the defaults when it has none)", tags: tags)
                .response(200, .ref("OrderConfig"), "The policy").errors(404, "STORE_NOT_FOUND"),
            getConfig
        )
        routes.put(
            "clients/{client_id}/stores/{store_id}/order-config",
            APIOperation(
                "putOrderConfig", "Replace the store's order policy",
                description: "Fields left out take the defaults. Invalid values are a 400 naming the field in details.field.", tags: tags
            )
            .body(.ref("OrderConfig"))
            .response(200, .ref("OrderConfig"), "The policy as stored")
            .errors(400, "INVALID_JSON", OrderConfigProblem.code).errors(404, "STORE_NOT_FOUND"),
            putConfig
        )
        routes.post(
            "clients/{client_id}/stores/{store_id}/api-keys",
            APIOperation("createStoreKey", "Create an API key for the store's POS (shown once)", tags: tags)
                .response(201, .ref("StoreKey"), "The key, shown this once").errors(404, "STORE_NOT_FOUND"),
            createKey
        )
        routes.delete(
            "clients/{client_id}/stores/{store_id}/api-keys/{key_id}",
            APIOperation("revokeStoreKey", "Revoke a store API key", tags: tags)
                .response(204, nil, "Revoked").errors(404, "STORE_NOT_FOUND", "KEY_NOT_FOUND"),
            revokeKey
        )
    }

    // MARK: Clients

    struct ClientFields: Decodable {
        let name: String?
    }

    @Sendable func createClient(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let fields = try await request.decodeJSON(ClientFields.self, expected: #"{"name": "…"}"#)
        let name = try Self.name(fields.name, required: true)!
        let client = try await self.context.transaction { unit in try await OrdersStorage.insertClient(name: name, in: unit) }
        return try .json(encoding: client, status: .created)
    }

    @Sendable func listClients(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let query = ListParameters(request)
        let cursor = try query.cursor(ids: OrdersStorage.clientIDs)
        let page = try await ListParameters.page(size: try query.limit(), id: \Client.id, item: { $0 }) { limit in
            try await OrdersStorage.clients(after: cursor, limit: limit, on: self.context.database)
        }
        return try .json(encoding: page)
    }

    @Sendable func getClient(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try .json(encoding: try await client(context))
    }

    @Sendable func updateClient(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try context.parameters.require("client_id")
        let fields = try await request.decodeJSON(ClientFields.self)
        let name = try Self.name(fields.name, required: false)
        let updated = try await self.context.transaction { unit -> Client? in
            if let name { return try await OrdersStorage.renameClient(id, name: name, in: unit) }
            return nil
        }
        if let updated { return try .json(encoding: updated) }
        return try .json(encoding: try await client(context))
    }

    private func client(_ context: APIRequestContext) async throws -> Client {
        let id = try context.parameters.require("client_id")
        guard let client = try await OrdersStorage.client(id, on: self.context.database) else { throw Self.clientNotFound(id) }
        return client
    }

    static func clientNotFound(_ id: String) -> APIError {
        .notFound("CLIENT_NOT_FOUND", "there is no client '\(id)'; create one with POST /api/v1/clients")
    }

    static func storeNotFound(_ id: String) -> APIError {
        .notFound("STORE_NOT_FOUND", "there is no store '\(id)'")
    }

    // MARK: Stores

    struct StoreFields: Decodable {
        let name: String?
        let timeZone: String?
        let operatingHours: [String: [[String]]]?
        let whatsappNumber: String?
        let ifoodMerchantID: String?

        enum CodingKeys: String, CodingKey {
            case name
            case timeZone = "time_zone"
            case operatingHours = "operating_hours"
            case whatsappNumber = "whatsapp_number"
            case ifoodMerchantID = "ifood_merchant_id"
        }
    }

    @Sendable func createStore(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let clientID = try context.parameters.require("client_id")
        let fields = try await request.decodeJSON(StoreFields.self)
        guard let timeZone = fields.timeZone else { throw Self.missing("time_zone") }
        guard let hours = fields.operatingHours else { throw Self.missing("operating_hours") }
        let now = self.context.jobs.clock.now()
        var store = Store(
            id: OrdersStorage.storeIDs.next(at: OrdersStorage.date(now)), clientID: clientID,
            name: try Self.name(fields.name, required: true)!, timeZone: timeZone, operatingHours: hours,
            whatsappNumber: fields.whatsappNumber, ifoodMerchantID: fields.ifoodMerchantID,
            createdAt: OrdersStorage.timestamp(now), updatedAt: OrdersStorage.timestamp(now)
        )
        try Self.validate(&store)
        guard try await OrdersStorage.client(clientID, on: self.context.database) != nil else { throw Self.clientNotFound(clientID) }
        let new = store
        let stored = try await ifoodMerchantUnique(store.ifoodMerchantID) {
            try await self.context.transaction { unit in
                try await OrdersStorage.insertStore(new, in: unit)
                return try await OrdersStorage.store(new.id, in: unit)!.store
            }
        }
        return try .json(encoding: stored, status: .created)
    }

    @Sendable func listStores(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let clientID = try context.parameters.require("client_id")
        let query = ListParameters(request)
        let cursor = try query.cursor(ids: OrdersStorage.storeIDs)
        let limit = try query.limit()
        guard try await OrdersStorage.client(clientID, on: self.context.database) != nil else { throw Self.clientNotFound(clientID) }
        let page = try await ListParameters.page(size: limit, id: \Store.id, item: { $0 }) { limit in
            try await OrdersStorage.stores(clientID: clientID, after: cursor, limit: limit, on: self.context.database)
        }
        return try .json(encoding: page)
    }

    @Sendable func getStore(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try .json(encoding: try await store(context).store)
    }

    @Sendable func updateStore(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        var (store, _) = try await self.store(context)
        let fields = try await request.decodeJSON(StoreFields.self)
        if let name = try Self.name(fields.name, required: false) { store.name = name }
        if let timeZone = fields.timeZone { store.timeZone = timeZone }
        if let hours = fields.operatingHours { store.operatingHours = hours }
        if let number = fields.whatsappNumber { store.whatsappNumber = number }
        if let merchant = fields.ifoodMerchantID { store.ifoodMerchantID = merchant }
        try Self.validate(&store)
        let changed = store
        let updated = try await ifoodMerchantUnique(store.ifoodMerchantID) {
            try await self.context.transaction { unit in
                try await OrdersStorage.updateStore(changed, in: unit)
                return try await OrdersStorage.store(changed.id, in: unit)!.store
            }
        }
        return try .json(encoding: updated)
    }

    /// The store of the path, which must belong to the path's client.
    private func store(_ context: APIRequestContext) async throws -> (store: Store, config: OrderConfig) {
        let clientID = try context.parameters.require("client_id")
        let storeID = try context.parameters.require("store_id")
        guard let found = try await OrdersStorage.store(storeID, on: self.context.database), found.store.clientID == clientID else {
            throw Self.storeNotFound(storeID)
        }
        return found
    }

    private func ifoodMerchantUnique<T>(_ merchant: String?, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError where error.kind == .uniqueViolation {
            throw APIError.conflict(
                "IFOOD_MERCHANT_TAKEN", "iFood merchant '\(merchant ?? "")' belongs to another store",
                details: .object(["field": "ifood_merchant_id"]))
        }
    }

    // MARK: Order policy

    @Sendable func getConfig(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try .json(encoding: try await store(context).config)
    }

    @Sendable func putConfig(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let (store, _) = try await self.store(context)
        var config: OrderConfig
        do {
            config = try await request.decodeJSON(OrderConfig.self)
        } catch let error as APIError where error.code == "INVALID_JSON" && error.details != nil {
            // A value decoding refused (an unknown method, a misspelt field): the policy's code.
            throw APIError.badRequest(OrderConfigProblem.code, error.message, details: error.details)
        }
        if let problem = config.validationProblem() {
            throw APIError.badRequest(OrderConfigProblem.code, problem.description, details: .object(["field": .string(problem.field)]))
        }
        let stored = try await self.context.transaction { [config] unit in
            var config = config
            config.updatedAt = OrdersStorage.date(unit.now)
            try await OrdersStorage.putConfig(config, storeID: store.id, in: unit)
            return config
        }
        return try .json(encoding: stored)
    }

    // MARK: Keys

    struct KeyJSON: Encodable {
        let id: String
        let storeID: String
        let prefix: String
        let key: String?
        let createdAt: String

        enum CodingKeys: String, CodingKey {
            case id, prefix, key
            case storeID = "store_id"
            case createdAt = "created_at"
        }
    }

    @Sendable func createKey(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let (store, _) = try await self.store(context)
        let (key, hash) = StoreKeys.generate()
        let json = try await self.context.transaction { unit in
            let id = OrdersStorage.keyIDs.next(at: OrdersStorage.date(unit.now))
            try await OrdersStorage.insertKey(id: id, storeID: store.id, hash: hash, prefix: StoreKeys.displayPrefix(key), in: unit)
            return KeyJSON(
                id: id, storeID: store.id, prefix: StoreKeys.displayPrefix(key), key: key, createdAt: OrdersStorage.timestamp(unit.now))
        }
        return try .json(encoding: json, status: .created)
    }

    @Sendable func revokeKey(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let (store, _) = try await self.store(context)
        let keyID = try context.parameters.require("key_id")
        let revoked = try await self.context.transaction { unit in try await OrdersStorage.revokeKey(keyID, storeID: store.id, in: unit) }
        guard revoked else { throw APIError.notFound("KEY_NOT_FOUND", "store \(store.id) has no active key '\(keyID)'") }
        return Response(status: .noContent)
    }

    // MARK: Checks

    static func missing(_ field: String) -> APIError {
        .badRequest("INVALID_FIELD", "\(field) is required", details: .object(["field": .string(field)]))
    }

    /// A trimmed name of 1 to 200 characters.
    static func name(_ value: String?, required: Bool) throws -> String? {
        guard let value else {
            if required { throw missing("name") }
            return nil
        }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(trimmed.count) else {
            throw APIError.badRequest("INVALID_FIELD", "name must be 1 to 200 characters", details: .object(["field": "name"]))
        }
        return trimmed
    }

    static func validate(_ store: inout Store) throws {
        guard TimeZone(identifier: store.timeZone) != nil, store.timeZone.contains("/") || store.timeZone == "UTC" else {
            throw APIError.badRequest(
                "INVALID_TIME_ZONE", "time_zone '\(store.timeZone)' is not an IANA time zone such as America/Sao_Paulo",
                details: .object(["field": "time_zone"]))
        }
        do {
            _ = try OperatingHours(parsing: store.operatingHours)
        } catch {
            throw APIError.badRequest(
                OperatingHoursProblem.code, "operating_hours.\(error.description)",
                details: .object(["field": .string("operating_hours.\(error.field)")]))
        }
        if let number = store.whatsappNumber, PhoneNumber(number) == nil {
            throw APIError.badRequest(
                "INVALID_PHONE_NUMBER", "whatsapp_number must be E.164, such as +5511987654321", details: .object(["field": "whatsapp_number"]))
        }
        if let merchant = store.ifoodMerchantID, merchant.isEmpty || merchant.count > 100 {
            throw APIError.badRequest("INVALID_FIELD", "ifood_merchant_id must be 1 to 100 characters", details: .object(["field": "ifood_merchant_id"]))
        }
    }
}
