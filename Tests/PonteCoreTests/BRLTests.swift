import Testing

@testable import PonteCore

/// `BRL.format`: reais as customers read them.
@Suite struct BRLTests {
    @Test(arguments: [
        (4480, "R$ 44,80"), (123_450, "R$ 1.234,50"), (5, "R$ 0,05"), (100_000_000, "R$ 1.000.000,00"), (0, "R$ 0,00"),
        (99, "R$ 0,99"), (100, "R$ 1,00"), (3290, "R$ 32,90"), (99_999, "R$ 999,99"), (100_000, "R$ 1.000,00"),
        (99_999_999, "R$ 999.999,99"), (-4480, "-R$ 44,80"), (-5, "-R$ 0,05"), (-123_450, "-R$ 1.234,50"),
    ])
    func formats(centavos: Int, text: String) {
        #expect(BRL.format(centavos: centavos) == text)
    }

    @Test func theExtremesDoNotTrap() {
        #expect(BRL.format(centavos: Int.max) == "R$ 92.233.720.368.547.758,07")
        #expect(BRL.format(centavos: Int.min) == "-R$ 92.233.720.368.547.758,08")
    }
}
