/// A `To` or `From` of the Messages API: a phone number, or a channel address such as
/// `whatsapp:+5511999998888`.
struct TwilioAddress: Equatable, Sendable {
    /// `whatsapp`, or nil for SMS/MMS.
    var channel: String?
    /// What follows the channel prefix: `+5511999998888`, a short code, or an alphanumeric sender ID.
    var number: String

    /// The channels the simulator knows; others are refused as invalid addresses.
    static let channels: Set<String> = ["whatsapp"]

    /// Parses `text`; nil when the channel prefix is unknown or nothing follows it.
    init?(_ text: String) {
        if let colon = text.firstIndex(of: ":") {
            let channel = text[..<colon].lowercased()
            guard Self.channels.contains(channel) else { return nil }
            self.channel = channel
            self.number = String(text[text.index(after: colon)...])
        } else {
            self.channel = nil
            self.number = text
        }
        guard !number.isEmpty else { return nil }
    }

    /// The address as Twilio writes it back.
    var text: String { channel.map { "\($0):\(number)" } ?? number }

    var isWhatsApp: Bool { channel == "whatsapp" }

    /// `+` and 8 to 15 digits, the first not 0 (E.164).
    var isE164: Bool {
        let digits = number.utf8.dropFirst()
        return number.first == "+" && (8...15).contains(digits.count) && digits.first != UInt8(ascii: "0")
            && digits.allSatisfy(Self.isDigit)
    }

    /// A short code: 5 or 6 digits (SMS only).
    var isShortCode: Bool {
        (5...6).contains(number.utf8.count) && number.utf8.allSatisfy(Self.isDigit)
    }

    /// An alphanumeric sender ID: 1 to 11 letters, digits and spaces, at least one letter (SMS only).
    var isAlphanumericSender: Bool {
        (1...11).contains(number.count)
            && number.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == " " }
            && number.contains { $0.isASCII && $0.isLetter }
    }

    /// Valid as a recipient: an E.164 number on any channel.
    var isValidRecipient: Bool { isE164 }

    /// Valid as a sender: E.164 on any channel; on SMS also a short code or alphanumeric sender ID.
    var isValidSender: Bool { isE164 || (channel == nil && (isShortCode || isAlphanumericSender)) }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    /// The WhatsApp ID of a WhatsApp address: the number's digits without `+` (`WaId`).
    var whatsAppID: String? { isWhatsApp ? String(number.drop { $0 == "+" }) : nil }
}
