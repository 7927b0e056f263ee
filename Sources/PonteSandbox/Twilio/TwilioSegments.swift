/// How many SMS segments a body takes, which Twilio reports as `num_segments`.
///
/// A body in the GSM 03.38 alphabet fits 160 septets in one segment and 153 per segment
/// once split (the extension characters `^{}\[~]|€` take two septets); any other
/// character makes it UCS-2, 70 UTF-16 units in one segment and 67 once split.
/// Channel messages (WhatsApp) are always one segment.
enum TwilioSegments {
    private static let basic: Set<Character> = Set(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    )
    private static let extended: Set<Character> = Set("^{}\\[~]|€\u{0C}")

    static func count(body: String, channel: String?) -> Int {
        if channel != nil || body.isEmpty { return 1 }
        var septets = 0
        var isGSM = true
        for character in body {
            if basic.contains(character) {
                septets += 1
            } else if extended.contains(character) {
                septets += 2
            } else {
                isGSM = false
                break
            }
        }
        if isGSM { return septets <= 160 ? 1 : (septets + 152) / 153 }
        let units = body.utf16.count
        return units <= 70 ? 1 : (units + 66) / 67
    }
}
