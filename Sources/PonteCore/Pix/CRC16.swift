/// CRC-16/CCITT-FALSE, the checksum that closes a BR Code (field 63).
///
/// Parameters from the BCB Pix manual: polynomial 0x1021, initial value 0xFFFF, no input or
/// output reflection, no final XOR. The check value over the ASCII bytes of `123456789` is 0x29B1.
public enum CRC16 {
    /// The CRC-16/CCITT-FALSE of `bytes`.
    public static func ccittFalse(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0xFFFF
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 {
                crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
            }
        }
        return crc
    }

    /// `value` as the four upper-case hexadecimal digits a BR Code carries, e.g. `"0A3F"`.
    static func hexDigits(_ value: UInt16) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - hex.count) + hex
    }
}
