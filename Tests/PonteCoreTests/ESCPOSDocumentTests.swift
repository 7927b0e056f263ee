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

    private static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        // Standard error goes to a file, so a chatty process never blocks on a full pipe.
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("escpos-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: errorFile.path, contents: nil)
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
