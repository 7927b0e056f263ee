import Foundation
import Logging
import PonteCore
import PonteJobs
import PonteKit
import PonteStore

/// A ticket's print job: one per print asked for (the first, and each reprint).
struct PrintRequest: Codable, Sendable, Equatable {
    let ticketID: String
    /// 0 for the first print, then the reprint's number.
    let request: Int
    let reprint: Bool

    enum CodingKeys: String, CodingKey {
        case ticketID = "ticket_id"
        case request, reprint
    }
}

/// Prints tickets. Each attempt is recorded before the bytes leave (`sending`), so one cut
/// short by a crash shows as `interrupted` and is printed again rather than lost; a failure
/// marks the ticket `PRINT_ERROR` with the printer's reason and retries after 1, 2, 4, 8, 16,
/// then every 30 seconds, for about half an hour; then the job is dead-lettered and the
/// ticket waits for a reprint.
struct TicketPrinting: Sendable {
    static let queue = "kiosk"
    static let job = JobKind<PrintRequest>("kiosk.ticket.print", queue: queue, priority: .high, maxAttempts: 60)

    static func jobKey(_ ticketID: String, request: Int) -> String { "kiosk:print:\(ticketID):\(request)" }

    let context: ModuleContext

    func run(_ request: PrintRequest, job: JobContext) async throws {
        let started = try await context.transaction { unit -> (ticket: Ticket, location: Location, attempt: Int)? in
            guard let ticket = try await KioskStorage.lockTicket(request.ticketID, in: unit),
                let location = try await KioskStorage.location(ticket.locationID, in: unit)
            else { return nil }
            var flow = TicketFlow(unit: unit, ticket: ticket)
            let attempt = flow.startAttempt(reprint: request.reprint)
            try await flow.save()
            return (flow.ticket, location, attempt)
        }
        guard let (ticket, location, attempt) = started else { return }
        let slip = TicketLayout.slip(ticket, location: location)
        let bytes = TicketLayout.escpos(slip, codePage: location.printer.resolvedCodePage)
        let report: PrintReport
        do {
            report = try await PrinterConnection.send(bytes, to: location.printer)
        } catch {
            let reason = "\(error)"
            job.logger.warning(
                "ticket \(ticket.ticketNumber) did not print", metadata: ["ticket_id": "\(ticket.id)", "location_id": "\(location.id)", "error": "\(reason)"])
            job.onFailure { unit, failure in
                guard let ticket = try await KioskStorage.lockTicket(request.ticketID, in: unit) else { return }
                var flow = TicketFlow(unit: unit, ticket: ticket)
                let shown = failure.final ? "\(reason) (gave up after \(failure.attempt) attempts; reprint the ticket to try again)" : reason
                try await flow.printFailed(attempt: attempt, error: shown)
                try await flow.save()
            }
            throw JobFailure.retry(reason: reason, after: Self.retryDelay(afterAttempts: job.job.attempt))
        }
        job.onSuccess { unit in
            guard let ticket = try await KioskStorage.lockTicket(request.ticketID, in: unit) else { return }
            var flow = TicketFlow(unit: unit, ticket: ticket)
            try await flow.printed(attempt: attempt, report: report)
            try await flow.save()
        }
    }

    /// 1, 2, 4, 8, 16, then 30 seconds: a printer back on should print within seconds.
    static func retryDelay(afterAttempts attempts: Int) -> Duration {
        .seconds(min(30, 1 << min(max(attempts - 1, 0), 5)))
    }
}
