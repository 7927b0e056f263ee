import Testing

@testable import PonteOrders

/// `PhoneNumber`: E.164 only.
@Suite struct PhoneNumberTests {
    @Test(arguments: ["+5511987654321", "+14155552671", "+12345678", "+123456789012345", "+4915112345678"])
    func e164NumbersAreAccepted(text: String) {
        #expect(PhoneNumber(text)?.e164 == text)
    }

    @Test(arguments: [
        "5511987654321", "+1234567", "+1234567890123456", "+0511987654321", "+55 11 98765-4321", "+55(11)987654321",
        "whatsapp:+5511987654321", "++5511987654321", "+", "", "+55119876543a1", "+５５１１９８７６５４３２１", " +5511987654321",
    ])
    func anythingElseIsRefused(text: String) {
        #expect(PhoneNumber(text) == nil)
    }
}
