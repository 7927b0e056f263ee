import Foundation
import PonteCore
import PonteJobs
import PonteKit

/// One ticket changing inside a unit of work: its status and everything that goes with a
/// change, committed together — the history, the event on the location's stream (and on its
/// display's, for a call), the print job.
struct TicketFlow {
    let unit: UnitOfWork
    private(set) var ticket: Ticket

    init(unit: UnitOfWork, ticket: Ticket) {
        self.unit = unit
        self.ticket = ticket
    }

    private var now: String { KioskStorage.timestamp(unit.now) }

    func save() async throws {
        try await KioskStorage.updateTicket(ticket, in: unit)
    }

    // MARK: Making the ticket

    /// The ticket of a session just paid: the next number of its prefix on the location's
    /// local day, `PAID`, its print job, then `PRINTING`. The caller has the session locked and
    /// knows it has no ticket; the location is locked here, so two payments never take one
    /// number.
    static func make(for session: PaymentSession, in unit: UnitOfWork) async throws -> Ticket {
        guard let location = try await KioskStorage.location(session.locationID, lock: true, in: unit) else {
            throw TicketNotMade("location \(session.locationID) no longer exists")
        }
        let day = Self.localDay(unit.now, timeZone: location.timeZone)
        let sequence = try await KioskStorage.lastSequence(locationID: location.id, day: day, prefix: session.ticketPrefix, in: unit) + 1
        let at = KioskStorage.timestamp(unit.now)
        let ticket = Ticket(
            id: KioskStorage.ticketIDs.next(at: KioskStorage.date(unit.now)), locationID: location.id, sessionID: session.id,
            serviceID: session.serviceID, serviceName: session.serviceName,
            ticketNumber: Ticket.number(prefix: session.ticketPrefix, sequence: sequence), ticketPrefix: session.ticketPrefix,
            serviceDay: day, sequence: sequence, customerFirstName: session.customerFirstName, status: .paid, desk: nil, calledAt: nil,
            recalls: 0, printError: nil, prints: 0, reprints: 0,
            history: [TicketStatusChange(status: .paid, at: at, desk: nil, notes: "payment \(session.transactionID ?? session.id) confirmed")],
            printAttempts: [], createdAt: at, updatedAt: at)
        try await KioskStorage.insertTicket(ticket, in: unit)
        try await unit.append(to: location.streamName, type: "TICKET_CREATED", data: TicketEvent(ticket: ticket, from: nil))
        var flow = TicketFlow(unit: unit, ticket: ticket)
        try await flow.print(reprint: false)
        try await flow.save()
        return flow.ticket
    }

    /// `YYYY-MM-DD` of `microseconds` in `timeZone`.
    static func localDay(_ microseconds: Int64, timeZone: String) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timeZone) ?? .gmt
        let day = calendar.dateComponents([.year, .month, .day], from: KioskStorage.date(microseconds))
        return String(format: "%04d-%02d-%02d", day.year ?? 1970, day.month ?? 1, day.day ?? 1)
    }

    // MARK: Status

    /// Moves the ticket to `status`; a move the state machine does not allow throws
    /// `409 INVALID_STATUS_TRANSITION` naming the allowed ones.
    mutating func change(to status: TicketStatus, desk: String? = nil, notes: String? = nil) async throws {
        let from = ticket.status
        guard from.allowedNext.contains(status) else { throw Self.invalidTransition(from: from, to: status) }
        ticket.status = status
        ticket.updatedAt = now
        if status == .called {
            if from == .called { ticket.recalls += 1 }
            ticket.desk = desk ?? ticket.desk
            ticket.calledAt = now
        }
        ticket.history.append(TicketStatusChange(status: status, at: now, desk: status == .called ? ticket.desk : nil, notes: notes))
        try await unit.append(to: Location.streamName(ticket.locationID), type: "TICKET_STATUS_CHANGED", data: TicketEvent(ticket: ticket, from: from))
        if status == .called {
            try await unit.append(
                to: Location.displayStreamName(ticket.locationID), type: "TICKET_CALLED",
                data: DisplayCall(ticketNumber: ticket.ticketNumber, desk: ticket.desk ?? "", at: now, recall: from == .called))
        }
    }

    static func invalidTransition(from: TicketStatus, to: TicketStatus) -> APIError {
        let allowed = from.allowedNext.map(\.rawValue)
        return APIError.conflict(
            "INVALID_STATUS_TRANSITION",
            "a \(from.rawValue) ticket cannot become \(to.rawValue)"
                + (allowed.isEmpty ? "; it is final" : "; it can become \(allowed.joined(separator: ", "))"),
            details: .object([
                "from": .string(from.rawValue), "to": .string(to.rawValue), "allowed": .array(allowed.map(JSONValue.string)),
            ]))
    }

    // MARK: Printing

    /// Asks for the ticket to be printed (again, with `reprint`): a print job, unique per
    /// request, replacing a print still waiting to retry. A ticket not yet in the queue shows
    /// `PRINTING` meanwhile.
    mutating func print(reprint: Bool) async throws {
        let previous = TicketPrinting.jobKey(ticket.id, request: ticket.reprints)
        if reprint {
            _ = try await unit.cancelPendingJobs(uniqueKeys: [previous])
            ticket.reprints += 1
            ticket.updatedAt = now
        }
        let request = PrintRequest(ticketID: ticket.id, request: ticket.reprints, reprint: reprint)
        try await unit.enqueue(TicketPrinting.job, request, uniqueKey: TicketPrinting.jobKey(ticket.id, request: ticket.reprints))
        if ticket.status == .paid || ticket.status == .printError {
            try await change(to: .printing, notes: reprint ? "reprint requested" : "sent to the printer")
        }
    }

    /// Starts a print attempt; an earlier attempt left `sending` (the process died while
    /// printing) is marked interrupted: it may or may not have printed.
    mutating func startAttempt(reprint: Bool) -> Int {
        for index in ticket.printAttempts.indices where ticket.printAttempts[index].outcome == .sending {
            ticket.printAttempts[index].outcome = .interrupted
            ticket.printAttempts[index].finishedAt = now
            ticket.printAttempts[index].error = "the hub stopped during this attempt; the ticket may or may not have printed, so it is printed again"
        }
        let number = ticket.printAttempts.count + 1
        ticket.printAttempts.append(PrintAttempt(number: number, reprint: reprint, startedAt: now, outcome: .sending))
        ticket.updatedAt = now
        return number
    }

    /// The attempt printed: a ticket still waiting for its slip joins the queue.
    mutating func printed(attempt number: Int, report: PrintReport) async throws {
        if let index = ticket.printAttempts.firstIndex(where: { $0.number == number }) {
            ticket.printAttempts[index].outcome = .printed
            ticket.printAttempts[index].finishedAt = now
            ticket.printAttempts[index].printerStatus = report.printerStatus
            ticket.printAttempts[index].bytes = report.bytes
        }
        ticket.prints += 1
        ticket.printError = nil
        ticket.updatedAt = now
        if ticket.status == .printing || ticket.status == .printError {
            try await change(to: .inQueue, notes: "printed")
        }
    }

    /// The attempt failed: the ticket shows why, keeps its place in the queue (`PRINT_ERROR`
    /// waits like `IN_QUEUE`), and the job tries again.
    mutating func printFailed(attempt number: Int, error: String) async throws {
        if let index = ticket.printAttempts.firstIndex(where: { $0.number == number }) {
            ticket.printAttempts[index].outcome = .failed
            ticket.printAttempts[index].finishedAt = now
            ticket.printAttempts[index].error = error
        }
        ticket.printError = error
        ticket.updatedAt = now
        if ticket.status == .printing {
            try await change(to: .printError, notes: error)
        }
    }
}

struct TicketNotMade: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `TICKET_CREATED` and `TICKET_STATUS_CHANGED` on the location's stream.
struct TicketEvent: Encodable {
    let ticket: Ticket
    let from: TicketStatus?
}

/// `TICKET_CALLED` on the display's stream: what the panel shows, nothing personal.
struct DisplayCall: Codable {
    let ticketNumber: String
    let desk: String
    let at: String
    let recall: Bool

    enum CodingKeys: String, CodingKey {
        case desk, at, recall
        case ticketNumber = "ticket_number"
    }
}
