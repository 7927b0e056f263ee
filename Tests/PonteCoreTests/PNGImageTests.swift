import Foundation
import Testing

@testable import PonteCore

/// A PNG file read back chunk by chunk, checking each chunk's CRC.
private struct PNGChunks {
    var chunks: [(type: String, content: [UInt8])] = []

    init(_ data: Data) {
        let bytes = [UInt8](data)
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var offset = 8
        while offset < bytes.count {
            let length = Int(bigEndian32(bytes, offset))
            let typeAndContent = Array(bytes[offset + 4..<offset + 8 + length])
            #expect(bigEndian32(bytes, offset + 8 + length) == CRC32.checksum(typeAndContent))
            let type = String(decoding: typeAndContent.prefix(4), as: UTF8.self)
            chunks.append((type, Array(typeAndContent.dropFirst(4))))
            offset += 12 + length
        }
    }

    func content(of type: String) -> [UInt8] {
        chunks.first { $0.type == type }?.content ?? []
    }
}

private func bigEndian32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
}

/// The payload of a zlib stream made of stored deflate blocks, checking headers and Adler-32.
private func unwrapStoredZlib(_ stream: [UInt8]) -> (payload: [UInt8], blockCount: Int) {
    #expect((Int(stream[0]) << 8 | Int(stream[1])) % 31 == 0)
    #expect(stream[0] & 0x0F == 8)  // deflate
    var payload: [UInt8] = []
    var offset = 2
    var blocks = 0
    var final = false
    while !final {
        final = stream[offset] & 1 == 1
        #expect(stream[offset] >> 1 & 0b11 == 0)  // stored
        let length = Int(stream[offset + 1]) | Int(stream[offset + 2]) << 8
        let complement = Int(stream[offset + 3]) | Int(stream[offset + 4]) << 8
        #expect(length ^ complement == 0xFFFF)
        payload += stream[offset + 5..<offset + 5 + length]
        offset += 5 + length
        blocks += 1
    }
    #expect(bigEndian32(stream, offset) == Adler32.checksum(payload))
    #expect(offset + 4 == stream.count)
    return (payload, blocks)
}

/// `PNGImage`: 1-bit grayscale PNG files written without a compressor.
@Suite struct PNGImageTests {
    @Test func crc32HasItsCheckValue() {
        #expect(CRC32.checksum("123456789".utf8) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        var running = CRC32()
        running.update("1234".utf8)
        running.update("56789".utf8)
        #expect(running.value == 0xCBF4_3926)
    }

    @Test func adler32HasItsCheckValue() {
        #expect(Adler32.checksum("Wikipedia".utf8) == 0x11E6_0398)
        #expect(Adler32.checksum([UInt8]()) == 1)
    }

    @Test func imageHasSignatureHeaderDataAndEndChunks() throws {
        let image = try PNGImage(width: 3, height: 2) { x, y in (x + y) % 2 == 0 }
        let png = PNGChunks(image.data)
        #expect(png.chunks.map(\.type) == ["IHDR", "IDAT", "IEND"])
        #expect(png.content(of: "IHDR") == [0, 0, 0, 3, 0, 0, 0, 2, 1, 0, 0, 0, 0])
        #expect(png.content(of: "IEND").isEmpty)
        // Two scanlines: filter byte 0, then pixels as bits, 1 for white: B W B → 010, W B W → 101.
        #expect(unwrapStoredZlib(png.content(of: "IDAT")).payload == [0, 0b0100_0000, 0, 0b1010_0000])
    }

    @Test func largeImageDataSpansSeveralStoredBlocks() throws {
        let image = try PNGImage(width: 1200, height: 600) { x, _ in x % 3 == 0 }
        let (payload, blocks) = unwrapStoredZlib(PNGChunks(image.data).content(of: "IDAT"))
        #expect(payload.count == (1 + 150) * 600)
        #expect(blocks == 2)
        #expect(Array(payload.prefix(3)) == [0, 0b0110_1101, 0b1011_0110])
    }

    @Test func qrCodeIsDrawnWithAQuietZoneAtTheGivenScale() throws {
        let qr = try QRCode.encode(text: BRCodeTests.ownExample + "D197", correction: .medium)
        let image = try PNGImage(qrCode: qr, scale: 3)
        #expect(image.width == (qr.size + 8) * 3)
        #expect(image.height == image.width)

        let bytesPerRow = (image.width + 7) / 8
        let (payload, _) = unwrapStoredZlib(PNGChunks(image.data).content(of: "IDAT"))
        func isBlack(_ x: Int, _ y: Int) -> Bool {
            payload[y * (1 + bytesPerRow) + 1 + x / 8] & (0x80 >> UInt8(x % 8)) == 0
        }
        for y in 0..<image.height {
            #expect(payload[y * (1 + bytesPerRow)] == 0)  // filter type None
            for x in 0..<image.width {
                let moduleX = x / 3 - 4
                let moduleY = y / 3 - 4
                let inside = (0..<qr.size).contains(moduleX) && (0..<qr.size).contains(moduleY)
                let expected = inside && qr.isDark(x: moduleX, y: moduleY)
                if isBlack(x, y) != expected {
                    Issue.record("pixel (\(x), \(y)) differs from its module")
                    return
                }
            }
        }
    }

    @Test func invalidSizesAreRejected() throws {
        let qr = try QRCode.encode(text: "Ponte")
        #expect(throws: PNGImageError.invalidScale(scale: 0, quietZone: 4)) {
            try PNGImage(qrCode: qr, scale: 0)
        }
        #expect(throws: PNGImageError.invalidDimensions(width: 0, height: 1)) {
            try PNGImage(width: 0, height: 1) { _, _ in false }
        }
    }
}
