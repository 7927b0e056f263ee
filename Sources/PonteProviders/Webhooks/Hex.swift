/// Lowercase hexadecimal encoding of bytes.
public enum Hex {
    /// The lowercase hex digits of `bytes` as ASCII bytes.
    static func encode(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            output.append(digit(byte >> 4))
            output.append(digit(byte & 0x0F))
        }
        return output
    }

    /// The lowercase hex digits of `bytes` as a string.
    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        String(decoding: encode(bytes), as: UTF8.self)
    }

    // Branch-free so that encoding a secret MAC does not time-depend on its value:
    // for n in 10...15, (9 &- n) >> 7 is 1 and moves '0'+n up to 'a'+(n-10).
    @inline(__always)
    private static func digit(_ nibble: UInt8) -> UInt8 {
        UInt8(ascii: "0") &+ nibble &+ ((9 &- nibble) >> 7) &* 0x27
    }
}
