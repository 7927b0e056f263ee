import Foundation

/// Conversion between Ponte's integer minor units and the decimal amounts some providers
/// put on the wire in major units, two fraction digits (Asaas's `value`, iFood's totals:
/// BRL `129.90`).
///
/// Done on decimal text, never through `Double`: `12990` ⇄ `"129.90"`.
public enum DecimalMoney {
    /// `minorUnits` minor units as decimal text with two fraction digits (`12990` → `"129.90"`).
    public static func decimalText(minorUnits: Int) -> String {
        let magnitude = minorUnits.magnitude
        let fraction = magnitude % 100
        return (minorUnits < 0 ? "-" : "") + "\(magnitude / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }

    /// The minor units in decimal text such as `"129.9"`, `"129.90"`, `"5"` or `"-0.05"`;
    /// nil when it is not a number or has a non-zero digit past the minor units.
    public static func minorUnits(decimalText text: String) -> Int? {
        var digits = Substring(text.trimmingCharacters(in: .whitespaces))
        var negative = false
        if digits.first == "-" {
            negative = true
            digits = digits.dropFirst()
        } else if digits.first == "+" {
            digits = digits.dropFirst()
        }
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty || parts.count == 2 else { return nil }
        var fraction = parts.count == 2 ? parts[1] : ""
        guard !(whole.isEmpty && fraction.isEmpty) else { return nil }
        guard whole.allSatisfy(\.isASCIIDigit), fraction.allSatisfy(\.isASCIIDigit) else { return nil }
        while fraction.count > 2, fraction.last == "0" { fraction = fraction.dropLast() }
        guard fraction.count <= 2 else { return nil }
        let centsText = fraction.padding(toLength: 2, withPad: "0", startingAt: 0)
        guard let units = Int(whole.isEmpty ? "0" : whole), let cents = Int(centsText) else { return nil }
        let (scaled, overflow) = units.multipliedReportingOverflow(by: 100)
        guard !overflow else { return nil }
        let (total, overflow2) = scaled.addingReportingOverflow(cents)
        guard !overflow2 else { return nil }
        return negative ? -total : total
    }

    /// `minorUnits` as an exact `Decimal`, for a JSON body.
    public static func decimal(minorUnits: Int) -> Decimal {
        Decimal(string: decimalText(minorUnits: minorUnits), locale: Locale(identifier: "en_US_POSIX")) ?? Decimal(minorUnits) / 100
    }

    /// The minor units in `decimal`, or nil when it has fractions of a centavo.
    public static func minorUnits(_ decimal: Decimal) -> Int? {
        var value = decimal
        return minorUnits(decimalText: NSDecimalString(&value, Locale(identifier: "en_US_POSIX")))
    }
}

/// An amount on the wire as a JSON number in major units (reais), held as integer minor
/// units (minor units). A number with a fraction of a centavo does not decode.
public struct DecimalAmount: Codable, Sendable, Equatable, Hashable {
    public var minorUnits: Int

    public init(minorUnits: Int) { self.minorUnits = minorUnits }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let decimal: Decimal
        if let text = try? container.decode(String.self) {
            guard let units = DecimalMoney.minorUnits(decimalText: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a BRL amount")
            }
            minorUnits = units
            return
        }
        decimal = try container.decode(Decimal.self)
        guard let units = DecimalMoney.minorUnits(decimal) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a whole number of minor units")
        }
        minorUnits = units
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(DecimalMoney.decimal(minorUnits: minorUnits))
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
