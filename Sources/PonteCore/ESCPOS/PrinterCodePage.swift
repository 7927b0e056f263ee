import Foundation

/// Text in one of the printers' 8-bit code pages: ESC/POS printers take bytes, not UTF-8.
///
/// CP860 (Portuguese) is the default: it has every letter of Portuguese (ã õ ç á é í ó ú â ê ô
/// à, ª º). Its table is IBM code page 860, byte for byte as Python's `cp860` codec decodes
/// it; that Epson's PC860 equals it is assumed (PROVIDERS.md 13.3).
public enum PrinterCodePage: String, Sendable, Codable, CaseIterable {
    case cp860 = "CP860"
    case pc437 = "PC437"

    /// `n` of `ESC t n` in Epson's numbering (PC437 = 0, PC860 = 3); Star printers number them
    /// otherwise (PC860 = 6).
    public var escTNumber: UInt8 {
        switch self {
        case .cp860: 3
        case .pc437: 0
        }
    }

    /// The bytes of `text`: ASCII as is, other characters from the table; a character the table
    /// lacks is printed as its plain form when there is one (`—` → `-`, `“` → `"`, `ž` → `z`),
    /// else as `?`.
    public func encode(_ text: String) -> [UInt8] {
        let table = self.table
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for character in text {
            if let byte = Self.byte(character, in: table) {
                bytes.append(byte)
                continue
            }
            let plain = Self.plainPunctuation[character]
                ?? String(character).folding(options: [.diacriticInsensitive, .widthInsensitive], locale: nil)
            var appended = false
            for folded in plain where !appended {
                if let byte = Self.byte(folded, in: table) {
                    bytes.append(byte)
                    appended = true
                }
            }
            if !appended { bytes.append(UInt8(ascii: "?")) }
        }
        return bytes
    }

    /// Typographic punctuation no code page here has, as the ASCII a printer can show.
    private static let plainPunctuation: [Character: String] = [
        "\u{2013}": "-", "\u{2014}": "-", "\u{2018}": "'", "\u{2019}": "'", "\u{201C}": "\"", "\u{201D}": "\"",
        "\u{2026}": "...", "\u{2022}": "*", "\u{20AC}": "EUR",
    ]

    private static func byte(_ character: Character, in table: [Unicode.Scalar: UInt8]) -> UInt8? {
        guard character.unicodeScalars.count == 1, let scalar = character.unicodeScalars.first else { return nil }
        if scalar.value < 0x80 { return UInt8(scalar.value) }
        return table[scalar]
    }

    private var table: [Unicode.Scalar: UInt8] {
        switch self {
        case .cp860: Self.cp860Bytes
        case .pc437: Self.pc437Bytes
        }
    }

    private static let cp860Bytes = reverse(cp860Upper)
    private static let pc437Bytes = reverse(pc437Upper)

    private static func reverse(_ upper: [Unicode.Scalar]) -> [Unicode.Scalar: UInt8] {
        var table: [Unicode.Scalar: UInt8] = [:]
        for (offset, scalar) in upper.enumerated() where table[scalar] == nil {
            table[scalar] = UInt8(0x80 + offset)
        }
        return table
    }

    /// Bytes 0x80–0xFF of code page 860.
    private static let cp860Upper: [Unicode.Scalar] = [
        "\u{00C7}", "\u{00FC}", "\u{00E9}", "\u{00E2}", "\u{00E3}", "\u{00E0}", "\u{00C1}", "\u{00E7}", "\u{00EA}", "\u{00CA}", "\u{00E8}", "\u{00CD}", "\u{00D4}", "\u{00EC}", "\u{00C3}", "\u{00C2}",
        "\u{00C9}", "\u{00C0}", "\u{00C8}", "\u{00F4}", "\u{00F5}", "\u{00F2}", "\u{00DA}", "\u{00F9}", "\u{00CC}", "\u{00D5}", "\u{00DC}", "\u{00A2}", "\u{00A3}", "\u{00D9}", "\u{20A7}", "\u{00D3}",
        "\u{00E1}", "\u{00ED}", "\u{00F3}", "\u{00FA}", "\u{00F1}", "\u{00D1}", "\u{00AA}", "\u{00BA}", "\u{00BF}", "\u{00D2}", "\u{00AC}", "\u{00BD}", "\u{00BC}", "\u{00A1}", "\u{00AB}", "\u{00BB}",
        "\u{2591}", "\u{2592}", "\u{2593}", "\u{2502}", "\u{2524}", "\u{2561}", "\u{2562}", "\u{2556}", "\u{2555}", "\u{2563}", "\u{2551}", "\u{2557}", "\u{255D}", "\u{255C}", "\u{255B}", "\u{2510}",
        "\u{2514}", "\u{2534}", "\u{252C}", "\u{251C}", "\u{2500}", "\u{253C}", "\u{255E}", "\u{255F}", "\u{255A}", "\u{2554}", "\u{2569}", "\u{2566}", "\u{2560}", "\u{2550}", "\u{256C}", "\u{2567}",
        "\u{2568}", "\u{2564}", "\u{2565}", "\u{2559}", "\u{2558}", "\u{2552}", "\u{2553}", "\u{256B}", "\u{256A}", "\u{2518}", "\u{250C}", "\u{2588}", "\u{2584}", "\u{258C}", "\u{2590}", "\u{2580}",
        "\u{03B1}", "\u{00DF}", "\u{0393}", "\u{03C0}", "\u{03A3}", "\u{03C3}", "\u{00B5}", "\u{03C4}", "\u{03A6}", "\u{0398}", "\u{03A9}", "\u{03B4}", "\u{221E}", "\u{03C6}", "\u{03B5}", "\u{2229}",
        "\u{2261}", "\u{00B1}", "\u{2265}", "\u{2264}", "\u{2320}", "\u{2321}", "\u{00F7}", "\u{2248}", "\u{00B0}", "\u{2219}", "\u{00B7}", "\u{221A}", "\u{207F}", "\u{00B2}", "\u{25A0}", "\u{00A0}",
    ]

    /// Bytes 0x80–0xFF of code page 437.
    private static let pc437Upper: [Unicode.Scalar] = [
        "\u{00C7}", "\u{00FC}", "\u{00E9}", "\u{00E2}", "\u{00E4}", "\u{00E0}", "\u{00E5}", "\u{00E7}", "\u{00EA}", "\u{00EB}", "\u{00E8}", "\u{00EF}", "\u{00EE}", "\u{00EC}", "\u{00C4}", "\u{00C5}",
        "\u{00C9}", "\u{00E6}", "\u{00C6}", "\u{00F4}", "\u{00F6}", "\u{00F2}", "\u{00FB}", "\u{00F9}", "\u{00FF}", "\u{00D6}", "\u{00DC}", "\u{00A2}", "\u{00A3}", "\u{00A5}", "\u{20A7}", "\u{0192}",
        "\u{00E1}", "\u{00ED}", "\u{00F3}", "\u{00FA}", "\u{00F1}", "\u{00D1}", "\u{00AA}", "\u{00BA}", "\u{00BF}", "\u{2310}", "\u{00AC}", "\u{00BD}", "\u{00BC}", "\u{00A1}", "\u{00AB}", "\u{00BB}",
        "\u{2591}", "\u{2592}", "\u{2593}", "\u{2502}", "\u{2524}", "\u{2561}", "\u{2562}", "\u{2556}", "\u{2555}", "\u{2563}", "\u{2551}", "\u{2557}", "\u{255D}", "\u{255C}", "\u{255B}", "\u{2510}",
        "\u{2514}", "\u{2534}", "\u{252C}", "\u{251C}", "\u{2500}", "\u{253C}", "\u{255E}", "\u{255F}", "\u{255A}", "\u{2554}", "\u{2569}", "\u{2566}", "\u{2560}", "\u{2550}", "\u{256C}", "\u{2567}",
        "\u{2568}", "\u{2564}", "\u{2565}", "\u{2559}", "\u{2558}", "\u{2552}", "\u{2553}", "\u{256B}", "\u{256A}", "\u{2518}", "\u{250C}", "\u{2588}", "\u{2584}", "\u{258C}", "\u{2590}", "\u{2580}",
        "\u{03B1}", "\u{00DF}", "\u{0393}", "\u{03C0}", "\u{03A3}", "\u{03C3}", "\u{00B5}", "\u{03C4}", "\u{03A6}", "\u{0398}", "\u{03A9}", "\u{03B4}", "\u{221E}", "\u{03C6}", "\u{03B5}", "\u{2229}",
        "\u{2261}", "\u{00B1}", "\u{2265}", "\u{2264}", "\u{2320}", "\u{2321}", "\u{00F7}", "\u{2248}", "\u{00B0}", "\u{2219}", "\u{00B7}", "\u{221A}", "\u{207F}", "\u{00B2}", "\u{25A0}", "\u{00A0}",
    ]
}
