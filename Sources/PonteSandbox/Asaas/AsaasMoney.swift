import Foundation
import PonteProviders

/// Asaas writes amounts as decimal reais (`129.90`); the simulator keeps centavos. The
/// conversions are `DecimalMoney`'s; this adds what Asaas accepts as a charge's value.
enum AsaasMoney {
    /// The centavos in `value`, or nil when it has more than two decimals or is not positive.
    static func centavos(_ value: Decimal) -> Int? {
        guard let units = DecimalMoney.minorUnits(value), units > 0, units < 1_000_000_000_000 else { return nil }
        return units
    }

    /// `12990` → `129.9` as an exact decimal, which JSON writes as `129.9`.
    static func reais(_ centavos: Int) -> Decimal {
        DecimalMoney.decimal(minorUnits: centavos)
    }
}
