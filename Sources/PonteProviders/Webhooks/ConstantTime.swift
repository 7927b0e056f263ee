import Crypto

/// Comparisons whose running time does not depend on the contents being compared.
public enum ConstantTime {
    /// Whether two byte sequences are equal; the time depends only on their lengths.
    ///
    /// Lengths of signatures are public (fixed by the algorithm), so an
    /// early return on a length mismatch leaks nothing secret.
    static func equal<A: Collection<UInt8>, B: Collection<UInt8>>(_ lhs: A, _ rhs: B) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(lhs, rhs) {
            difference |= a ^ b
        }
        return difference == 0
    }

    /// Whether two SHA-256 digests are equal, in constant time.
    ///
    /// Used for static shared tokens: comparing digests instead of the tokens
    /// themselves hides the token's length as well as its contents.
    static func equal(_ lhs: SHA256.Digest, _ rhs: SHA256.Digest) -> Bool {
        equal(Array(lhs), Array(rhs))
    }

    /// Whether a credential someone presented is the expected one: their SHA-256 digests
    /// compared in constant time, so neither the secret's contents nor its length leak.
    public static func secretsEqual(_ presented: String, _ expected: String) -> Bool {
        equal(SHA256.hash(data: Array(presented.utf8)), SHA256.hash(data: Array(expected.utf8)))
    }
}
