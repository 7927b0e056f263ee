import PonteCore
import PonteKit

/// A kiosk site: its name, its time zone (ticket numbers restart each local day) and its
/// ticket printer.
struct Location: Codable, Sendable {
    let id: String
    var name: String
    var timeZone: String
    var printer: Printer
    var createdAt: String
    var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, name, printer
        case timeZone = "time_zone"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    var streamName: String { Self.streamName(id) }
    static func streamName(_ id: String) -> String { "kiosk:\(id)" }
    /// What the location's display panel shows: ticket numbers and desks, nothing personal.
    static func displayStreamName(_ id: String) -> String { "kiosk-display:\(id)" }
}

/// Where a location's tickets are printed: a network printer on raw TCP (port 9100), a file
/// the bytes are appended to, or the hub's standard output.
struct Printer: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable, CaseIterable {
        case tcp
        case file
        case stdout
    }

    var type: Kind
    var host: String?
    var port: Int?
    var connectTimeoutMs: Int?
    var writeTimeoutMs: Int?
    var path: String?
    var codePage: PrinterCodePage?

    enum CodingKeys: String, CodingKey {
        case type, host, port, path
        case connectTimeoutMs = "connect_timeout_ms"
        case writeTimeoutMs = "write_timeout_ms"
        case codePage = "code_page"
    }

    static let defaultConnectTimeoutMs = 2000
    static let defaultWriteTimeoutMs = 5000
    static let standardOutput = Printer(type: .stdout, codePage: .cp860)

    init(
        type: Kind, host: String? = nil, port: Int? = nil, connectTimeoutMs: Int? = nil, writeTimeoutMs: Int? = nil,
        path: String? = nil, codePage: PrinterCodePage? = nil
    ) {
        self.type = type
        self.host = host
        self.port = port
        self.connectTimeoutMs = connectTimeoutMs
        self.writeTimeoutMs = writeTimeoutMs
        self.path = path
        self.codePage = codePage
    }

    /// The printer with its defaults filled in, or why it cannot be used.
    func validated() throws -> Printer {
        var printer = self
        let codePage = codePage ?? .cp860
        printer.codePage = codePage
        switch type {
        case .tcp:
            guard let host, !host.isEmpty, host.count <= 253 else { throw Self.invalid("a tcp printer needs its host") }
            let port = self.port ?? 9100
            guard (1...65535).contains(port) else {
                throw Self.invalid("port must be from 1 to 65535")
            }
            printer.port = port
            let connect = connectTimeoutMs ?? Self.defaultConnectTimeoutMs
            let write = writeTimeoutMs ?? Self.defaultWriteTimeoutMs
            guard (50...60_000).contains(connect), (50...60_000).contains(write) else {
                throw Self.invalid("connect_timeout_ms and write_timeout_ms must be from 50 to 60000")
            }
            printer.connectTimeoutMs = connect
            printer.writeTimeoutMs = write
            printer.path = nil
        case .file:
            guard let path, path.hasPrefix("/"), !path.contains("\0") else {
                throw Self.invalid("a file printer needs an absolute path")
            }
            printer.host = nil
            printer.port = nil
            printer.connectTimeoutMs = nil
            printer.writeTimeoutMs = nil
        case .stdout:
            printer = Printer(type: .stdout, codePage: codePage)
        }
        return printer
    }

    static func invalid(_ message: String) -> APIError {
        APIError.badRequest("INVALID_PRINTER", message, details: .object(["field": "printer"]))
    }

    var resolvedCodePage: PrinterCodePage { codePage ?? .cp860 }
}

/// A service the kiosk sells: its price and the prefix of its tickets (`A` → `A001`).
struct KioskService: Codable, Sendable {
    let id: String
    let locationID: String
    var name: String
    var price: Int
    var ticketPrefix: String
    var active: Bool
    var createdAt: String
    var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, name, price, active
        case locationID = "location_id"
        case ticketPrefix = "ticket_prefix"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}
