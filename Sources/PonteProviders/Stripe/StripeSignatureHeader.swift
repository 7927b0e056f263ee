/// The parsed items of a `Stripe-Signature` header value.
///
/// Parsed on bytes, without regex or substring bridging, because Stripe
/// verification sits on the benchmarked ingest path.
struct StripeSignatureHeader {
    /// The `t` value exactly as sent (decimal digits); this is what was signed.
    var timestampDigits: ArraySlice<UInt8>
    /// The `t` value as Unix seconds.
    var timestamp: Int
    /// Every `v1` value, in order.
    var v1Signatures: [ArraySlice<UInt8>]

    /// Parses `t=…,v1=…,v1=…`: the first `t` wins; keys other than `t` and `v1` (e.g. `v0`) are ignored.
    init(parsing bytes: [UInt8]) throws(WebhookRejection) {
        var timestampDigits: ArraySlice<UInt8>?
        var signatures: [ArraySlice<UInt8>] = []
        for item in bytes.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true) {
            guard let equals = item.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let key = ASCII.trimmed(item[item.startIndex..<equals])
            let value = ASCII.trimmed(item[(equals + 1)...])
            if key.count == 1, key.first == UInt8(ascii: "t") {
                if timestampDigits == nil { timestampDigits = value }
            } else if key.count == 2, key.first == UInt8(ascii: "v"), key.last == UInt8(ascii: "1") {
                signatures.append(value)
            }
        }
        guard let timestampDigits else {
            throw .signatureInvalid("Stripe-Signature header has no t= timestamp")
        }
        guard let timestamp = ASCII.parseUnsignedInt(timestampDigits) else {
            throw .signatureInvalid("Stripe-Signature timestamp is not an integer")
        }
        guard !signatures.isEmpty else {
            throw .signatureInvalid("Stripe-Signature header has no v1 signature")
        }
        self.timestampDigits = timestampDigits
        self.timestamp = timestamp
        self.v1Signatures = signatures
    }
}
