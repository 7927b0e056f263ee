import Crypto

/// Whether a credential a caller presented is the expected one, compared as SHA-256 digests
/// in constant time so neither the contents nor the length of the secret leak.
func secretMatches(_ presented: String, _ expected: String) -> Bool {
    let lhs = Array(SHA256.hash(data: Array(presented.utf8)))
    let rhs = Array(SHA256.hash(data: Array(expected.utf8)))
    var difference: UInt8 = 0
    for (a, b) in zip(lhs, rhs) { difference |= a ^ b }
    return difference == 0
}
