import Foundation
import PonteCore
import PonteKit

/// What a ticket's slip says, as ESC/POS bytes for the printer and as plain text for a
/// screen: the location, the number large, the service, the customer's first name, the local
/// date and time, a QR code of the ticket's id, and a cut.
enum TicketLayout {
    struct Slip {
        var location: String
        var number: String
        var service: String
        var customer: String
        var issued: String
        var qr: String
    }

    static func slip(_ ticket: Ticket, location: Location) -> Slip {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: location.timeZone) ?? .gmt
        let created = KioskStorage.microseconds(ticket.createdAt).map(KioskStorage.date) ?? Date()
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: created)
        let issued = String(
            format: "%02d/%02d/%04d %02d:%02d", parts.day ?? 1, parts.month ?? 1, parts.year ?? 1970, parts.hour ?? 0, parts.minute ?? 0)
        return Slip(
            location: location.name, number: ticket.ticketNumber, service: ticket.serviceName, customer: ticket.customerFirstName,
            issued: issued, qr: ticket.id)
    }

    /// The print job.
    static func escpos(_ slip: Slip, codePage: PrinterCodePage) -> [UInt8] {
        var job = ESCPOSDocument(codePage: codePage)
        job.align(.center)
        job.bold(true)
        job.line(slip.location)
        job.bold(false)
        job.feed(1)
        job.line("SENHA")
        job.size(width: 4, height: 4)
        job.line(slip.number)
        job.size()
        job.feed(1)
        job.bold(true)
        job.line(slip.service)
        job.bold(false)
        job.line(slip.customer)
        job.line(slip.issued)
        job.feed(1)
        job.qrCode(slip.qr)
        job.line("Aguarde ser chamado no painel")
        job.cut()
        return job.bytes
    }

    /// The same slip as text, 32 columns wide like a 58 mm roll.
    static func text(_ slip: Slip) -> String {
        let width = 32
        func centered(_ text: String) -> String {
            let pad = max(0, (width - text.count) / 2)
            return String(repeating: " ", count: pad) + text
        }
        let rule = String(repeating: "-", count: width)
        return [
            rule, centered(slip.location), "", centered("SENHA"), centered(slip.number.map { String($0) }.joined(separator: " ")), "",
            centered(slip.service), centered(slip.customer), centered(slip.issued), "", centered("[QR: \(slip.qr)]"),
            centered("Aguarde ser chamado no painel"), rule,
        ].joined(separator: "\n")
    }
}
