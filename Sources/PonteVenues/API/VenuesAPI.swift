import Foundation
import Hummingbird
import PonteCore
import PonteJobs
import PonteKit
import PonteStore

/// Venues, the module's tenants: registered by an admin; a venue's own users may read theirs.
struct VenuesAPI: Sendable {
    let context: ModuleContext
    let audit: VenueAudit
    let notices: VenueNotices

    func addRoutes(to routes: inout APIRoutes) {
        let tags = ["Venues"]
        let id = JSONSchema.string("Any id of 1 to 100 letters, digits and . _ : - (a UUID, say); generated when absent", pattern: Self.idPattern)
        let name = JSONSchema.string(minLength: 1, maxLength: 200)
        let type = JSONSchema.string("What the venue is: concert_hall, theatre, restaurant, …", pattern: Self.typePattern)
        let webhook = JSONSchema.string("http(s) URL where the venue is told of its connections' troubles (Standard Webhooks)")
        routes.post(
            "venues",
            APIOperation("createVenue", "Register a venue", tags: tags)
                .body(.object(["id": id.optional, "name": name, "venue_type": type.optional, "webhook_url": webhook.optional]))
                .response(201, .ref("Venue"), "Created")
                .errors(400, "INVALID_JSON", "INVALID_FIELD").errors(409, "VENUE_EXISTS"),
            createVenue)
        routes.get(
            "venues",
            APIOperation("listVenues", "Venues, newest first", tags: tags).paged()
                .response(200, JSONSchema.page(of: "Venue"), "A page of venues").errors(400, "INVALID_QUERY"),
            listVenues)
        routes.get(
            "venues/{venue_id}",
            APIOperation("getVenue", "A venue (admins, and the venue's own users)", tags: tags)
                .response(200, .ref("Venue"), "The venue").errors(403, "VENUE_FORBIDDEN").errors(404, "VENUE_NOT_FOUND"),
            access: .authenticated, getVenue)
        routes.patch(
            "venues/{venue_id}",
            APIOperation("updateVenue", "Change a venue's name, type or notice URL (\"\" removes it)", tags: tags)
                .body(.object(["name": name.optional, "venue_type": type.optional, "webhook_url": webhook.optional]))
                .response(200, .ref("Venue"), "The venue")
                .errors(400, "INVALID_JSON", "INVALID_FIELD").errors(404, "VENUE_NOT_FOUND"),
            updateVenue)
        routes.delete(
            "venues/{venue_id}",
            APIOperation("deleteVenue", "Delete a venue none of whose integrations is connected", tags: tags)
                .response(204, nil, "Deleted").errors(404, "VENUE_NOT_FOUND").errors(409, "VENUE_HAS_CONNECTIONS"),
            deleteVenue)
    }

    static let idPattern = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"
    static let typePattern = "^[a-z][a-z0-9_]{0,49}$"

    struct VenueInput: Decodable {
        let id: String?
        let name: String?
        let venueType: String?
        let webhookURL: String?

        enum CodingKeys: String, CodingKey {
            case id, name
            case venueType = "venue_type"
            case webhookURL = "webhook_url"
        }
    }

    @Sendable func createVenue(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let input = try await request.decodeJSON(VenueInput.self, expected: #"{"name": "Teatro Municipal", "venue_type": "theatre"}"#)
        let id = input.id ?? UUID().uuidString.lowercased()
        try Self.check(id, Self.idPattern, "id", "1 to 100 letters, digits and . _ : - starting with a letter or digit")
        guard let name = input.name else { throw Self.invalid("name", "name is required") }
        let fields = try Self.validated(name: name, type: input.venueType ?? "venue", webhookURL: input.webhookURL)
        let venue = try await self.context.transaction { unit -> Venue in
            let at = VenuesStorage.timestamp(unit.now)
            var venue = Venue(id: id, name: fields.name, venueType: fields.type, webhookURL: fields.webhookURL, createdAt: at, updatedAt: at)
            guard try await VenuesStorage.insertVenue(venue, in: unit) else {
                throw APIError.conflict("VENUE_EXISTS", "a venue \(id) already exists")
            }
            if venue.webhookURL != nil { venue.webhookSecret = try await notices.makeSecret(venue: id, in: unit) }
            try await audit.record("venue.create", venue: id, by: AuditActor(context), in: unit)
            return venue
        }
        return try .json(encoding: venue, status: .created)
    }

    @Sendable func listVenues(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let query = ListParameters(request)
        let limit = try query.limit()
        var cursor: (Int64, String)?
        if let text = query.text("cursor") {
            let parts = text.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let at = Int64(parts[0]) else {
                throw APIError.invalidQuery("cursor", "cursor '\(text)' is not one this API returned; pass next_cursor from the previous page")
            }
            cursor = (at, String(parts[1]))
        }
        let page = try await ListParameters.page(size: limit, id: { (row: (Venue, Int64)) in "\(row.1):\(row.0.id)" }, item: \.0) { limit in
            try await VenuesStorage.venues(after: cursor, limit: limit, on: self.context.database)
        }
        return try .json(encoding: page)
    }

    @Sendable func getVenue(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try context.parameters.require("venue_id")
        return try .json(encoding: try await VenueAccess.venue(id, for: .read, context, on: self.context.database))
    }

    @Sendable func updateVenue(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try context.parameters.require("venue_id")
        let input = try await request.decodeJSON(VenueInput.self, expected: #"{"name": "…", "webhook_url": "https://…"}"#)
        if input.id != nil, input.id != id { throw Self.invalid("id", "a venue's id cannot change") }
        let venue = try await self.context.transaction { unit -> Venue in
            guard var venue = try await VenuesStorage.venue(id, lock: true, in: unit) else { throw Self.notFound(id) }
            let webhook = input.webhookURL.map { $0.isEmpty ? nil : $0 } ?? venue.webhookURL
            let fields = try Self.validated(name: input.name ?? venue.name, type: input.venueType ?? venue.venueType, webhookURL: webhook)
            venue.name = fields.name
            venue.venueType = fields.type
            let hadURL = venue.webhookURL != nil
            venue.webhookURL = fields.webhookURL
            venue.updatedAt = VenuesStorage.timestamp(unit.now)
            try await VenuesStorage.updateVenue(venue, in: unit)
            if !hadURL, venue.webhookURL != nil { venue.webhookSecret = try await notices.makeSecret(venue: id, in: unit) }
            try await audit.record("venue.update", venue: id, by: AuditActor(context), in: unit)
            return venue
        }
        return try .json(encoding: venue)
    }

    @Sendable func deleteVenue(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let id = try context.parameters.require("venue_id")
        try await self.context.transaction { unit in
            guard try await VenuesStorage.venue(id, lock: true, in: unit) != nil else { throw Self.notFound(id) }
            guard try await VenuesStorage.deleteVenue(id, in: unit) else {
                throw APIError.conflict("VENUE_HAS_CONNECTIONS", "venue \(id) has integrations that are not disconnected; disconnect them first")
            }
            try await audit.record("venue.delete", venue: id, by: AuditActor(context), in: unit)
        }
        return Response(status: .noContent)
    }

    // MARK: Validation

    static func validated(name: String, type: String, webhookURL: String?) throws -> (name: String, type: String, webhookURL: String?) {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(name.count) else { throw invalid("name", "name must be 1 to 200 characters") }
        try check(type, typePattern, "venue_type", "lower-case letters, digits and _, such as concert_hall")
        if let webhookURL {
            guard let url = URL(string: webhookURL), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false else {
                throw invalid("webhook_url", "webhook_url must be an http or https URL, such as https://venue.example/ponte")
            }
        }
        return (name, type, webhookURL)
    }

    static func check(_ value: String, _ pattern: String, _ field: String, _ rule: String) throws {
        guard value.range(of: pattern, options: .regularExpression) != nil else { throw invalid(field, "\(field) '\(value)' must be \(rule)") }
    }

    static func invalid(_ field: String, _ message: String) -> APIError {
        .badRequest("INVALID_FIELD", message, details: .object(["field": .string(field)]))
    }

    static func notFound(_ id: String) -> APIError { .notFound("VENUE_NOT_FOUND", "no venue \(id)") }
}
