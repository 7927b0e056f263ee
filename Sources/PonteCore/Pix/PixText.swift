import Foundation

/// Text and amount rules of BR Code fields.
enum PixText {
    /// Letters that do not decompose into an ASCII letter plus accents.
    private static let replacements: [Character: String] = [
        "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O",
        "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH",
    ]

    /// `text` reduced to printable ASCII: accents stripped ("São" → "Sao"), runs of whitespace
    /// collapsed to one space, anything else non-ASCII dropped; trimmed.
    static func asciiFolded(_ text: String) -> String {
        var result = ""
        var pendingSpace = false
        for character in text {
            if character.isWhitespace {
                pendingSpace = !result.isEmpty
                continue
            }
            let ascii: String
            if let replacement = replacements[character] {
                ascii = replacement
            } else {
                // Canonical decomposition splits "ã" into "a" and a combining tilde; keep the "a".
                ascii = String(
                    String.UnicodeScalarView(
                        String(character).decomposedStringWithCanonicalMapping.unicodeScalars
                            .filter { (0x21...0x7E).contains($0.value) }))
            }
            guard !ascii.isEmpty else { continue }
            if pendingSpace { result.append(" ") }
            pendingSpace = false
            result += ascii
        }
        return result
    }

    /// The first `limit` characters of `text`, without trailing spaces.
    static func truncated(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        var cut = String(text.prefix(limit))
        while cut.last == " " { cut.removeLast() }
        return cut
    }

    /// True when every character is ASCII 0x20...0x7E.
    static func isPrintableASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { (0x20...0x7E).contains($0) }
    }
}

/// Field 54: an amount in reais with a `.` and exactly the cents, e.g. `"10.50"`.
/// Amounts are integer centavos throughout; no floating point is involved.
enum PixAmount {
    /// EMV limits the amount field to 13 characters.
    static let maximumLength = 13

    /// `cents` written as field 54 expects: 1050 → `"10.50"`, 5 → `"0.05"`.
    static func format(cents: Int) throws(BRCodeError) -> String {
        guard cents > 0 else { throw .invalidAmount(cents: cents) }
        let remainder = cents % 100
        let text = "\(cents / 100)." + (remainder < 10 ? "0\(remainder)" : "\(remainder)")
        guard text.count <= maximumLength else { throw .invalidAmount(cents: cents) }
        return text
    }

    /// Reads field 54 back into cents: digits, optionally a `.` and at most two decimals.
    static func parse(_ text: String) -> Int? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), text.count <= maximumLength,
            parts.allSatisfy({
                $0.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
            }),
            let reais = Int(parts[0])
        else { return nil }
        var cents = 0
        if parts.count == 2 {
            let decimals = parts[1]
            guard (1...2).contains(decimals.count), let value = Int(decimals) else { return nil }
            cents = decimals.count == 1 ? value * 10 : value
        }
        return reais * 100 + cents
    }
}
