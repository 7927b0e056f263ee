/// A zlib stream (RFC 1950) whose deflate data (RFC 1951) is stored, not compressed: valid for any
/// reader, simple to write, and as large as its input plus 5 bytes per 65,535.
enum ZlibStoredStream {
    /// The largest payload of one stored deflate block (its length field is 16 bits).
    static let maximumBlockLength = 65_535

    static func wrap(_ bytes: [UInt8]) -> [UInt8] {
        // CMF 0x78: deflate with a 32 KiB window. FLG 0x01: no dictionary, fastest level, and
        // check bits making CMF·256 + FLG a multiple of 31.
        var stream: [UInt8] = [0x78, 0x01]
        stream.reserveCapacity(bytes.count + bytes.count / maximumBlockLength * 5 + 16)
        var start = 0
        repeat {
            let end = min(start + maximumBlockLength, bytes.count)
            let length = UInt16(end - start)
            // Block header: BFINAL on the last block, BTYPE 00 (stored), padded to a byte.
            stream.append(end == bytes.count ? 0x01 : 0x00)
            stream.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
            stream.append(contentsOf: [UInt8(~length & 0xFF), UInt8(~length >> 8)])
            stream.append(contentsOf: bytes[start..<end])
            start = end
        } while start < bytes.count
        stream.appendBigEndian(Adler32.checksum(bytes))
        return stream
    }
}
