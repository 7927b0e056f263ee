import Foundation

/// A Brazilian individual taxpayer number (Cadastro de Pessoas Físicas), which Asaas needs to
/// charge a customer. Held as its 11 digits.
public struct CPF: Sendable, Hashable, CustomStringConvertible {
    /// The 11 digits, without punctuation: `12345678909`.
    public let digits: String

    /// The CPF written in `text`, either punctuated (`123.456.789-09`) or as 11 digits
    /// (`12345678909`), with any surrounding whitespace ignored; nil for any other shape, for
    /// one digit repeated eleven times (`111.111.111-11`, whose check digits match but which
    /// is not issued), and when the two check digits do not match.
    public init?(_ text: String) {
        let bytes = Array(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        let separators: [Int: UInt8] = [3: UInt8(ascii: "."), 7: UInt8(ascii: "."), 11: UInt8(ascii: "-")]
        let digitBytes: [UInt8]
        switch bytes.count {
        case 11:
            digitBytes = bytes
        case 14 where separators.allSatisfy({ bytes[$0.key] == $0.value }):
            digitBytes = bytes.indices.filter { separators[$0] == nil }.map { bytes[$0] }
        default:
            return nil
        }
        guard digitBytes.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        let values = digitBytes.map { Int($0 - UInt8(ascii: "0")) }
        guard Set(values).count > 1,
            Self.checkDigit(of: values[0..<9]) == values[9],
            Self.checkDigit(of: values[0..<10]) == values[10]
        else { return nil }
        digits = String(decoding: digitBytes, as: UTF8.self)
    }

    /// `123.456.789-09`.
    public var formatted: String {
        let d = Array(digits)
        return String(d[0..<3]) + "." + String(d[3..<6]) + "." + String(d[6..<9]) + "-" + String(d[9..<11])
    }

    public var description: String { formatted }

    /// The digit that follows `prefix` (9 or 10 digits): with weights counting down from
    /// `prefix.count + 1` to 2, it is 11 minus the weighted sum modulo 11, or 0 when that
    /// remainder is 0 or 1.
    private static func checkDigit(of prefix: ArraySlice<Int>) -> Int {
        var sum = 0
        var weight = prefix.count + 1
        for digit in prefix {
            sum += digit * weight
            weight -= 1
        }
        let remainder = sum % 11
        return remainder < 2 ? 0 : 11 - remainder
    }
}
