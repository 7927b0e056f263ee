/// Reed–Solomon error-correction codewords as QR codes use them (ISO/IEC 18004, 7.5.2):
/// arithmetic in GF(2^8) modulo x^8 + x^4 + x^3 + x^2 + 1 (0x11D), generator polynomial
/// (x - α^0)(x - α^1)…(x - α^(n-1)) with α = 2.
struct ReedSolomon {
    /// Generator coefficients, highest degree first; the leading 1 is included.
    private let generator: [UInt8]

    /// An encoder producing `degree` error-correction codewords per block.
    init(degree: Int) {
        var polynomial: [UInt8] = [1]
        for power in 0..<degree {
            // Multiply by (x + α^power); in GF(2^8) subtraction is addition.
            let root = GaloisField.exp[power]
            var product = polynomial + [0]
            for (index, coefficient) in polynomial.enumerated() {
                product[index + 1] ^= GaloisField.multiply(coefficient, root)
            }
            polynomial = product
        }
        generator = polynomial
    }

    /// The error-correction codewords of `data`: the remainder of data(x)·x^n divided by the generator.
    func remainder(of data: some Sequence<UInt8>) -> [UInt8] {
        let degree = generator.count - 1
        var remainder = [UInt8](repeating: 0, count: degree)
        for byte in data {
            let factor = byte ^ remainder[0]
            remainder.removeFirst()
            remainder.append(0)
            for index in 0..<degree {
                remainder[index] ^= GaloisField.multiply(generator[index + 1], factor)
            }
        }
        return remainder
    }
}

/// GF(2^8) with the QR code's primitive polynomial 0x11D, via exponent and logarithm tables.
enum GaloisField {
    /// exp[i] = α^i for i in 0..<255.
    static let exp: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 255)
        var value = 1
        for index in 0..<255 {
            table[index] = UInt8(value)
            value <<= 1
            if value & 0x100 != 0 { value ^= 0x11D }
        }
        return table
    }()

    /// log[α^i] = i; log[0] is unused.
    static let log: [Int] = {
        var table = [Int](repeating: 0, count: 256)
        for (power, value) in exp.enumerated() { table[Int(value)] = power }
        return table
    }()

    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        guard a != 0, b != 0 else { return 0 }
        return exp[(log[Int(a)] + log[Int(b)]) % 255]
    }
}
