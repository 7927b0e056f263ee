/// The penalty score the encoder minimises when choosing a mask (ISO/IEC 18004, 7.8.3, Table 11).
/// Lower is better: fewer long runs, blocks and finder look-alikes, and a balanced dark ratio.
enum QRMaskPenalty {
    static let runWeight = 3  // N1: a run of 5 same-colour modules; +1 for each module beyond
    static let blockWeight = 3  // N2: each 2×2 block of one colour
    static let finderLikeWeight = 40  // N3: 1:1:3:1:1 with 4 light modules on one side
    static let balanceWeight = 10  // N4: each full 5% the dark share is away from 50%

    /// The penalty of a `size`×`size` symbol; `modules` is row-major with `true` for dark.
    static func score(size: Int, modules: [Bool]) -> Int {
        func dark(_ x: Int, _ y: Int) -> Bool { modules[y * size + x] }
        var score = 0
        for index in 0..<size {
            let row = (0..<size).map { dark($0, index) }
            let column = (0..<size).map { dark(index, $0) }
            score += runPenalty(row) + runPenalty(column)
            score += finderLikePenalty(row) + finderLikePenalty(column)
        }
        for y in 0..<size - 1 {
            for x in 0..<size - 1 {
                let color = dark(x, y)
                if dark(x + 1, y) == color, dark(x, y + 1) == color, dark(x + 1, y + 1) == color {
                    score += blockWeight
                }
            }
        }
        let darkCount = modules.count(where: { $0 })
        let total = size * size
        // floor(|dark% - 50| / 5), in integers: |100·dark − 50·total| / (5·total).
        score += balanceWeight * (abs(100 * darkCount - 50 * total) / (5 * total))
        return score
    }

    /// N1 for one line: 3 for each run of 5 same-colour modules, plus 1 per module beyond 5.
    static func runPenalty(_ line: [Bool]) -> Int {
        var penalty = 0
        var runLength = 0
        var previous: Bool?
        for module in line {
            if module == previous {
                runLength += 1
            } else {
                if runLength >= 5 { penalty += runWeight + runLength - 5 }
                previous = module
                runLength = 1
            }
        }
        if runLength >= 5 { penalty += runWeight + runLength - 5 }
        return penalty
    }

    /// N3 for one line: each dark-light-dark-dark-dark-light-dark run with four light modules
    /// before or after it. Modules beyond the symbol count as light (the quiet zone).
    static func finderLikePenalty(_ line: [Bool]) -> Int {
        let pattern = [true, false, true, true, true, false, true]
        guard line.count >= pattern.count else { return 0 }
        func isLight(_ index: Int) -> Bool { index < 0 || index >= line.count || !line[index] }
        var penalty = 0
        for start in 0...(line.count - pattern.count)
        where pattern.indices.allSatisfy({ line[start + $0] == pattern[$0] }) {
            let lightBefore = (start - 4..<start).allSatisfy(isLight)
            let lightAfter = (start + 7..<start + 11).allSatisfy(isLight)
            if lightBefore || lightAfter { penalty += finderLikeWeight }
        }
        return penalty
    }
}
