import Foundation

/// A black-and-white image as a PNG file: 1-bit grayscale, no interlacing (PNG specification,
/// third edition). The image data is one zlib stream of stored blocks, so no compressor is needed.
public struct PNGImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// The complete file: signature, IHDR, IDAT, IEND.
    public let data: Data

    /// The largest width or height PNG allows.
    public static let maximumDimension = Int(Int32.max)

    /// Draws the image pixel by pixel; `isBlack(x, y)` is asked once per pixel, row by row.
    public init(width: Int, height: Int, isBlack: (_ x: Int, _ y: Int) -> Bool) throws(PNGImageError) {
        guard (1...Self.maximumDimension).contains(width), (1...Self.maximumDimension).contains(height)
        else {
            throw .invalidDimensions(width: width, height: height)
        }
        self.width = width
        self.height = height

        // Each scanline: filter type 0 (none), then 8 pixels per byte, most significant bit
        // first; in 1-bit grayscale 0 is black and 1 is white.
        let bytesPerRow = (width + 7) / 8
        var scanlines = [UInt8](repeating: 0, count: (1 + bytesPerRow) * height)
        for y in 0..<height {
            let rowStart = y * (1 + bytesPerRow) + 1
            for x in 0..<width where !isBlack(x, y) {
                scanlines[rowStart + x / 8] |= 0x80 >> UInt8(x % 8)
            }
        }

        var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header: [UInt8] = []
        header.appendBigEndian(UInt32(width))
        header.appendBigEndian(UInt32(height))
        // Bit depth 1, colour type 0 (grayscale), compression 0, filter method 0, no interlace.
        header.append(contentsOf: [1, 0, 0, 0, 0])
        Self.appendChunk("IHDR", header, to: &file)
        Self.appendChunk("IDAT", ZlibStoredStream.wrap(scanlines), to: &file)
        Self.appendChunk("IEND", [], to: &file)
        self.data = Data(file)
    }

    /// A chunk: length, type, data, and the CRC-32 of type and data.
    private static func appendChunk(_ type: String, _ content: [UInt8], to file: inout [UInt8]) {
        file.appendBigEndian(UInt32(content.count))
        let typeAndContent = Array(type.utf8) + content
        file.append(contentsOf: typeAndContent)
        file.appendBigEndian(CRC32.checksum(typeAndContent))
    }
}

extension [UInt8] {
    /// Appends `value` most significant byte first, the byte order of PNG and zlib.
    mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [
            UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF),
        ])
    }
}

extension PNGImage {
    /// `qrCode` drawn black on white, `scale` pixels per module, with a light margin of
    /// `quietZone` modules on every side (the standard asks for at least 4).
    public init(qrCode: QRCode, scale: Int = 8, quietZone: Int = 4) throws(PNGImageError) {
        guard scale >= 1, quietZone >= 0 else {
            throw .invalidScale(scale: scale, quietZone: quietZone)
        }
        let side = (qrCode.size + 2 * quietZone) * scale
        try self.init(width: side, height: side) { x, y in
            let moduleX = x / scale - quietZone
            let moduleY = y / scale - quietZone
            return (0..<qrCode.size).contains(moduleX) && (0..<qrCode.size).contains(moduleY)
                && qrCode.isDark(x: moduleX, y: moduleY)
        }
    }
}

/// Why an image could not be made.
public enum PNGImageError: Error, Equatable, CustomStringConvertible {
    /// Width and height must be 1...2^31-1.
    case invalidDimensions(width: Int, height: Int)
    /// The scale must be at least 1 and the quiet zone not negative.
    case invalidScale(scale: Int, quietZone: Int)

    public var description: String {
        switch self {
        case .invalidDimensions(let width, let height):
            "PNG: \(width)×\(height) is not a valid image size"
        case .invalidScale(let scale, let quietZone):
            "PNG: scale \(scale) must be at least 1 and quiet zone \(quietZone) not negative"
        }
    }
}
