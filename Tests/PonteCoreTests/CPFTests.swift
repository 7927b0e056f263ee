import Testing

@testable import PonteCore

/// `CPF`: shape, check digits, repeated digits.
@Suite struct CPFTests {
    /// The check digits of a 9-digit base, by the other common statement of the rule: the
    /// first is Σ dᵢ·i (i = 1…9) mod 11, the second Σ dᵢ·(i−1) + first·9 mod 11, 10 counting as 0.
    static func checkDigits(_ base: [Int]) -> (Int, Int) {
        let first = zip(base, 1...9).map(*).reduce(0, +) % 11 % 10
        let second = (zip(base, 0...8).map(*).reduce(0, +) + first * 9) % 11 % 10
        return (first, second)
    }

    /// Deterministic 9-digit bases (a linear congruential sequence), skipping repeated digits.
    static let generatedBases: [[Int]] = {
        var state: UInt64 = 20_261_203
        var bases: [[Int]] = []
        while bases.count < 200 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let number = Int((state >> 33) % 1_000_000_000)
            let base = (0..<9).reversed().map { position in number / CPFTests.pow10(position) % 10 }
            if Set(base).count > 1 { bases.append(base) }
        }
        return bases
    }()

    static func pow10(_ exponent: Int) -> Int { (0..<exponent).reduce(1) { value, _ in value * 10 } }

    @Test(arguments: ["123.456.789-09", "529.982.247-25", "111.444.777-35", "12345678909", "52998224725", "11144477735"])
    func publishedExamplesAreValid(text: String) throws {
        let cpf = try #require(CPF(text))
        #expect(cpf.digits == text.filter(\.isNumber))
        #expect(cpf.digits.count == 11)
    }

    @Test func generatedNumbersAreValidInBothShapesAndAWrongCheckDigitIsNot() throws {
        for base in Self.generatedBases {
            let (first, second) = Self.checkDigits(base)
            let digits = (base + [first, second]).map(String.init).joined()
            let punctuated = "\(digits.prefix(3)).\(digits.dropFirst(3).prefix(3)).\(digits.dropFirst(6).prefix(3))-\(digits.suffix(2))"
            #expect(CPF(digits)?.digits == digits)
            #expect(CPF(punctuated)?.digits == digits)
            #expect(CPF(digits)?.formatted == punctuated)
            let wrongSecond = (base + [first, (second + 1) % 10]).map(String.init).joined()
            let wrongFirst = (base + [(first + 1) % 10, second]).map(String.init).joined()
            #expect(CPF(wrongSecond) == nil, "\(wrongSecond)")
            #expect(CPF(wrongFirst) == nil, "\(wrongFirst)")
        }
    }

    @Test func oneDigitRepeatedIsRefusedThoughItsCheckDigitsMatch() {
        for digit in 0...9 {
            let digits = String(repeating: String(digit), count: 11)
            let base = Array(repeating: digit, count: 9)
            let (first, second) = Self.checkDigits(base)
            #expect(first == digit && second == digit)
            #expect(CPF(digits) == nil)
        }
        #expect(CPF("111.111.111-11") == nil)
    }

    @Test(arguments: [
        "123.456.789-08", "123.456.789-19", "529.982.247-24", "", "1234567890", "123456789091", "123.456.789.09", "123456789-09",
        "123.456789-09", "123-456-789-09", "123.456.78a-09", "12345678a09", "１２３４５６７８９０９", "+1234567890",
    ])
    func otherTextIsRefused(text: String) {
        #expect(CPF(text) == nil)
    }

    @Test func surroundingWhitespaceIsIgnored() {
        #expect(CPF("  123.456.789-09\n")?.digits == "12345678909")
        #expect(CPF("123.456.789-09").map(String.init(describing:)) == "123.456.789-09")
    }
}
