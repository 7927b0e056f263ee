/// Amounts in Brazilian reais as customers read them: `R$ 1.234,50`.
public enum BRL {
    /// `centavos` as `R$` with a space, the reais grouped by thousands with `.`, a `,` and two
    /// digits of centavos: 4480 → `R$ 44,80`, 123450 → `R$ 1.234,50`, 5 → `R$ 0,05`. A negative
    /// amount has a leading minus: -4480 → `-R$ 44,80`.
    ///
    /// Integer arithmetic only: no floating point, no locale lookup (whose separators and
    /// spaces vary by platform).
    public static func format(centavos: Int) -> String {
        let magnitude = centavos.magnitude
        let reais = String(magnitude / 100)
        var grouped = ""
        for (index, digit) in reais.enumerated() {
            if index > 0, (reais.count - index) % 3 == 0 { grouped.append(".") }
            grouped.append(digit)
        }
        let fraction = magnitude % 100
        return (centavos < 0 ? "-" : "") + "R$ " + grouped + "," + (fraction < 10 ? "0" : "") + String(fraction)
    }
}
