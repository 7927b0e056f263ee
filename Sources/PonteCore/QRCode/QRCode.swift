/// A QR Code Model 2 symbol (ISO/IEC 18004) holding bytes in byte mode.
///
/// ```swift
/// let qr = try QRCode.encode(text: payload, correction: .medium)
/// for y in 0..<qr.size { for x in 0..<qr.size { if qr.isDark(x: x, y: y) { ... } } }
/// ```
public struct QRCode: Sendable, Equatable {
    /// The version, 1...40; the symbol is `17 + 4 * version` modules wide.
    public let version: Int
    /// The error-correction level.
    public let correction: Correction
    /// The data mask pattern applied, 0...7.
    public let mask: Int
    /// Modules per side.
    public let size: Int
    /// Row-major, `size * size`; `true` is dark.
    public let modules: [Bool]

    /// How much of the symbol may be damaged and still read, at the cost of capacity.
    public enum Correction: Sendable, CaseIterable {
        /// About 7% of codewords can be restored.
        case low
        /// About 15%.
        case medium
        /// About 25%.
        case quartile
        /// About 30%.
        case high

        /// The two bits that name the level in the format information (ISO/IEC 18004, Table 12).
        var formatBits: Int {
            switch self {
            case .low: 0b01
            case .medium: 0b00
            case .quartile: 0b11
            case .high: 0b10
            }
        }

        /// Row of this level in the capacity tables (L, M, Q, H).
        var tableIndex: Int {
            switch self {
            case .low: 0
            case .medium: 1
            case .quartile: 2
            case .high: 3
            }
        }
    }

    /// The versions a symbol can have.
    public static let versions = 1...40

    /// Modules per side of a symbol of `version`.
    public static func size(forVersion version: Int) -> Int { 17 + 4 * version }

    /// True when the module at column `x`, row `y` (from the top-left corner) is dark.
    public func isDark(x: Int, y: Int) -> Bool {
        modules[y * size + x]
    }

    // MARK: Encoding

    /// Encodes the UTF-8 bytes of `text`; see `encode(bytes:correction:version:mask:)`.
    public static func encode(
        text: String, correction: Correction = .medium, version: Int? = nil, mask: Int? = nil
    ) throws(QRCodeError) -> QRCode {
        try encode(bytes: Array(text.utf8), correction: correction, version: version, mask: mask)
    }

    /// Encodes `bytes` in byte mode.
    ///
    /// - Parameters:
    ///   - correction: the error-correction level.
    ///   - version: a fixed version; `nil` picks the smallest that holds the data.
    ///   - mask: a fixed mask pattern 0...7; `nil` evaluates all eight and keeps the one with
    ///     the lowest penalty (the lowest-numbered on a tie), as the standard prescribes.
    /// - Throws: `QRCodeError.dataTooLong` when the data does not fit.
    public static func encode(
        bytes: some Collection<UInt8>, correction: Correction = .medium, version: Int? = nil,
        mask: Int? = nil
    ) throws(QRCodeError) -> QRCode {
        if let version, !versions.contains(version) { throw .invalidVersion(version) }
        if let mask, !(0...7).contains(mask) { throw .invalidMask(mask) }

        let candidates = version.map { $0...$0 } ?? versions
        guard
            let chosen = candidates.first(where: {
                byteCapacity(version: $0, correction: correction) >= bytes.count
            })
        else {
            throw .dataTooLong(
                byteCount: bytes.count,
                capacity: byteCapacity(version: candidates.upperBound, correction: correction))
        }

        let layout = QRCodewordLayout(version: chosen, correction: correction)
        let data = dataCodewords(bytes, version: chosen, capacity: layout.dataCodewords)
        var matrix = QRMatrix(version: chosen)
        matrix.place(codewords: layout.interleavedCodewords(data: data))

        let chosenMask = mask ?? bestMask(for: matrix, correction: correction)
        matrix.applyMask(chosenMask)
        matrix.drawFormatInformation(correction: correction, mask: chosenMask)
        return QRCode(
            version: chosen, correction: correction, mask: chosenMask, size: matrix.size,
            modules: matrix.modules)
    }

    /// The most bytes a symbol of `version` at `correction` holds in byte mode.
    public static func byteCapacity(version: Int, correction: Correction) -> Int {
        let dataBits = QRCodewordLayout(version: version, correction: correction).dataCodewords * 8
        return (dataBits - 4 - characterCountBits(version: version)) / 8
    }

    /// Width of the byte-mode character count (ISO/IEC 18004, Table 3).
    private static func characterCountBits(version: Int) -> Int {
        version <= 9 ? 8 : 16
    }

    /// The data codewords: mode indicator 0100, character count, the bytes, a terminator of up to
    /// four zero bits, zero bits to the byte boundary, then pad codewords 0xEC and 0x11 in turn
    /// (ISO/IEC 18004, 7.4).
    private static func dataCodewords(
        _ bytes: some Collection<UInt8>, version: Int, capacity: Int
    ) -> [UInt8] {
        var writer = QRBitWriter()
        writer.append(0b0100, bitCount: 4)
        writer.append(bytes.count, bitCount: characterCountBits(version: version))
        for byte in bytes { writer.append(Int(byte), bitCount: 8) }
        writer.append(0, bitCount: min(4, capacity * 8 - writer.bitCount))
        writer.append(0, bitCount: (8 - writer.bitCount % 8) % 8)
        var codewords = writer.bytes
        var pad: UInt8 = 0xEC
        while codewords.count < capacity {
            codewords.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return codewords
    }

    /// The mask with the lowest penalty once applied together with its format information.
    private static func bestMask(for matrix: QRMatrix, correction: Correction) -> Int {
        var best = 0
        var bestScore = Int.max
        for mask in 0...7 {
            var candidate = matrix
            candidate.applyMask(mask)
            candidate.drawFormatInformation(correction: correction, mask: mask)
            let score = QRMaskPenalty.score(size: candidate.size, modules: candidate.modules)
            if score < bestScore {
                best = mask
                bestScore = score
            }
        }
        return best
    }
}

/// Why bytes could not be encoded as a QR code.
public enum QRCodeError: Error, Equatable, CustomStringConvertible {
    /// The data needs more room than the largest allowed version offers at this level.
    case dataTooLong(byteCount: Int, capacity: Int)
    /// Versions run from 1 to 40.
    case invalidVersion(Int)
    /// Mask patterns run from 0 to 7.
    case invalidMask(Int)

    public var description: String {
        switch self {
        case .dataTooLong(let byteCount, let capacity):
            "QR code: \(byteCount) bytes do not fit; at most \(capacity) fit at this level and version"
        case .invalidVersion(let version): "QR code: version \(version) is not in 1...40"
        case .invalidMask(let mask): "QR code: mask \(mask) is not in 0...7"
        }
    }
}

/// Appends bit fields most significant bit first.
struct QRBitWriter {
    private(set) var bytes: [UInt8] = []
    private(set) var bitCount = 0

    mutating func append(_ value: Int, bitCount count: Int) {
        for shift in stride(from: count - 1, through: 0, by: -1) {
            if bitCount % 8 == 0 { bytes.append(0) }
            if (value >> shift) & 1 == 1 {
                bytes[bytes.count - 1] |= 0x80 >> UInt8(bitCount % 8)
            }
            bitCount += 1
        }
    }
}
