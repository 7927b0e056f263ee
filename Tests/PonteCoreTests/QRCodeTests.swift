import Foundation
import Testing

@testable import PonteCore

/// The symbol as `#`/`.` rows joined with newlines, the form of `QRCodeFixtures`.
private func rendered(_ qr: QRCode) -> String {
    (0..<qr.size).map { y in
        String((0..<qr.size).map { x in qr.isDark(x: x, y: y) ? "#" : "." })
    }.joined(separator: "\n")
}

/// Hexadecimal fixture rows expanded to `#`/`.` rows of `size` modules.
private func expandHexRows(_ hexRows: String, size: Int) -> String {
    hexRows.split(separator: "\n").map { row in
        let bits = row.flatMap { digit -> [Character] in
            let value = Int(String(digit), radix: 16) ?? 0
            return (0..<4).map { value >> (3 - $0) & 1 == 1 ? "#" : "." }
        }
        return String(bits.prefix(size))
    }.joined(separator: "\n")
}

/// Deterministic filler bytes for large symbols: (7·i + 3) mod 256.
private func fillerBytes(_ count: Int) -> [UInt8] {
    (0..<count).map { UInt8((7 * $0 + 3) % 256) }
}

/// `QRCode`: byte-mode QR Code Model 2 symbols, compared module by module with the Python
/// `qrcode` package (see `QRCodeFixtures`).
@Suite struct QRCodeTests {
    static let webhookJSON =
        #"{"id":"wh_01JD3N9V6J8Q4Z0M2T5XK7H1RW","type":"charge.paid","provider":"pix","amount_cents":1050,"#
        + #""currency":"BRL","txid":"PEDIDO42","payer":{"name":"Fulano de Tal","city":"BRASILIA"},"#
        + #""received_at":"2025-01-31T12:00:00Z","attempt":1}"#

    // MARK: Reference symbols

    @Test func shortTextAtVersion1MatchesTheReference() throws {
        let qr = try QRCode.encode(text: "Ponte", correction: .medium, mask: 2)
        #expect(qr.version == 1)
        #expect(qr.size == 21)
        #expect(rendered(qr) == QRCodeFixtures.ponteVersion1)
    }

    /// CRC-32 of each reference rendering of "Ponte" at version 1, by level and mask 0...7.
    static let version1Fingerprints: [(QRCode.Correction, [UInt32])] = [
        (
            .low,
            [
                0x7ef4_60ec, 0xdfd6_423a, 0x2d16_b6c6, 0x2ddd_e9f4, 0x81c4_6143, 0x9c7a_21e0, 0x2cba_687d,
                0x5290_21e1,
            ]
        ),
        (
            .medium,
            [
                0xdf09_c789, 0x7e2b_e55f, 0x8ceb_11a3, 0x8c20_4e91, 0x2039_c626, 0x3d87_8685, 0x8d47_cf18,
                0xf36d_8684,
            ]
        ),
        (
            .quartile,
            [
                0xd405_f974, 0x7527_dba2, 0x87e7_2f5e, 0x872c_706c, 0x2b35_f8db, 0x368b_b878, 0x864b_f1e5,
                0xf861_b879,
            ]
        ),
        (
            .high,
            [
                0x06db_9557, 0xa7f9_b781, 0x5539_437d, 0x55f2_1c4f, 0xf9eb_94f8, 0xe455_d45b, 0x5495_9dc6,
                0x2abf_d45a,
            ]
        ),
    ]

    @Test(arguments: version1Fingerprints)
    func everyLevelAndMaskAtVersion1MatchesTheReference(
        correction: QRCode.Correction, fingerprints: [UInt32]
    ) throws {
        for (mask, fingerprint) in fingerprints.enumerated() {
            let qr = try QRCode.encode(text: "Ponte", correction: correction, version: 1, mask: mask)
            #expect(CRC32.checksum(rendered(qr).utf8) == fingerprint, "mask \(mask)")
        }
    }

    @Test func brCodePayloadAtVersion8MatchesTheReference() throws {
        let payload = BRCodeTests.ownExample + "D197"
        let qr = try QRCode.encode(text: payload, correction: .medium, mask: 5)
        #expect(qr.version == 8)
        #expect(rendered(qr) == QRCodeFixtures.brCodeVersion8)
    }

    @Test func webhookJSONAtVersion13MatchesTheReference() throws {
        let qr = try QRCode.encode(text: Self.webhookJSON, correction: .quartile, mask: 3)
        #expect(qr.version == 13)
        #expect(rendered(qr) == expandHexRows(QRCodeFixtures.webhookVersion13Hex, size: qr.size))
    }

    @Test(arguments: [
        (2953, QRCode.Correction.low, 40, 1, UInt32(0xa0b7_ba57)),
        (1273, .high, 40, 6, 0xfaa7_2149),
        (700, .quartile, 27, 4, 0x3da4_09bd),
    ])
    func largeSymbolMatchesTheReference(
        byteCount: Int, correction: QRCode.Correction, version: Int, mask: Int, fingerprint: UInt32
    ) throws {
        let qr = try QRCode.encode(
            bytes: fillerBytes(byteCount), correction: correction, version: version, mask: mask)
        #expect(qr.size == 17 + 4 * version)
        #expect(CRC32.checksum(rendered(qr).utf8) == fingerprint)
    }

    // MARK: Version and capacity

    @Test(arguments: [
        (1, [17, 14, 11, 7]), (7, [154, 122, 86, 64]), (10, [271, 213, 151, 119]),
        (40, [2953, 2331, 1663, 1273]),
    ])
    func byteCapacityFollowsTheStandardsTable(version: Int, capacities: [Int]) {
        let levels: [QRCode.Correction] = [.low, .medium, .quartile, .high]
        #expect(levels.map { QRCode.byteCapacity(version: version, correction: $0) } == capacities)
    }

    @Test func smallestVersionThatHoldsTheDataIsChosen() throws {
        #expect(try QRCode.encode(bytes: fillerBytes(14), correction: .medium).version == 1)
        #expect(try QRCode.encode(bytes: fillerBytes(15), correction: .medium).version == 2)
        #expect(try QRCode.encode(bytes: fillerBytes(2331), correction: .medium).version == 40)
        #expect(try QRCode.encode(bytes: [], correction: .high).version == 1)
    }

    @Test func dataTooLongIsReported() {
        #expect(throws: QRCodeError.dataTooLong(byteCount: 2954, capacity: 2953)) {
            try QRCode.encode(bytes: fillerBytes(2954), correction: .low)
        }
        #expect(throws: QRCodeError.dataTooLong(byteCount: 15, capacity: 14)) {
            try QRCode.encode(bytes: fillerBytes(15), correction: .medium, version: 1)
        }
    }

    @Test func versionAndMaskOutOfRangeAreRejected() {
        #expect(throws: QRCodeError.invalidVersion(41)) { try QRCode.encode(text: "x", version: 41) }
        #expect(throws: QRCodeError.invalidVersion(0)) { try QRCode.encode(text: "x", version: 0) }
        #expect(throws: QRCodeError.invalidMask(8)) { try QRCode.encode(text: "x", mask: 8) }
    }

    @Test func codewordCountMatchesTheModulesLeftByTheFunctionPatterns() {
        for version in QRCode.versions {
            let free = QRMatrix(version: version).isFunction.count(where: { !$0 })
            #expect(QRCodewordLayout.dataModuleCount(version: version) == free, "version \(version)")
            #expect([0, 3, 4, 7].contains(free % 8), "remainder bits of version \(version)")
        }
    }

    // MARK: Error correction

    /// The standard's worked example: "01234567" at 1-M (ISO/IEC 18004, Annex I).
    @Test func reedSolomonReproducesTheStandardsExample() {
        let data: [UInt8] = [
            0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC,
            0x11,
        ]
        let correction = ReedSolomon(degree: 10).remainder(of: data)
        #expect(correction == [0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55])
    }

    @Test func formatAndVersionInformationMatchTheStandardsTables() {
        // Level M, mask 5 (ISO/IEC 18004, Annex C example: 100000011001110 after masking).
        #expect(QRMatrix.formatBits(correction: .medium, mask: 5) == 0b100_0000_1100_1110)
        // Version 7 (Annex D): 000111110010010100.
        #expect(QRMatrix.versionBits(version: 7) == 0b00_0111_1100_1001_0100)
    }

    // MARK: Mask choice

    @Test(arguments: ["Ponte", BRCodeTests.ownExample + "D197", webhookJSON])
    func automaticMaskHasTheLowestPenalty(text: String) throws {
        let chosen = try QRCode.encode(text: text, correction: .medium)
        let penalties = try (0...7).map { mask in
            let qr = try QRCode.encode(text: text, correction: .medium, mask: mask)
            return QRMaskPenalty.score(size: qr.size, modules: qr.modules)
        }
        #expect(penalties[chosen.mask] == penalties.min())
        #expect(penalties.firstIndex(of: penalties.min() ?? 0) == chosen.mask)
        #expect(chosen == (try QRCode.encode(text: text, correction: .medium, mask: chosen.mask)))
    }

    @Test func penaltyRulesScoreRunsFinderLookAlikesAndBalance() {
        let d = true
        let l = false
        #expect(QRMaskPenalty.runPenalty([d, d, d, d]) == 0)
        #expect(QRMaskPenalty.runPenalty([d, d, d, d, d]) == 3)
        #expect(QRMaskPenalty.runPenalty([l, d, d, d, d, d, d, d, l, l, l, l, l]) == 5 + 3)
        #expect(QRMaskPenalty.finderLikePenalty([d, l, d, d, d, l, d, l, l, l, l]) == 40)
        #expect(QRMaskPenalty.finderLikePenalty([d, d, l, d, d, d, l, d, d, d, d, d]) == 0)
        // At the edge of the symbol the quiet zone supplies the light modules.
        #expect(QRMaskPenalty.finderLikePenalty([d, l, d, d, d, l, d]) == 40)
        // A 2×2 all-dark symbol: runs too short, one block (3), 100% dark: 10 steps of 5% (100).
        #expect(QRMaskPenalty.score(size: 2, modules: [d, d, d, d]) == 3 + 100)
    }
}
