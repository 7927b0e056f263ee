/// The module grid of a QR symbol while it is being built: which modules are dark, and which
/// belong to function patterns (and so are left alone by data placement and masking).
struct QRMatrix {
    let version: Int
    let size: Int
    /// Row-major, `size * size`; `true` is dark.
    private(set) var modules: [Bool]
    private(set) var isFunction: [Bool]

    /// A grid with every function pattern drawn and the format area reserved.
    init(version: Int) {
        self.version = version
        size = QRCode.size(forVersion: version)
        modules = Array(repeating: false, count: size * size)
        isFunction = Array(repeating: false, count: size * size)
        drawTimingPatterns()
        drawFinderPatterns()
        drawAlignmentPatterns()
        drawFormatInformation(correction: .medium, mask: 0)  // reserves the area; redrawn later
        if version >= 7 { drawVersionInformation() }
    }

    private mutating func setFunction(x: Int, y: Int, dark: Bool) {
        modules[y * size + x] = dark
        isFunction[y * size + x] = true
    }

    // MARK: Function patterns (ISO/IEC 18004, 6.3)

    /// Row 6 and column 6 alternate dark and light, starting dark.
    private mutating func drawTimingPatterns() {
        for index in 0..<size {
            setFunction(x: 6, y: index, dark: index % 2 == 0)
            setFunction(x: index, y: 6, dark: index % 2 == 0)
        }
    }

    /// 7×7 finder patterns in three corners, each with its one-module light separator.
    private mutating func drawFinderPatterns() {
        for (centerX, centerY) in [(3, 3), (size - 4, 3), (3, size - 4)] {
            for dy in -4...4 {
                for dx in -4...4 {
                    let x = centerX + dx
                    let y = centerY + dy
                    guard (0..<size).contains(x), (0..<size).contains(y) else { continue }
                    let ring = max(abs(dx), abs(dy))
                    setFunction(x: x, y: y, dark: ring != 2 && ring != 4)
                }
            }
        }
    }

    /// 5×5 alignment patterns at every pair of the version's centre coordinates,
    /// except the three pairs that fall on finder patterns.
    private mutating func drawAlignmentPatterns() {
        let centers = Self.alignmentCenters[version - 1]
        guard let first = centers.first, let last = centers.last else { return }
        for centerY in centers {
            for centerX in centers {
                let onFinder =
                    (centerX == first && centerY == first) || (centerX == first && centerY == last)
                    || (centerX == last && centerY == first)
                if onFinder { continue }
                for dy in -2...2 {
                    for dx in -2...2 {
                        setFunction(x: centerX + dx, y: centerY + dy, dark: max(abs(dx), abs(dy)) != 1)
                    }
                }
            }
        }
    }

    /// Row and column coordinates of alignment pattern centres by version (ISO/IEC 18004, Annex E).
    static let alignmentCenters: [[Int]] = [
        [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34],
        [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50], [6, 30, 54], [6, 32, 58], [6, 34, 62],
        [6, 26, 46, 66], [6, 26, 48, 70], [6, 26, 50, 74], [6, 30, 54, 78], [6, 30, 56, 82],
        [6, 30, 58, 86], [6, 34, 62, 90],
        [6, 28, 50, 72, 94], [6, 26, 50, 74, 98], [6, 30, 54, 78, 102], [6, 28, 54, 80, 106],
        [6, 32, 58, 84, 110], [6, 30, 58, 86, 114], [6, 34, 62, 90, 118],
        [6, 26, 50, 74, 98, 122], [6, 30, 54, 78, 102, 126], [6, 26, 52, 78, 104, 130],
        [6, 30, 56, 82, 108, 134], [6, 34, 60, 86, 112, 138], [6, 30, 58, 86, 114, 142],
        [6, 34, 62, 90, 118, 146],
        [6, 30, 54, 78, 102, 126, 150], [6, 24, 50, 76, 102, 128, 154],
        [6, 28, 54, 80, 106, 132, 158], [6, 32, 58, 84, 110, 136, 162],
        [6, 26, 54, 82, 110, 138, 166], [6, 30, 58, 86, 114, 142, 170],
    ]

    // MARK: Format and version information (ISO/IEC 18004, 7.9 and 7.10)

    /// The 15-bit format information: level and mask, a BCH(15,5) remainder (generator 0x537),
    /// XOR 0x5412 so it is never all light.
    static func formatBits(correction: QRCode.Correction, mask: Int) -> Int {
        let data = correction.formatBits << 3 | mask
        return (data << 10 | bchRemainder(data << 10, generator: 0x537)) ^ 0x5412
    }

    /// The 18-bit version information: the version and a BCH(18,6) remainder (generator 0x1F25).
    static func versionBits(version: Int) -> Int {
        version << 12 | bchRemainder(version << 12, generator: 0x1F25)
    }

    /// The remainder of `value` divided by `generator` as polynomials over GF(2).
    private static func bchRemainder(_ value: Int, generator: Int) -> Int {
        let generatorDegree = Int.bitWidth - generator.leadingZeroBitCount - 1
        var remainder = value
        while remainder != 0, Int.bitWidth - remainder.leadingZeroBitCount - 1 >= generatorDegree {
            let shift = (Int.bitWidth - remainder.leadingZeroBitCount - 1) - generatorDegree
            remainder ^= generator << shift
        }
        return remainder
    }

    /// Writes both copies of the format information, and the dark module beside the
    /// bottom-left finder.
    mutating func drawFormatInformation(correction: QRCode.Correction, mask: Int) {
        let bits = Self.formatBits(correction: correction, mask: mask)
        func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }

        // Around the top-left finder: bits 0–7 down column 8 (skipping the timing row),
        // bits 8–14 leftwards along row 8 (skipping the timing column).
        for index in 0...5 { setFunction(x: 8, y: index, dark: bit(index)) }
        setFunction(x: 8, y: 7, dark: bit(6))
        setFunction(x: 8, y: 8, dark: bit(7))
        setFunction(x: 7, y: 8, dark: bit(8))
        for index in 9..<15 { setFunction(x: 14 - index, y: 8, dark: bit(index)) }

        // The second copy: bits 0–7 along row 8 under the top-right finder,
        // bits 8–14 down column 8 beside the bottom-left finder.
        for index in 0..<8 { setFunction(x: size - 1 - index, y: 8, dark: bit(index)) }
        for index in 8..<15 { setFunction(x: 8, y: size - 15 + index, dark: bit(index)) }
        setFunction(x: 8, y: size - 8, dark: true)
    }

    /// Writes both 6×3 copies of the version information (version 7 and up).
    private mutating func drawVersionInformation() {
        let bits = Self.versionBits(version: version)
        for index in 0..<18 {
            let dark = (bits >> index) & 1 == 1
            let long = size - 11 + index % 3
            let short = index / 3
            setFunction(x: long, y: short, dark: dark)  // left of the top-right finder
            setFunction(x: short, y: long, dark: dark)  // above the bottom-left finder
        }
    }

    // MARK: Data

    /// Places `codewords` most significant bit first in the two-column zigzag that starts
    /// at the bottom-right corner and skips the vertical timing column (ISO/IEC 18004, 7.7.3).
    /// Modules left over after the last codeword (remainder bits) stay light.
    mutating func place(codewords: [UInt8]) {
        let bitCount = codewords.count * 8
        var bitIndex = 0
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            let upward = (right + 1) & 2 == 0
            for step in 0..<size {
                let y = upward ? size - 1 - step : step
                for x in [right, right - 1] where !isFunction[y * size + x] && bitIndex < bitCount {
                    let byte = codewords[bitIndex >> 3]
                    modules[y * size + x] = (byte >> (7 - UInt8(bitIndex & 7))) & 1 == 1
                    bitIndex += 1
                }
            }
            right -= 2
        }
    }

    /// Inverts every non-function module where mask pattern `mask` (0–7) holds
    /// (ISO/IEC 18004, Table 10; i is the row, j the column). Applying it twice undoes it.
    mutating func applyMask(_ mask: Int) {
        for i in 0..<size {
            for j in 0..<size where !isFunction[i * size + j] {
                let invert: Bool
                switch mask {
                case 0: invert = (i + j) % 2 == 0
                case 1: invert = i % 2 == 0
                case 2: invert = j % 3 == 0
                case 3: invert = (i + j) % 3 == 0
                case 4: invert = (i / 2 + j / 3) % 2 == 0
                case 5: invert = (i * j) % 2 + (i * j) % 3 == 0
                case 6: invert = ((i * j) % 2 + (i * j) % 3) % 2 == 0
                default: invert = ((i + j) % 2 + (i * j) % 3) % 2 == 0
                }
                if invert { modules[i * size + j].toggle() }
            }
        }
    }
}
