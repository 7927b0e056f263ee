/// A paid customer's place in a location's service queue, and its printed slip.
struct Ticket: Codable, Sendable {
    let id: String
    let locationID: String
    let sessionID: String
    let serviceID: String
    let serviceName: String
    /// `A001`: the prefix and the day's sequence.
    let ticketNumber: String
    let ticketPrefix: String
    /// The location's local day the number belongs to (`YYYY-MM-DD`).
    let serviceDay: String
    let sequence: Int
    let customerFirstName: String
    var status: TicketStatus
    var desk: String?
    var calledAt: String?
    var recalls: Int
    var printError: String?
    /// Successful prints, the first and any reprints.
    var prints: Int
    /// Prints asked for by an operator.
    var reprints: Int
    var history: [TicketStatusChange]
    var printAttempts: [PrintAttempt]
    var createdAt: String
    var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, status, desk, recalls, prints, reprints, history, sequence
        case locationID = "location_id"
        case sessionID = "session_id"
        case serviceID = "service_id"
        case serviceName = "service_name"
        case ticketNumber = "ticket_number"
        case ticketPrefix = "ticket_prefix"
        case serviceDay = "service_day"
        case customerFirstName = "customer_first_name"
        case calledAt = "called_at"
        case printError = "print_error"
        case printAttempts = "print_attempts"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    var summary: TicketSummary { TicketSummary(id: id, ticketNumber: ticketNumber, status: status) }

    /// `A` and 7 → `A007`; past 999, as many digits as it takes.
    static func number(prefix: String, sequence: Int) -> String {
        let digits = String(sequence)
        return prefix + String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }
}

struct TicketStatusChange: Codable, Sendable {
    let status: TicketStatus
    let at: String
    let desk: String?
    let notes: String?
}

/// One try at printing a ticket. An attempt is written as `sending` before the bytes leave,
/// so one that never got its outcome (the process died while printing) is found and shown as
/// `interrupted` — it may or may not have printed.
struct PrintAttempt: Codable, Sendable {
    enum Outcome: String, Codable, Sendable {
        case sending
        case printed
        case failed
        case interrupted
    }

    let number: Int
    let reprint: Bool
    let startedAt: String
    var finishedAt: String?
    var outcome: Outcome
    var error: String?
    /// What the printer said of itself before and after (`DLE EOT`), when it answers.
    var printerStatus: String?
    var bytes: Int?

    enum CodingKeys: String, CodingKey {
        case number, reprint, outcome, error, bytes
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case printerStatus = "printer_status"
    }
}
