/// A Brazilian taxpayer number: a person's CPF (11 digits) or a company's CNPJ (14), each
/// ending in two check digits computed modulo 11.
enum BrazilianTaxID: Equatable {
    case cpf(String)
    case cnpj(String)

    /// The number in `text` (punctuation such as `529.982.247-25` is ignored), or nil when
    /// it has the wrong length, is one digit repeated, or its check digits do not match.
    init?(_ text: String) {
        let digits = text.compactMap(\.wholeNumberValue)
        guard text.allSatisfy({ $0.isNumber || ".-/ ".contains($0) }), Set(digits).count > 1 else { return nil }
        let string = digits.map(String.init).joined()
        switch digits.count {
        case 11 where Self.checkDigitsMatch(digits, weights: Array((2...10).reversed()), Array((2...11).reversed())):
            self = .cpf(string)
        case 14
        where Self.checkDigitsMatch(
            digits, weights: [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2], [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]):
            self = .cnpj(string)
        default:
            return nil
        }
    }

    /// The digits only.
    var digits: String {
        switch self {
        case .cpf(let digits), .cnpj(let digits): digits
        }
    }

    /// Asaas's `personType`: `FISICA` for a CPF, `JURIDICA` for a CNPJ.
    var personType: String {
        switch self {
        case .cpf: "FISICA"
        case .cnpj: "JURIDICA"
        }
    }

    /// Each check digit is 11 minus the weighted sum of the digits before it modulo 11, or 0
    /// when that is 10 or 11.
    private static func checkDigitsMatch(_ digits: [Int], weights first: [Int], _ second: [Int]) -> Bool {
        func checkDigit(_ prefix: ArraySlice<Int>, _ weights: [Int]) -> Int {
            let remainder = zip(prefix, weights).map(*).reduce(0, +) % 11
            return remainder < 2 ? 0 : 11 - remainder
        }
        let count = digits.count
        return checkDigit(digits[0..<(count - 2)], first) == digits[count - 2]
            && checkDigit(digits[0..<(count - 1)], second) == digits[count - 1]
    }
}
