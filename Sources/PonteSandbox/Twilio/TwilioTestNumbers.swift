/// Numbers with a fixed outcome, so a test can provoke each failure.
///
/// The synchronous ones are Twilio's documented "magic" test numbers (Test Credentials,
/// "Test inputs for SMS"): the message is refused at creation with the documented error.
/// They apply to the number part of a channel address too (`whatsapp:+15005550001`).
/// Twilio documents no number that fails *after* creation, so the sandbox reserves two
/// more numbers of the same test block for that, each with a real Twilio delivery error.
enum TwilioTestNumbers {
    /// Refusals of `To`, documented by Twilio.
    static func refusal(to number: String) -> TwilioAPIError? {
        switch number {
        case "+15005550001": .invalidTo(number)
        case "+15005550002":
            .badRequest(21612, "The 'To' phone number: \(number), is not currently reachable using the 'From' phone number via SMS.")
        case "+15005550003":
            .badRequest(21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: \(number).")
        case "+15005550004": .badRequest(21610, "Attempt to send to unsubscribed recipient")
        case "+15005550009": .badRequest(21614, "'To' number is not a valid mobile number")
        default: nil
        }
    }

    /// Refusals of `From`, documented by Twilio.
    static func refusal(from number: String) -> TwilioAPIError? {
        switch number {
        case "+15005550001": .invalidFrom(number)
        case "+15005550007": .fromNotCapable(number)
        case "+15005550008": .badRequest(21611, "This 'From' number has exceeded the maximum number of queued messages")
        default: nil
        }
    }

    /// A recipient whose handset is unreachable: the message is sent, then `undelivered` with 30003.
    static let unreachableHandset = "+15005550010"
    /// A recipient whose queue overflows: the message goes from `queued` to `failed` with 30001.
    static let queueOverflow = "+15005550011"

    /// How delivery ends for `number` (the `To` without its channel prefix).
    static func outcome(to number: String) -> TwilioDeliveryOutcome {
        switch number {
        case unreachableHandset: .undelivered(errorCode: 30003, errorMessage: "Unreachable destination handset")
        case queueOverflow: .failed(errorCode: 30001, errorMessage: "Queue overflow")
        default: .delivered
        }
    }
}

/// How the delivery of an outbound message ends.
enum TwilioDeliveryOutcome: Equatable, Sendable {
    case delivered
    /// Sent to the carrier, which reported it not delivered.
    case undelivered(errorCode: Int, errorMessage: String)
    /// Never sent.
    case failed(errorCode: Int, errorMessage: String)
}
