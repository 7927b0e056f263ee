import Foundation

/// Asaas writes amounts as decimal reais (`129.90`); the simulator keeps centavos.
enum AsaasMoney {
    /// The centavos in `value`, or nil when it has more than two decimals or is not positive.
    static func centavos(_ value: Decimal) -> Int? {
        var scaled = value * 100
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        guard rounded == scaled, rounded > 0, rounded < 1_000_000_000_000 else { return nil }
        return NSDecimalNumber(decimal: rounded).intValue
    }

    /// `12990` → `129.9` as an exact decimal, which JSON writes as `129.9`.
    static func reais(_ centavos: Int) -> Decimal {
        Decimal(centavos) / 100
    }
}
