import Foundation
import Testing

@testable import PonteCore

/// ESC/POS bytes checked by a decoder the project did not write: emupos (a POS printer
/// simulator from PyPI) through `tests/escpos/decode.py`.
@Suite struct ESCPOSDocumentTests {
    @Test func aTicketDecodesToItsTextInCP860ItsQRCodeAndACut() throws {
        var job = ESCPOSDocument(codePage: .cp860)
        job.align(.center)
        job.line("Unidade Centro")
        job.size(width: 3, height: 3)
        job.bold(true)
        job.line("A001")
        job.bold(false)
        job.size()
        job.line("Emissão de 2ª via")
        job.line("Atendimento preferencial")
        job.line("João — Pão de queijo, Açaí, feijão")
        job.qrCode("https://hub.example/t/tk_01JTICKET")
        job.cut()

        let decoded = try EmuposDecoder.decode(job.bytes)
        #expect(decoded.initialized)
        #expect(decoded.codePage == "CP860")
        let texts = decoded.lines.map(\.text)
        #expect(texts.contains("Unidade Centro"))
        #expect(texts.contains("Emissão de 2ª via"))
        #expect(texts.contains("Atendimento preferencial"))
        // The dash is not in CP860: it prints as "-" rather than as garbage.
        #expect(texts.contains("João - Pão de queijo, Açaí, feijão"))
        let number = try #require(decoded.lines.first { $0.text == "A001" })
        #expect(number.size == [3, 3])
        #expect(number.bold == true)
        #expect(decoded.lines.filter { $0.text != "A001" && !$0.text.isEmpty }.allSatisfy { $0.size == [1, 1] })
        #expect(decoded.lines.allSatisfy { $0.align == "center" || $0.text.isEmpty })
        #expect(decoded.qr == ["https://hub.example/t/tk_01JTICKET"])
        #expect(decoded.cut)
        #expect(decoded.unknown.isEmpty)
    }

    @Test func portugueseLettersAreCP860Bytes() {
        // PROVIDERS.md 13.3: "Pão de queijo, Açaí" after ESC t 3.
        #expect(PrinterCodePage.cp860.encode("Pão de queijo, Açaí") == [
            0x50, 0x84, 0x6F, 0x20, 0x64, 0x65, 0x20, 0x71, 0x75, 0x65, 0x69, 0x6A, 0x6F, 0x2C, 0x20, 0x41, 0x87, 0x61, 0xA1,
        ])
        #expect(PrinterCodePage.cp860.encode("ª º õ Ó") == [0xA6, 0x20, 0xA7, 0x20, 0x94, 0x20, 0x9F])
        #expect(PrinterCodePage.cp860.encode("😀") == [UInt8(ascii: "?")])
    }

    @Test func aPrintersStatusAnswersSayWhyItCannotPrint() {
        // The answers to DLE EOT 1, 2 and 4 (PROVIDERS.md 13.5).
        #expect(PrinterStatus(answers: [0x12, 0x12, 0x12])?.problem == nil)
        #expect(PrinterStatus(answers: [0x1A, 0x16, 0x12])?.problem == "the printer's cover is open")
        #expect(PrinterStatus(answers: [0x1A, 0x32, 0x7E])?.problem == "the printer is out of paper")
        #expect(PrinterStatus(answers: [0x1A, 0x12, 0x12])?.problem == "the printer is offline")
        let nearEnd = PrinterStatus(answers: [0x12, 0x12, 0x1E])
        #expect(nearEnd?.paperNearEnd == true && nearEnd?.problem == nil)
        #expect(PrinterStatus(answers: [0x00, 0x12, 0x12]) == nil, "not a status byte")
        #expect(PrinterStatus(answers: [0x12, 0x12]) == nil)
    }
}

/// Runs `tests/escpos/decode.py` (emupos) on bytes and reads its JSON.
enum EmuposDecoder {
    struct Line: Decodable {
        let text: String
        let size: [Int]
        let bold: Bool?
        let align: String?
    }

    struct Decoded: Decodable {
        let initialized: Bool
        let codePage: String?
        let lines: [Line]
        let qr: [String]
        let cut: Bool
        let unknown: [JSONValue]

        enum CodingKeys: String, CodingKey {
            case initialized, lines, qr, cut, unknown
            case codePage = "code_page"
        }
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The decoder's interpreter: `PONTE_ESCPOS_PYTHON`, else the one `tests/escpos/setup`
    /// installs (once; it needs a Python 3.13 to build from).
    static func python() throws -> String {
        if let configured = ProcessInfo.processInfo.environment["PONTE_ESCPOS_PYTHON"], !configured.isEmpty { return configured }
        let output = try run(repository.appendingPathComponent("tests/escpos/setup").path, [])
        guard let path = output.split(separator: "\n").last.map(String.init), !path.isEmpty else {
            throw DecoderError(message: "tests/escpos/setup printed no interpreter")
        }
        return path
    }

    static func decode(_ bytes: [UInt8]) throws -> Decoded {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("escpos-\(UUID().uuidString).bin")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let json = try run(try python(), [repository.appendingPathComponent("tests/escpos/decode.py").path, file.path])
        return try JSONDecoder().decode(Decoded.self, from: Data(json.utf8))
    }

    struct DecoderError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        // Standard error goes to a file, so a chatty process never blocks on a full pipe.
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("escpos-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let problems = (try? Data(contentsOf: errorFile)) ?? Data()
        guard process.terminationStatus == 0 else {
            throw DecoderError(message: "\(executable) exited \(process.terminationStatus): \(String(decoding: problems, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A network ticket printer on loopback: `tests/escpos/decode.py --listen` (emupos), which
/// answers `DLE EOT` status requests as a real printer does, and keeps each connection's
/// bytes decoded as `job-N.json`. Its state (`online`, `cover-open`, `paper-out`, `offline`)
/// can be changed while it runs.
final class PrinterDouble: Sendable {
    let port: Int
    let directory: URL
    private let process: Process

    private init(port: Int, directory: URL, process: Process) {
        self.port = port
        self.directory = directory
        self.process = process
    }

    /// Starts the printer; nothing here blocks a thread (tests share a small pool).
    static func start(arguments: [String] = []) async throws -> PrinterDouble {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("printer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try EmuposDecoder.python())
        process.arguments =
            [EmuposDecoder.repository.appendingPathComponent("tests/escpos/decode.py").path, "--listen", "0", "--out", directory.path, "--max-seconds", "300"]
            + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let portFile = directory.appendingPathComponent("port")
        var port: Int?
        for _ in 0..<200 where port == nil {
            port = (try? String(contentsOf: portFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if port == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        guard let port else {
            process.terminate()
            throw EmuposDecoder.DecoderError(message: "the printer double did not start listening within 10 s")
        }
        return PrinterDouble(port: port, directory: directory, process: process)
    }

    /// The printer's state from now on (`online`, `cover-open`, `paper-out`, `offline`, `silent`).
    func setStatus(_ state: String) throws {
        try Data(state.utf8).write(to: directory.appendingPathComponent("status"))
    }

    /// The print jobs received so far (connections that carried a receipt, not only status
    /// requests), in order.
    func jobs() throws -> [EmuposDecoder.Decoded] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix("job-") && $0.hasSuffix(".json") }
            .sorted { Int($0.dropFirst(4).dropLast(5)) ?? 0 < Int($1.dropFirst(4).dropLast(5)) ?? 0 }
        return try names.map { name in
            try JSONDecoder().decode(EmuposDecoder.Decoded.self, from: Data(contentsOf: directory.appendingPathComponent(name)))
        }.filter { !$0.lines.isEmpty || !$0.qr.isEmpty }
    }

    /// Waits (up to 5 s) until `count` jobs are in.
    func waitForJobs(_ count: Int) async throws -> [EmuposDecoder.Decoded] {
        for _ in 0..<100 {
            let jobs = try jobs()
            if jobs.count >= count { return jobs }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try jobs()
    }

    /// Kills the printer, without waiting for it.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        try? FileManager.default.removeItem(at: directory)
    }
}
