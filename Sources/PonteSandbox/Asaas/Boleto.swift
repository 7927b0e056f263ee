import Foundation

/// A bank slip's 44-digit barcode and its 47-digit *linha digitável*, with FEBRABAN's
/// check digits (mod 11 for the barcode, mod 10 for each field of the line).
struct Boleto: Equatable {
    /// The 44 digits a scanner reads.
    let barcode: String

    /// - Parameters:
    ///   - bank: the 3-digit bank code.
    ///   - dueDate: `YYYY-MM-DD`.
    ///   - centavos: the amount, at most 10 digits.
    ///   - freeField: the bank's 25-digit *campo livre* (shorter is zero-padded on the left).
    init(bank: String, dueDate: String, centavos: Int, freeField: String) {
        let factor = Self.dueDateFactor(dueDate)
        let amount = String(format: "%010ld", min(max(centavos, 0), 9_999_999_999))
        let free = String(repeating: "0", count: max(0, 25 - freeField.count)) + freeField.suffix(25)
        let withoutCheck = bank + "9" + String(format: "%04ld", factor) + amount + free
        let check = Self.mod11(withoutCheck)
        barcode = bank + "9" + String(check) + String(format: "%04ld", factor) + amount + free
    }

    /// The 47 digits typed by a payer: three fields with their own check digit, the general
    /// check digit, then the due-date factor and the amount.
    var linhaDigitavel: String {
        let digits = Array(barcode)
        let field1 = String(digits[0..<4]) + String(digits[19..<24])
        let field2 = String(digits[24..<34])
        let field3 = String(digits[34..<44])
        return field1 + String(Self.mod10(field1)) + field2 + String(Self.mod10(field2)) + field3
            + String(Self.mod10(field3)) + String(digits[4]) + String(digits[5..<19])
    }

    /// Days since 1997-10-07, restarting at 1000 on 2025-02-22 (the factor reached 9999 the
    /// day before); 0 when the date cannot be read.
    static func dueDateFactor(_ dueDate: String) -> Int {
        guard let day = BrazilTime.day(dueDate) else { return 0 }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        guard let date = calendar.date(from: day),
            let base = calendar.date(from: DateComponents(year: 1997, month: 10, day: 7)),
            let reset = calendar.date(from: DateComponents(year: 2025, month: 2, day: 22)),
            let sinceBase = calendar.dateComponents([.day], from: base, to: date).day,
            let sinceReset = calendar.dateComponents([.day], from: reset, to: date).day
        else { return 0 }
        return sinceReset >= 0 ? 1000 + sinceReset % 9000 : sinceBase
    }

    /// Weights 2…9 from the right; 11 − (sum mod 11), with 0, 10 and 11 written as 1.
    static func mod11(_ digits: String) -> Int {
        var sum = 0
        for (index, digit) in digits.reversed().compactMap(\.wholeNumberValue).enumerated() {
            sum += digit * (2 + index % 8)
        }
        let result = 11 - sum % 11
        return (result == 0 || result >= 10) ? 1 : result
    }

    /// Weights 2, 1, 2, … from the right, products above 9 reduced to their digit sum.
    static func mod10(_ digits: String) -> Int {
        var sum = 0
        for (index, digit) in digits.reversed().compactMap(\.wholeNumberValue).enumerated() {
            let product = digit * (index % 2 == 0 ? 2 : 1)
            sum += product > 9 ? product - 9 : product
        }
        return (10 - sum % 10) % 10
    }
}
