/// Reads string members of a JSON object by name, in one pass over the bytes, checking that
/// the whole document is valid JSON (RFC 8259).
///
/// A verifier needs an event's id and type, a few bytes out of a kilobyte it must still
/// refuse if malformed; a `JSONDecoder` builds a map of every value first, and cost an event
/// loop more than the signature's HMAC. Nested values are checked and skipped, never built.
enum JSONTopLevel {
    /// Why a document was refused.
    enum Failure: Error, Equatable {
        case invalid
        /// The document is valid JSON but not an object.
        case notAnObject
        /// A wanted member is neither a string nor null.
        case notAString(String)
    }

    /// Nesting deeper than this is refused (as Foundation's decoder does), so a hostile body
    /// cannot exhaust the stack.
    static let maxDepth = 512

    /// The values of the top-level members `names` (nil when absent or null). A name given
    /// twice in the document takes its last value.
    static func strings(_ names: [String], in body: [UInt8]) throws(Failure) -> [String?] {
        guard String(validating: body, as: UTF8.self) != nil else { throw .invalid }
        let wanted = names.map { Array($0.utf8) }
        let result = body.withUnsafeBufferPointer { bytes -> Result<[String?], Failure> in
            var scanner = Scanner(bytes: bytes)
            do throws(Failure) {
                return .success(try scanner.document(wanted: wanted))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        private static let quote = UInt8(ascii: "\"")
        private static let backslash = UInt8(ascii: "\\")

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        mutating func document(wanted: [[UInt8]]) throws(Failure) -> [String?] {
            var found = [String?](repeating: nil, count: wanted.count)
            var mistyped: String?
            skipWhitespace()
            guard index < bytes.count else { throw .invalid }
            guard bytes[index] == UInt8(ascii: "{") else {
                try value(depth: 1)
                try end()
                throw .notAnObject
            }
            index += 1
            if try !closesAtOnce(UInt8(ascii: "}")) {
                repeat {
                    let key = try memberName()
                    if let slot = wanted.firstIndex(where: { matches(key, $0) }) {
                        switch try peek() {
                        case Self.quote:
                            found[slot] = try text(try string())
                        case UInt8(ascii: "n"):
                            try literal("null")
                            found[slot] = nil
                        default:
                            try value(depth: 2)
                            if mistyped == nil { mistyped = String(decoding: wanted[slot], as: UTF8.self) }
                        }
                    } else {
                        try value(depth: 2)
                    }
                } while try continues(closedBy: UInt8(ascii: "}"))
            }
            try end()
            if let mistyped { throw .notAString(mistyped) }
            return found
        }

        // MARK: Values

        /// Checks and skips one value.
        private mutating func value(depth: Int) throws(Failure) {
            guard depth <= JSONTopLevel.maxDepth else { throw .invalid }
            switch try peek() {
            case UInt8(ascii: "{"):
                index += 1
                if try closesAtOnce(UInt8(ascii: "}")) { return }
                repeat {
                    _ = try memberName()
                    try value(depth: depth + 1)
                } while try continues(closedBy: UInt8(ascii: "}"))
            case UInt8(ascii: "["):
                index += 1
                if try closesAtOnce(UInt8(ascii: "]")) { return }
                repeat {
                    skipWhitespace()
                    try value(depth: depth + 1)
                } while try continues(closedBy: UInt8(ascii: "]"))
            case Self.quote:
                _ = try string()
            case UInt8(ascii: "t"):
                try literal("true")
            case UInt8(ascii: "f"):
                try literal("false")
            case UInt8(ascii: "n"):
                try literal("null")
            default:
                try number()
            }
        }

        // MARK: Containers

        /// After an opening bracket: true (and past it) when `close` follows at once.
        private mutating func closesAtOnce(_ close: UInt8) throws(Failure) -> Bool {
            skipWhitespace()
            guard try peek() == close else { return false }
            index += 1
            return true
        }

        /// An object member's name and its colon; leaves the index at the member's value.
        private mutating func memberName() throws(Failure) -> (range: Range<Int>, escaped: Bool) {
            skipWhitespace()
            guard try peek() == Self.quote else { throw .invalid }
            let name = try string()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            return name
        }

        /// After a member or element: true past a comma, false past `close`.
        private mutating func continues(closedBy close: UInt8) throws(Failure) -> Bool {
            skipWhitespace()
            let separator = try peek()
            index += 1
            if separator == UInt8(ascii: ",") { return true }
            if separator == close { return false }
            throw .invalid
        }

        /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
        private mutating func number() throws(Failure) {
            if try peek() == UInt8(ascii: "-") { index += 1 }
            let first = try peek()
            if first == UInt8(ascii: "0") {
                index += 1
            } else if isDigit(first) {
                skipDigits()
            } else {
                throw .invalid
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard isDigit(try peek()) else { throw .invalid }
                skipDigits()
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                let sign = try peek()
                if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { index += 1 }
                guard isDigit(try peek()) else { throw .invalid }
                skipDigits()
            }
        }

        private mutating func literal(_ word: StaticString) throws(Failure) {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw .invalid }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
                throw .invalid
            }
            index += count
        }

        // MARK: Strings

        /// A string's contents (between its quotes) and whether it holds escapes; checks its
        /// escapes and that it has no raw control characters.
        private mutating func string() throws(Failure) -> (range: Range<Int>, escaped: Bool) {
            index += 1  // the opening quote
            let start = index
            var escaped = false
            while true {
                let byte = try peek()
                if byte == Self.quote {
                    index += 1
                    return (start..<(index - 1), escaped)
                }
                if byte < 0x20 { throw .invalid }
                index += 1
                if byte == Self.backslash {
                    escaped = true
                    let escape = try peek()
                    index += 1
                    switch escape {
                    case Self.quote, Self.backslash, UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                        UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        continue
                    case UInt8(ascii: "u"):
                        _ = try hex4()
                    default:
                        throw .invalid
                    }
                }
            }
        }

        private mutating func hex4() throws(Failure) -> UInt32 {
            guard index + 4 <= bytes.count else { throw .invalid }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw .invalid
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }

        /// The unescaped bytes of a string `string()` checked.
        private func unescaped(_ token: (range: Range<Int>, escaped: Bool)) throws(Failure) -> [UInt8] {
            let raw = bytes[token.range]
            guard token.escaped else { return Array(raw) }
            var out: [UInt8] = []
            out.reserveCapacity(raw.count)
            var reader = Scanner(bytes: bytes)
            reader.index = token.range.lowerBound
            while reader.index < token.range.upperBound {
                let byte = bytes[reader.index]
                reader.index += 1
                guard byte == Self.backslash else {
                    out.append(byte)
                    continue
                }
                let escape = bytes[reader.index]
                reader.index += 1
                switch escape {
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try reader.hex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        // A high surrogate must be followed by an escaped low one.
                        guard reader.index + 6 <= token.range.upperBound, bytes[reader.index] == Self.backslash,
                            bytes[reader.index + 1] == UInt8(ascii: "u")
                        else { throw .invalid }
                        reader.index += 2
                        let low = try reader.hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw .invalid }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw .invalid
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw .invalid }
                    UTF8.encode(unicode) { out.append($0) }
                default:
                    out.append(escape)  // " \ /
                }
            }
            return out
        }

        private func matches(_ key: (range: Range<Int>, escaped: Bool), _ name: [UInt8]) -> Bool {
            if !key.escaped { return bytes[key.range].elementsEqual(name) }
            return (try? unescaped(key)) == name
        }

        private func text(_ token: (range: Range<Int>, escaped: Bool)) throws(Failure) -> String {
            String(decoding: try unescaped(token), as: UTF8.self)
        }

        // MARK: Bytes

        private func peek() throws(Failure) -> UInt8 {
            guard index < bytes.count else { throw .invalid }
            return bytes[index]
        }

        private mutating func expect(_ byte: UInt8) throws(Failure) {
            guard try peek() == byte else { throw .invalid }
            index += 1
        }

        private mutating func end() throws(Failure) {
            skipWhitespace()
            guard index == bytes.count else { throw .invalid }
        }

        private mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        private func isDigit(_ byte: UInt8) -> Bool {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
        }

        private mutating func skipDigits() {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
    }
}
