import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PonteCore
import PonteJobs
import PonteKit
import PonteStore

/// Tickets and the service queue: list and read them (with their history and print
/// attempts), reprint, call the next one to a desk, and move a called one on; and each
/// location's stream, which carries every ticket change.
struct TicketsAPI: Sendable {
    let context: ModuleContext

    func addRoutes(to routes: inout APIRoutes) {
        let tags = ["Kiosk"]
        let statuses = TicketStatus.allCases.flatMap { [$0.rawValue, $0.rawValue.lowercased()] }
        routes.get(
            "tickets",
            APIOperation("listTickets", "Tickets, newest first", tags: tags).paged()
                .query("location_id", .string(), "Only this location's")
                .query("status", .oneOf(statuses), "Only tickets in this status (either case: in_queue)")
                .response(200, JSONSchema.page(of: "Ticket"), "A page of tickets")
                .errors(400, "INVALID_QUERY"),
            access: .authenticated, list)
        routes.get(
            "tickets/{ticket_id}",
            APIOperation("getTicket", "A ticket, with its history and print attempts", tags: tags)
                .response(200, .ref("Ticket"), "The ticket").errors(404, "TICKET_NOT_FOUND"),
            access: .authenticated, get)
        routes.get(
            "tickets/{ticket_id}/slip",
            APIOperation("getTicketSlip", "The ticket's printed slip as text (what the ESC/POS job prints)", tags: tags)
                .response(200, .string("The slip, 32 columns"), "The slip", contentType: "text/plain")
                .errors(404, "TICKET_NOT_FOUND"),
            access: .authenticated, slip)
        routes.post(
            "tickets/{ticket_id}/reprint",
            APIOperation(
                "reprintTicket", "Print the ticket again",
                description: "Counted as a reprint. A print still waiting to retry is replaced by this one. A PRINT_ERROR ticket shows PRINTING until it prints.",
                tags: tags
            )
            .response(202, .ref("Ticket"), "The print is queued").errors(404, "TICKET_NOT_FOUND"),
            access: .authenticated, reprint)
        routes.post(
            "kiosk/locations/{location_id}/queue/call-next",
            APIOperation(
                "callNextTicket", "Call the ticket waiting longest to a desk",
                description: "IN_QUEUE and PRINT_ERROR tickets wait, oldest first. Two desks calling at once never get the same ticket.",
                tags: tags
            )
            .body(.object(["desk": .string("Such as Guichê 1", minLength: 1, maxLength: 60)]))
            .response(
                200, .object(["ticket": JSONSchema.ref("Ticket").nullable, "waiting": .integer("Still waiting after this call", minimum: 0)]),
                "The ticket called, or null when nobody waits")
            .errors(400, "INVALID_JSON", "INVALID_FIELD").errors(404, "LOCATION_NOT_FOUND"),
            access: .authenticated, callNext)
        let moves: [(String, String, String, TicketStatus)] = [
            ("start", "startTicket", "Start serving a called ticket (IN_PROGRESS)", .inProgress),
            ("complete", "completeTicket", "Finish a ticket's service (COMPLETED)", .completed),
            ("no-show", "noShowTicket", "The called customer did not come (NO_SHOW)", .noShow),
        ]
        for (path, id, summary, status) in moves {
            routes.post(
                "tickets/{ticket_id}/\(path)",
                APIOperation(id, summary, tags: tags)
                    .response(200, .ref("Ticket"), "The ticket").errors(404, "TICKET_NOT_FOUND").errors(409, "INVALID_STATUS_TRANSITION"),
                access: .authenticated
            ) { request, context in
                try await self.move(context, to: status, desk: nil)
            }
        }
        routes.post(
            "tickets/{ticket_id}/recall",
            APIOperation(
                "recallTicket", "Call a ticket again (a CALLED one, or a NO_SHOW who came back)",
                description: "The body may name another desk; without one the ticket is called to the same desk.", tags: tags
            )
            .body(.object(["desk": JSONSchema.string(minLength: 1, maxLength: 60).optional]), required: false)
            .response(200, .ref("Ticket"), "The ticket")
            .errors(400, "INVALID_JSON", "INVALID_FIELD").errors(404, "TICKET_NOT_FOUND").errors(409, "INVALID_STATUS_TRANSITION"),
            access: .authenticated, recall)
        let endpoint = context.streamEndpoint
        routes.get(
            "kiosk/locations/{location_id}/events",
            StreamEndpoint.operation("readKioskLocationEvents", "The location's stream: TICKET_CREATED and every TICKET_STATUS_CHANGED")
                .tagged("Kiosk")
                .errors(404, "LOCATION_NOT_FOUND"),
            access: .authenticated
        ) { request, context in
            try KioskAccess.check(context)
            let location = try await LocationsAPI.location(context, on: self.context.database)
            return try await endpoint.respond(to: request, context: context, stream: location.streamName)
        }
    }

    @Sendable func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try KioskAccess.check(context)
        let query = ListParameters(request)
        var status: TicketStatus?
        if let text = query.text("status") {
            guard let parsed = TicketStatus(rawValue: text.uppercased()) else {
                throw APIError.invalidQuery("status", "status must be one of \(TicketStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = parsed
        }
        let locationID = query.text("location_id")
        let limit = try query.limit()
        let cursor = try query.cursor(ids: KioskStorage.ticketIDs)
        let page = try await ListParameters.page(size: limit, id: \Ticket.id, item: { $0 }) { [status] limit in
            try await KioskStorage.tickets(locationID: locationID, status: status, after: cursor, limit: limit, on: self.context.database)
        }
        return try .json(encoding: page)
    }

    @Sendable func get(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try KioskAccess.check(context)
        let id = try context.parameters.require("ticket_id")
        guard let ticket = try await KioskStorage.ticket(id, on: self.context.database) else { throw Self.ticketNotFound(id) }
        return try .json(encoding: ticket)
    }

    @Sendable func slip(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try KioskAccess.check(context)
        let id = try context.parameters.require("ticket_id")
        guard let ticket = try await KioskStorage.ticket(id, on: self.context.database),
            let location = try await KioskStorage.location(ticket.locationID, on: self.context.database)
        else { throw Self.ticketNotFound(id) }
        let text = TicketLayout.text(TicketLayout.slip(ticket, location: location)) + "\n"
        return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func ticketNotFound(_ id: String) -> APIError { .notFound("TICKET_NOT_FOUND", "there is no ticket '\(id)'") }

    @Sendable func reprint(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try KioskAccess.check(context)
        let id = try context.parameters.require("ticket_id")
        let ticket = try await self.context.transaction { unit -> Ticket in
            guard let ticket = try await KioskStorage.lockTicket(id, in: unit) else { throw Self.ticketNotFound(id) }
            var flow = TicketFlow(unit: unit, ticket: ticket)
            try await flow.print(reprint: true)
            try await flow.save()
            return flow.ticket
        }
        return try .json(encoding: ticket, status: .accepted)
    }

    struct DeskRequest: Decodable {
        let desk: String?
    }

    struct CallAnswer: Encodable {
        let ticket: Ticket?
        let waiting: Int

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(ticket, forKey: .ticket)  // null when nobody waits
            try container.encode(waiting, forKey: .waiting)
        }

        enum CodingKeys: String, CodingKey {
            case ticket, waiting
        }
    }

    static func desk(_ text: String?) throws -> String? {
        guard let text else { return nil }
        let desk = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...60).contains(desk.count) else {
            throw APIError.badRequest("INVALID_FIELD", "desk must be 1 to 60 characters, such as Guichê 1", details: .object(["field": "desk"]))
        }
        return desk
    }

    @Sendable func callNext(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try KioskAccess.check(context)
        let locationID = try context.parameters.require("location_id")
        let input = try await request.decodeJSON(DeskRequest.self, expected: #"{"desk": "Guichê 1"}"#)
        guard let desk = try Self.desk(input.desk) else {
            throw APIError.badRequest("INVALID_FIELD", "desk is required, such as Guichê 1", details: .object(["field": "desk"]))
        }
        let answer = try await self.context.transaction { unit -> CallAnswer in
            // The location's lock makes desks calling at once take turns.
            guard try await KioskStorage.location(locationID, lock: true, in: unit) != nil else { throw LocationsAPI.locationNotFound(locationID) }
            guard let next = try await KioskStorage.lockNextWaiting(locationID: locationID, in: unit) else {
                return CallAnswer(ticket: nil, waiting: 0)
            }
            var flow = TicketFlow(unit: unit, ticket: next)
            try await flow.change(to: .called, desk: desk, notes: "called to \(desk)")
            try await flow.save()
            return CallAnswer(ticket: flow.ticket, waiting: try await KioskStorage.waitingCount(locationID: locationID, in: unit))
        }
        return try .json(encoding: answer)
    }

    @Sendable func recall(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try KioskAccess.check(context)
        let body = try await request.body.collect(upTo: 16 * 1024)
        let desk = body.readableBytes == 0 ? nil : try Self.desk(try APIJSON.decodeBody(DeskRequest.self, from: body, expected: #"{"desk": "Guichê 2"}"#).desk)
        return try await move(context, to: .called, desk: desk)
    }

    private func move(_ context: APIRequestContext, to status: TicketStatus, desk: String?) async throws -> Response {
        try KioskAccess.check(context)
        let id = try context.parameters.require("ticket_id")
        let ticket = try await self.context.transaction { unit -> Ticket in
            guard let ticket = try await KioskStorage.lockTicket(id, in: unit) else { throw Self.ticketNotFound(id) }
            // A recall is a call again: only from CALLED or NO_SHOW, not the queue's first call.
            if status == .called, ticket.status != .called, ticket.status != .noShow {
                throw TicketFlow.invalidTransition(from: ticket.status, to: status)
            }
            var flow = TicketFlow(unit: unit, ticket: ticket)
            let notes: String? =
                switch status {
                case .called: "called again to \(desk ?? ticket.desk ?? "the desk")"
                case .inProgress: "service started"
                case .completed: "service completed"
                case .noShow: "the customer did not come"
                default: nil
                }
            try await flow.change(to: status, desk: desk, notes: notes)
            try await flow.save()
            return flow.ticket
        }
        return try .json(encoding: ticket)
    }
}
