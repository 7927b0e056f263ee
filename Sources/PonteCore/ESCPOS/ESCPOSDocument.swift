/// The bytes of one ESC/POS print job, built command by command (PROVIDERS.md 13.2–13.4).
///
///     var job = ESCPOSDocument(codePage: .cp860)   // ESC @, ESC t 3
///     job.align(.center)
///     job.size(width: 3, height: 3)
///     job.line("A001")
///     job.qrCode("https://hub.example/t/tk_1")
///     job.cut()
///     socket.write(job.bytes)
public struct ESCPOSDocument: Sendable {
    public enum Alignment: UInt8, Sendable {
        case left = 0
        case center = 1
        case right = 2
    }

    /// QR error correction: L 7 %, M 15 %, Q 25 %, H 30 % of the symbol may be lost.
    public enum QRErrorCorrection: UInt8, Sendable {
        case low = 0x30
        case medium = 0x31
        case quartile = 0x32
        case high = 0x33
    }

    public private(set) var bytes: [UInt8] = []
    public let codePage: PrinterCodePage

    /// Starts with `ESC @` (every mode back to its power-on value) and `ESC t` for `codePage`.
    public init(codePage: PrinterCodePage = .cp860) {
        self.codePage = codePage
        bytes += [0x1B, 0x40, 0x1B, 0x74, codePage.escTNumber]
    }

    /// `ESC a n`; takes effect at the start of a line, and places QR codes too.
    public mutating func align(_ alignment: Alignment) {
        bytes += [0x1B, 0x61, alignment.rawValue]
    }

    /// `GS ! n`: each of `width` and `height` from 1 to 8 times the normal size.
    public mutating func size(width: Int = 1, height: Int = 1) {
        let w = UInt8(min(max(width, 1), 8) - 1)
        let h = UInt8(min(max(height, 1), 8) - 1)
        bytes += [0x1D, 0x21, (w << 4) | h]
    }

    /// `ESC E n`.
    public mutating func bold(_ on: Bool) {
        bytes += [0x1B, 0x45, on ? 1 : 0]
    }

    /// `text` in the document's code page, then `LF`. Line breaks inside it become spaces, so
    /// one call is one printed line (the printer still wraps one that is too long).
    public mutating func line(_ text: String = "") {
        let flat = text.map { $0.isNewline ? " " : $0 }
        bytes += codePage.encode(String(flat))
        bytes.append(0x0A)
    }

    /// `ESC d n`: prints and feeds `lines` lines.
    public mutating func feed(_ lines: Int) {
        bytes += [0x1B, 0x64, UInt8(min(max(lines, 0), 255))]
    }

    /// A native QR code (`GS ( k`, model 2): functions 165, 167, 169, 180 and 181, as
    /// python-escpos sends them. `data` is sent as its UTF-8 bytes, so keep it ASCII (a URL or
    /// an id); at most 7,089 bytes.
    public mutating func qrCode(_ data: String, moduleSize: Int = 6, errorCorrection: QRErrorCorrection = .medium) {
        let payload = Array(data.utf8.prefix(7089))
        bytes += [0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00]  // 165: model 2
        bytes += [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, UInt8(min(max(moduleSize, 1), 16))]  // 167: module size
        bytes += [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, errorCorrection.rawValue]  // 169: error correction
        let length = payload.count + 3
        bytes += [0x1D, 0x28, 0x6B, UInt8(length & 0xFF), UInt8(length >> 8), 0x31, 0x50, 0x30] + payload  // 180: store
        bytes += [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]  // 181: print
    }

    /// Feeds the last lines past the blade (`ESC d 6`), then a full cut (`GS V 0`).
    public mutating func cut() {
        feed(6)
        bytes += [0x1D, 0x56, 0x00]
    }
}

/// What a printer says of itself, from its `DLE EOT` answers (PROVIDERS.md 13.5).
public struct PrinterStatus: Sendable, Equatable {
    /// `DLE EOT 1` (printer), `2` (offline cause) and `4` (roll paper sensor).
    public static let requests: [[UInt8]] = [[0x10, 0x04, 0x01], [0x10, 0x04, 0x02], [0x10, 0x04, 0x04]]

    public var offline = false
    public var coverOpen = false
    public var paperOut = false
    public var paperNearEnd = false

    public init(offline: Bool = false, coverOpen: Bool = false, paperOut: Bool = false, paperNearEnd: Bool = false) {
        self.offline = offline
        self.coverOpen = coverOpen
        self.paperOut = paperOut
        self.paperNearEnd = paperNearEnd
    }

    /// Reads the answers to `requests`, in order; nil when one is not a status byte (bits 1
    /// and 4 are always on, bits 0 and 7 always off).
    public init?(answers: [UInt8]) {
        guard answers.count == Self.requests.count, answers.allSatisfy({ $0 & 0x93 == 0x12 }) else { return nil }
        offline = answers[0] & 0x08 != 0
        coverOpen = answers[1] & 0x04 != 0
        paperOut = answers[1] & 0x20 != 0 || answers[2] & 0x60 == 0x60
        paperNearEnd = answers[2] & 0x0C == 0x0C
    }

    /// Why nothing would print, or nil when it can print. A printer near the end of its paper
    /// still prints.
    public var problem: String? {
        if coverOpen { return "the printer's cover is open" }
        if paperOut { return "the printer is out of paper" }
        if offline { return "the printer is offline" }
        return nil
    }
}
