import Foundation
import Hummingbird
import PonteCore
import PonteJobs
import PonteKit
import PonteStore

/// Kiosk locations, their printer and their catalogue of services. Admin only.
struct LocationsAPI: Sendable {
    let context: ModuleContext

    func addRoutes(to routes: inout APIRoutes) {
        let tags = ["Kiosk"]
        let name = JSONSchema.string(minLength: 1, maxLength: 200)
        let zone = JSONSchema.string("IANA time zone, such as America/Sao_Paulo")
        routes.post(
            "kiosk/locations",
            APIOperation("createKioskLocation", "Create a kiosk location", tags: tags)
                .body(.object(["name": name, "time_zone": zone, "printer": KioskSchemas.printer.described("Default: standard output").optional]))
                .response(201, .ref("KioskLocation"), "Created")
                .errors(400, "INVALID_JSON", "INVALID_FIELD", "INVALID_TIME_ZONE", "INVALID_PRINTER"),
            createLocation)
        routes.get(
            "kiosk/locations",
            APIOperation("listKioskLocations", "Kiosk locations, newest first", tags: tags).paged()
                .response(200, JSONSchema.page(of: "KioskLocation"), "A page of locations").errors(400, "INVALID_QUERY"),
            listLocations)
        routes.get(
            "kiosk/locations/{location_id}",
            APIOperation("getKioskLocation", "A kiosk location", tags: tags)
                .response(200, .ref("KioskLocation"), "The location").errors(404, "LOCATION_NOT_FOUND"),
            getLocation)
        routes.patch(
            "kiosk/locations/{location_id}",
            APIOperation("updateKioskLocation", "Change a location's name, time zone or printer", tags: tags)
                .body(.object(["name": name.optional, "time_zone": zone.optional, "printer": KioskSchemas.printer.optional]))
                .response(200, .ref("KioskLocation"), "The location")
                .errors(400, "INVALID_JSON", "INVALID_FIELD", "INVALID_TIME_ZONE", "INVALID_PRINTER").errors(404, "LOCATION_NOT_FOUND"),
            updateLocation)
        routes.delete(
            "kiosk/locations/{location_id}",
            APIOperation("deleteKioskLocation", "Delete a location that has sold nothing, with its services", tags: tags)
                .response(204, nil, "Deleted").errors(404, "LOCATION_NOT_FOUND").errors(409, "LOCATION_IN_USE"),
            deleteLocation)

        let prefix = JSONSchema.string("1 to 3 capital letters: A → A001", pattern: "^[A-Z]{1,3}$")
        let price = JSONSchema.integer("Centavos", minimum: 1, maximum: 100_000_000)
        routes.post(
            "kiosk/locations/{location_id}/services",
            APIOperation("createKioskService", "Add a service to a location's catalogue", tags: tags)
                .body(.object(["name": name, "price": price, "ticket_prefix": prefix]))
                .response(201, .ref("KioskService"), "Created")
                .errors(400, "INVALID_JSON", "INVALID_FIELD").errors(404, "LOCATION_NOT_FOUND"),
            createService)
        routes.get(
            "kiosk/locations/{location_id}/services",
            APIOperation("listKioskServices", "A location's services, newest first", tags: tags).paged()
                .response(200, JSONSchema.page(of: "KioskService"), "A page of services")
                .errors(400, "INVALID_QUERY").errors(404, "LOCATION_NOT_FOUND"),
            listServices)
        routes.get(
            "kiosk/locations/{location_id}/services/{service_id}",
            APIOperation("getKioskService", "A service", tags: tags)
                .response(200, .ref("KioskService"), "The service").errors(404, "LOCATION_NOT_FOUND", "SERVICE_NOT_FOUND"),
            getService)
        routes.patch(
            "kiosk/locations/{location_id}/services/{service_id}",
            APIOperation(
                "updateKioskService", "Change a service", description: "Sessions already created keep the name and price they were sold at.",
                tags: tags
            )
            .body(.object(["name": name.optional, "price": price.optional, "ticket_prefix": prefix.optional, "active": JSONSchema.boolean().optional]))
            .response(200, .ref("KioskService"), "The service")
            .errors(400, "INVALID_JSON", "INVALID_FIELD").errors(404, "LOCATION_NOT_FOUND", "SERVICE_NOT_FOUND"),
            updateService)
        routes.delete(
            "kiosk/locations/{location_id}/services/{service_id}",
            APIOperation("deleteKioskService", "Delete a service never sold (one that was: PATCH active false)", tags: tags)
                .response(204, nil, "Deleted").errors(404, "LOCATION_NOT_FOUND", "SERVICE_NOT_FOUND").errors(409, "SERVICE_IN_USE"),
            deleteService)
    }

    // MARK: Locations

    struct LocationInput: Decodable {
        let name: String?
        let timeZone: String?
        let printer: Printer?

        enum CodingKeys: String, CodingKey {
            case name, printer
            case timeZone = "time_zone"
        }
    }

    @Sendable func createLocation(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let input = try await request.decodeJSON(LocationInput.self, expected: #"{"name": "Poupatempo Sé", "time_zone": "America/Sao_Paulo"}"#)
        guard let name = input.name else { throw Self.missing("name") }
        guard let zone = input.timeZone else { throw Self.missing("time_zone") }
        let fields = try Self.validated(name: name, timeZone: zone, printer: input.printer ?? .standardOutput)
        let location = try await self.context.transaction { unit -> Location in
            let at = KioskStorage.timestamp(unit.now)
            let location = Location(
                id: KioskStorage.locationIDs.next(at: KioskStorage.date(unit.now)), name: fields.name, timeZone: fields.timeZone,
                printer: fields.printer, createdAt: at, updatedAt: at)
            try await KioskStorage.insertLocation(location, in: unit)
            return location
        }
        return try .json(encoding: location, status: .created)
    }

    @Sendable func listLocations(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let query = ListParameters(request)
        let limit = try query.limit()
        let cursor = try query.cursor(ids: KioskStorage.locationIDs)
        let page = try await ListParameters.page(size: limit, id: \Location.id, item: { $0 }) { limit in
            try await KioskStorage.locations(after: cursor, limit: limit, on: self.context.database)
        }
        return try .json(encoding: page)
    }

    @Sendable func getLocation(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try .json(encoding: try await Self.location(context, on: self.context.database))
    }

    @Sendable func updateLocation(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try context.parameters.require("location_id")
        let input = try await request.decodeJSON(LocationInput.self, expected: #"{"name": "…", "printer": {"type": "tcp", "host": "…"}}"#)
        let location = try await self.context.transaction { unit -> Location in
            guard var location = try await KioskStorage.location(id, lock: true, in: unit) else { throw Self.locationNotFound(id) }
            let fields = try Self.validated(
                name: input.name ?? location.name, timeZone: input.timeZone ?? location.timeZone, printer: input.printer ?? location.printer)
            location.name = fields.name
            location.timeZone = fields.timeZone
            location.printer = fields.printer
            location.updatedAt = KioskStorage.timestamp(unit.now)
            try await KioskStorage.updateLocation(location, in: unit)
            return location
        }
        return try .json(encoding: location)
    }

    @Sendable func deleteLocation(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try context.parameters.require("location_id")
        try await self.context.transaction { unit in
            guard try await KioskStorage.location(id, lock: true, in: unit) != nil else { throw Self.locationNotFound(id) }
            guard try await KioskStorage.deleteLocation(id, in: unit) else {
                throw APIError.conflict("LOCATION_IN_USE", "location \(id) has payment sessions, which keep its history; it cannot be deleted")
            }
        }
        return Response(status: .noContent)
    }

    static func validated(name: String, timeZone: String, printer: Printer) throws -> (name: String, timeZone: String, printer: Printer) {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(name.count) else {
            throw APIError.badRequest("INVALID_FIELD", "name must be 1 to 200 characters", details: .object(["field": "name"]))
        }
        guard TimeZone(identifier: timeZone) != nil, timeZone.contains("/") || timeZone == "UTC" else {
            throw APIError.badRequest(
                "INVALID_TIME_ZONE", "time_zone '\(timeZone)' is not an IANA time zone such as America/Sao_Paulo",
                details: .object(["field": "time_zone"]))
        }
        return (name, timeZone, try printer.validated())
    }

    static func missing(_ field: String) -> APIError {
        APIError.badRequest("INVALID_FIELD", "\(field) is required", details: .object(["field": .string(field)]))
    }

    static func location(_ context: APIRequestContext, on database: any StoreDatabase) async throws -> Location {
        let id = try context.parameters.require("location_id")
        guard let location = try await KioskStorage.location(id, on: database) else { throw locationNotFound(id) }
        return location
    }

    static func locationNotFound(_ id: String) -> APIError { .notFound("LOCATION_NOT_FOUND", "there is no kiosk location '\(id)'") }

    // MARK: Services

    struct ServiceInput: Decodable {
        let name: String?
        let price: Int?
        let ticketPrefix: String?
        let active: Bool?

        enum CodingKeys: String, CodingKey {
            case name, price, active
            case ticketPrefix = "ticket_prefix"
        }
    }

    @Sendable func createService(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let locationID = try context.parameters.require("location_id")
        let input = try await request.decodeJSON(ServiceInput.self, expected: #"{"name": "Emissão de 2ª via", "price": 1500, "ticket_prefix": "A"}"#)
        guard let name = input.name else { throw Self.missing("name") }
        guard let price = input.price else { throw Self.missing("price") }
        guard let prefix = input.ticketPrefix else { throw Self.missing("ticket_prefix") }
        try Self.validate(name: name, price: price, prefix: prefix)
        let service = try await self.context.transaction { unit -> KioskService in
            guard try await KioskStorage.location(locationID, in: unit) != nil else { throw Self.locationNotFound(locationID) }
            let at = KioskStorage.timestamp(unit.now)
            let service = KioskService(
                id: KioskStorage.serviceIDs.next(at: KioskStorage.date(unit.now)), locationID: locationID,
                name: name.trimmingCharacters(in: .whitespacesAndNewlines), price: price, ticketPrefix: prefix, active: input.active ?? true,
                createdAt: at, updatedAt: at)
            try await KioskStorage.insertService(service, in: unit)
            return service
        }
        return try .json(encoding: service, status: .created)
    }

    @Sendable func listServices(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let location = try await Self.location(context, on: self.context.database)
        let query = ListParameters(request)
        let limit = try query.limit()
        let cursor = try query.cursor(ids: KioskStorage.serviceIDs)
        let page = try await ListParameters.page(size: limit, id: \KioskService.id, item: { $0 }) { limit in
            try await KioskStorage.services(locationID: location.id, after: cursor, limit: limit, on: self.context.database)
        }
        return try .json(encoding: page)
    }

    private func service(_ context: APIRequestContext) async throws -> KioskService {
        let location = try await Self.location(context, on: self.context.database)
        let id = try context.parameters.require("service_id")
        guard let service = try await KioskStorage.service(id, on: self.context.database), service.locationID == location.id else {
            throw Self.serviceNotFound(id)
        }
        return service
    }

    static func serviceNotFound(_ id: String) -> APIError { .notFound("SERVICE_NOT_FOUND", "there is no kiosk service '\(id)'") }

    @Sendable func getService(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try .json(encoding: try await service(context))
    }

    @Sendable func updateService(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let existing = try await service(context)
        let input = try await request.decodeJSON(ServiceInput.self, expected: #"{"price": 1800, "active": false}"#)
        let name = input.name ?? existing.name
        let price = input.price ?? existing.price
        let prefix = input.ticketPrefix ?? existing.ticketPrefix
        try Self.validate(name: name, price: price, prefix: prefix)
        let service = try await self.context.transaction { unit -> KioskService in
            guard var service = try await KioskStorage.service(existing.id, in: unit) else { throw Self.serviceNotFound(existing.id) }
            service.name = name.trimmingCharacters(in: .whitespacesAndNewlines)
            service.price = price
            service.ticketPrefix = prefix
            service.active = input.active ?? service.active
            service.updatedAt = KioskStorage.timestamp(unit.now)
            try await KioskStorage.updateService(service, in: unit)
            return service
        }
        return try .json(encoding: service)
    }

    @Sendable func deleteService(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let service = try await service(context)
        try await self.context.transaction { unit in
            guard try await KioskStorage.deleteService(service.id, in: unit) else {
                throw APIError.conflict(
                    "SERVICE_IN_USE", "service \(service.id) was sold, and its sessions keep it; PATCH it with {\"active\": false} to stop selling it")
            }
        }
        return Response(status: .noContent)
    }

    static func validate(name: String, price: Int, prefix: String) throws {
        guard (1...200).contains(name.trimmingCharacters(in: .whitespacesAndNewlines).count) else {
            throw APIError.badRequest("INVALID_FIELD", "name must be 1 to 200 characters", details: .object(["field": "name"]))
        }
        guard (1...100_000_000).contains(price) else {
            throw APIError.badRequest("INVALID_FIELD", "price is in centavos, from 1 to 100000000", details: .object(["field": "price"]))
        }
        guard (1...3).contains(prefix.count), prefix.unicodeScalars.allSatisfy({ (65...90).contains($0.value) }) else {
            throw APIError.badRequest(
                "INVALID_FIELD", "ticket_prefix must be 1 to 3 capital letters (A to Z), such as A", details: .object(["field": "ticket_prefix"]))
        }
    }
}
