/// How many codewords a symbol holds and how they split into error-correction blocks
/// (ISO/IEC 18004, Table 9).
struct QRCodewordLayout: Equatable {
    /// All codewords in the symbol, data plus error correction.
    let totalCodewords: Int
    /// Error-correction codewords in every block.
    let correctionCodewordsPerBlock: Int
    /// Number of blocks; when the data does not split evenly the later blocks hold one more.
    let blockCount: Int

    var dataCodewords: Int { totalCodewords - correctionCodewordsPerBlock * blockCount }

    init(version: Int, correction: QRCode.Correction) {
        let level = correction.tableIndex
        totalCodewords = Self.dataModuleCount(version: version) / 8
        correctionCodewordsPerBlock = Self.correctionCodewordsPerBlock[level][version - 1]
        blockCount = Self.blockCounts[level][version - 1]
    }

    /// Modules left for codewords (and remainder bits) once the function patterns are drawn.
    static func dataModuleCount(version: Int) -> Int {
        let size = QRCode.size(forVersion: version)
        var function = 3 * 64  // three finder patterns with their separators
        function += 2 * 15 + 1  // two copies of the format information, and the dark module
        function += 2 * (size - 16)  // timing row and column between the separators
        if version >= 2 {
            let perAxis = version / 7 + 2
            // Alignment patterns, minus the three at the finders; those on the timing lines
            // share 5 modules with them.
            function += 25 * (perAxis * perAxis - 3) - 5 * 2 * (perAxis - 2)
        }
        if version >= 7 { function += 2 * 18 }  // two copies of the version information
        return size * size - function
    }

    /// Error-correction codewords per block, by level (L, M, Q, H) and version.
    private static let correctionCodewordsPerBlock: [[Int]] = [
        [
            7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
            28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
        ],
        [
            10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
            26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
        ],
        [
            13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
            28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
        ],
        [
            17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
            30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
        ],
    ]

    /// Error-correction blocks, by level (L, M, Q, H) and version.
    private static let blockCounts: [[Int]] = [
        [
            1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8,
            8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25,
        ],
        [
            1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
            17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
        ],
        [
            1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20,
            23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68,
        ],
        [
            1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
            25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81,
        ],
    ]

    /// Splits `data` (exactly `dataCodewords` long) into blocks, adds each block's
    /// error correction and interleaves the result (ISO/IEC 18004, 7.6).
    func interleavedCodewords(data: [UInt8]) -> [UInt8] {
        let shortBlockCount = blockCount - totalCodewords % blockCount
        let shortBlockDataLength = totalCodewords / blockCount - correctionCodewordsPerBlock
        let encoder = ReedSolomon(degree: correctionCodewordsPerBlock)

        var dataBlocks: [ArraySlice<UInt8>] = []
        var correctionBlocks: [[UInt8]] = []
        var start = 0
        for block in 0..<blockCount {
            let length = shortBlockDataLength + (block < shortBlockCount ? 0 : 1)
            let blockData = data[start..<start + length]
            dataBlocks.append(blockData)
            correctionBlocks.append(encoder.remainder(of: blockData))
            start += length
        }

        var result: [UInt8] = []
        result.reserveCapacity(totalCodewords)
        for index in 0...shortBlockDataLength {
            for block in dataBlocks where index < block.count {
                result.append(block[block.startIndex + index])
            }
        }
        for index in 0..<correctionCodewordsPerBlock {
            for block in correctionBlocks { result.append(block[index]) }
        }
        return result
    }
}
