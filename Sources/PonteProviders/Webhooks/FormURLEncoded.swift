/// Parsing of `application/x-www-form-urlencoded` text (form bodies and URL query strings).
public enum FormURLEncoded {
    /// The name/value pairs of `bytes`, in order; names may repeat.
    ///
    /// `+` decodes to a space and `%XX` to the byte XX; a malformed `%` escape
    /// is kept literally. A pair without `=` has an empty value. Decoded bytes
    /// are read as UTF-8, invalid sequences becoming U+FFFD.
    public static func parse(_ bytes: some Collection<UInt8>) -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        for segment in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            if let equals = segment.firstIndex(of: UInt8(ascii: "=")) {
                let name = decode(segment[segment.startIndex..<equals])
                let value = decode(segment[segment.index(after: equals)...])
                pairs.append((name: name, value: value))
            } else {
                pairs.append((name: decode(segment), value: ""))
            }
        }
        return pairs
    }

    /// The pairs of the query string of `url` (after the first `?`, before any `#`).
    public static func queryParameters(ofURL url: String) -> [(name: String, value: String)] {
        let bytes = url.utf8
        guard let question = bytes.firstIndex(of: UInt8(ascii: "?")) else { return [] }
        let afterQuestion = bytes[bytes.index(after: question)...]
        let queryEnd = afterQuestion.firstIndex(of: UInt8(ascii: "#")) ?? bytes.endIndex
        return parse(bytes[bytes.index(after: question)..<queryEnd])
    }

    /// The first value named `name` in `pairs`.
    public static func first(_ name: String, in pairs: [(name: String, value: String)]) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// `pairs` as a form body or query string: letters, digits and `-._~` as they are, a
    /// space as `+`, every other UTF-8 byte as `%XX` (upper-case hex).
    public static func encode(_ pairs: [(name: String, value: String)]) -> String {
        var output: [UInt8] = []
        for (index, pair) in pairs.enumerated() {
            if index > 0 { output.append(UInt8(ascii: "&")) }
            encode(pair.name, into: &output)
            output.append(UInt8(ascii: "="))
            encode(pair.value, into: &output)
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static let upperHex = Array("0123456789ABCDEF".utf8)

    private static func encode(_ text: String, into output: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                output.append(byte)
            case UInt8(ascii: " "):
                output.append(UInt8(ascii: "+"))
            default:
                output += [UInt8(ascii: "%"), upperHex[Int(byte >> 4)], upperHex[Int(byte & 0x0F)]]
            }
        }
    }

    private static func decode(_ encoded: some Collection<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(encoded.count)
        var index = encoded.startIndex
        while index != encoded.endIndex {
            let byte = encoded[index]
            if byte == UInt8(ascii: "+") {
                output.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"),
                let high = encoded.index(index, offsetBy: 1, limitedBy: encoded.endIndex),
                high != encoded.endIndex,
                let low = encoded.index(high, offsetBy: 1, limitedBy: encoded.endIndex),
                low != encoded.endIndex,
                let highValue = hexValue(encoded[high]),
                let lowValue = hexValue(encoded[low])
            {
                output.append(highValue << 4 | lowValue)
                index = low
            } else {
                output.append(byte)
            }
            index = encoded.index(after: index)
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
