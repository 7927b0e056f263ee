/// A customer's phone number in E.164 form (`+5511987654321`), the form WhatsApp and Twilio
/// address people by.
public struct PhoneNumber: Sendable, Hashable, CustomStringConvertible {
    /// `+` and the digits: `+5511987654321`.
    public let e164: String

    /// The number in `text` when it is E.164: `+`, then 8 to 15 ASCII digits, the first not 0.
    /// Nothing else is accepted: no spaces, dashes or parentheses, no national form
    /// (`11 98765-4321`), no channel prefix (`whatsapp:` belongs to Twilio's addresses).
    public init?(_ text: String) {
        let bytes = text.utf8
        guard bytes.first == UInt8(ascii: "+") else { return nil }
        let digits = bytes.dropFirst()
        guard (8...15).contains(digits.count), digits.first != UInt8(ascii: "0"),
            digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        e164 = text
    }

    public var description: String { e164 }
}
