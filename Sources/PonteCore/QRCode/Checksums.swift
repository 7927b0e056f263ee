/// CRC-32 as PNG chunks (and zlib, gzip, Ethernet) use it: reflected polynomial 0xEDB88320,
/// initial value and final XOR 0xFFFFFFFF. The check value over `123456789` is 0xCBF43926.
public struct CRC32: Sendable {
    public private(set) var value: UInt32 = 0

    private var register: UInt32 = 0xFFFF_FFFF

    public init() {}

    /// The CRC-32 of `bytes`.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc = CRC32()
        crc.update(bytes)
        return crc.value
    }

    /// Adds `bytes` to the running checksum.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            register = Self.table[Int((register ^ UInt32(byte)) & 0xFF)] ^ (register >> 8)
        }
        value = register ^ 0xFFFF_FFFF
    }

    /// The CRC of each single byte value, one division step per bit.
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 {
            crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1
        }
        return crc
    }
}

/// Adler-32, the checksum that ends a zlib stream (RFC 1950, 8.2): two sums modulo 65521.
/// The check value over `Wikipedia` is 0x11E60398.
public enum Adler32 {
    /// The Adler-32 of `bytes`.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return b << 16 | a
    }
}
