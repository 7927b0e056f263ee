/// Where a ticket is, from the payment that made it to the end of its service (seed 002:
/// `PAID → PRINTING → IN_QUEUE → CALLED → IN_PROGRESS → COMPLETED`).
///
/// `PRINT_ERROR` is a waiting status like `IN_QUEUE`: the ticket keeps its place in the
/// service queue and can be called, so a jammed printer never loses a paying customer.
enum TicketStatus: String, Codable, Sendable, CaseIterable {
    case paid = "PAID"
    case printing = "PRINTING"
    case printError = "PRINT_ERROR"
    case inQueue = "IN_QUEUE"
    case called = "CALLED"
    case inProgress = "IN_PROGRESS"
    case completed = "COMPLETED"
    case noShow = "NO_SHOW"

    /// Statuses whose tickets wait to be called, in the order they were made.
    static let waiting: [TicketStatus] = [.inQueue, .printError]

    var isWaiting: Bool { Self.waiting.contains(self) }

    /// The moves an operator or the printer may make from here.
    var allowedNext: [TicketStatus] {
        switch self {
        case .paid: [.printing]
        case .printing: [.inQueue, .printError, .called]
        case .printError: [.printing, .inQueue, .called]
        case .inQueue: [.called]
        case .called: [.inProgress, .noShow, .called]
        case .inProgress: [.completed]
        case .noShow: [.called]
        case .completed: []
        }
    }
}

/// A payment session's status (seed 002): `PENDING → PAID`, or `FAILED | CANCELLED | EXPIRED`
/// without a ticket. Final statuses do not change, except that a payment arriving for a
/// session already failed, cancelled or expired is refunded (the session says so).
enum SessionStatus: String, Codable, Sendable, CaseIterable {
    case pending = "PENDING"
    case paid = "PAID"
    case failed = "FAILED"
    case cancelled = "CANCELLED"
    case expired = "EXPIRED"
}

/// How the customer pays at the kiosk.
enum KioskPaymentMethod: String, Codable, Sendable, CaseIterable {
    case pix
    case card
}
