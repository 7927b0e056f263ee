import Foundation
import Testing

@testable import PonteCore

/// `BRCode`: Pix copy-and-paste payloads, checked against the worked examples of PROVIDERS.md 10.1.
@Suite struct BRCodeTests {
    /// BCB manual's static example, without its CRC value.
    static let manualStatic =
        "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR"
        + "5913Fulano de Tal6008BRASILIA62070503***6304"
    /// The manual's example with `54041.00` after `5303986`.
    static let manualStaticWithAmount =
        "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865404"
        + "1.005802BR5913Fulano de Tal6008BRASILIA62070503***6304"
    static let gistDynamic =
        "00020101021226770014BR.GOV.BCB.PIX2555pix.example.com/qr/93598be0-1bd0-4997-8318-81776a1d8a99"
        + "5204000053039865802BR5907EMPRESA6009SAO PAULO62070503***6304"
    static let forum =
        "00020126330014BR.GOV.BCB.PIX01115794666323452040000530398654041.005802BR"
        + "5925CLENILTON CRUZ DE ALENCAR6006MANAUS62070503***6304"
    static let ownExample =
        "00020126490014br.gov.bcb.pix0114123456780001950209Pedido 42520400005303986540510.505802BR"
        + "5917LOJA EXEMPLO LTDA6009SAO PAULO62120508PEDIDO426304"

    // MARK: CRC

    @Test func crc16HasTheCCITTFalseCheckValue() {
        #expect(CRC16.ccittFalse("123456789".utf8) == 0x29B1)
    }

    @Test(arguments: [
        (manualStatic, "1D3D"), (manualStaticWithAmount, "B836"), (gistDynamic, "EEAB"),
        (forum, "FA88"), (ownExample, "D197"),
    ])
    func workedExampleHasItsPublishedCRC(body: String, crc: String) throws {
        #expect(CRC16.hexDigits(CRC16.ccittFalse(body.utf8)) == crc)
        let code = try BRCode(parsing: body + crc)
        #expect(code.payload == body + crc)
        #expect(BRCode.isValid(body + crc))
    }

    // MARK: Building

    @Test func staticChargeReproducesTheManualExample() throws {
        let code = try BRCode.staticCharge(
            key: "123e4567-e12b-12d1-a456-426655440000", merchantName: "Fulano de Tal",
            merchantCity: "BRASILIA")
        #expect(code.payload == Self.manualStatic + "1D3D")
    }

    @Test func staticChargeWithAmountReproducesTheManualExample() throws {
        let code = try BRCode.staticCharge(
            key: "123e4567-e12b-12d1-a456-426655440000", merchantName: "Fulano de Tal",
            merchantCity: "BRASILIA", amountInCents: 100)
        #expect(code.payload == Self.manualStaticWithAmount + "B836")
    }

    @Test func staticChargeWithInfoAmountAndTxidReproducesOurExample() throws {
        let code = try BRCode.staticCharge(
            key: "12345678000195", merchantName: "LOJA EXEMPLO LTDA", merchantCity: "São Paulo",
            amountInCents: 1050, txid: "PEDIDO42", info: "Pedido 42")
        #expect(code.payload == Self.ownExample + "D197")
        #expect(code.pixKey == "12345678000195")
        #expect(code.info == "Pedido 42")
        #expect(code.amountInCents == 1050)
        #expect(code.txid == "PEDIDO42")
        #expect(code.merchantCity == "SAO PAULO")
        #expect(!code.isDynamic)
    }

    @Test func dynamicChargeMatchesTheGistExampleWithTheManualsLowerCaseGUI() throws {
        let code = try BRCode.dynamicCharge(
            url: "https://pix.example.com/qr/93598be0-1bd0-4997-8318-81776a1d8a99",
            merchantName: "EMPRESA", merchantCity: "Sao Paulo")
        let body = Self.gistDynamic.replacingOccurrences(of: "BR.GOV.BCB.PIX", with: "br.gov.bcb.pix")
        #expect(code.payload == body + CRC16.hexDigits(CRC16.ccittFalse(body.utf8)))
        #expect(code.isDynamic)
        #expect(code.locationURL == "pix.example.com/qr/93598be0-1bd0-4997-8318-81776a1d8a99")
        #expect(code.txid == nil)
        #expect(BRCode.isValid(code.payload))
    }

    @Test func accentsAreStrippedAndOnlyTheCityIsUpperCased() throws {
        let code = try BRCode.staticCharge(
            key: "fulano@example.com", merchantName: "Açaí  do João", merchantCity: "Goiânia")
        #expect(code.merchantName == "Acai do Joao")
        #expect(code.merchantCity == "GOIANIA")
        #expect(code.payload.utf8.allSatisfy { $0 < 0x80 })
    }

    @Test func nameAndCityAreTruncatedToTheirLimits() throws {
        let code = try BRCode.staticCharge(
            key: "+5511999998888", merchantName: "Comércio de Produtos Alimentícios Ltda",
            merchantCity: "São José dos Campos")
        #expect(code.merchantName == "Comercio de Produtos Alim")
        #expect(code.merchantName.count == BRCode.maximumMerchantNameLength)
        #expect(code.merchantCity == "SAO JOSE DOS CA")
        #expect(BRCode.isValid(code.payload))
    }

    @Test func truncationDropsTrailingSpaces() throws {
        let code = try BRCode.staticCharge(
            key: "12345678901", merchantName: "Fulano", merchantCity: "Rio de Janeiro Capital")
        #expect(code.merchantCity == "RIO DE JANEIRO")
    }

    @Test(arguments: [
        (1, "0.01"), (5, "0.05"), (100, "1.00"), (1050, "10.50"), (123_456_789, "1234567.89"),
    ])
    func amountIsWrittenFromIntegerCents(cents: Int, text: String) throws {
        #expect(try PixAmount.format(cents: cents) == text)
        #expect(PixAmount.parse(text) == cents)
    }

    @Test func amountParsingAcceptsOneOrNoDecimals() {
        #expect(PixAmount.parse("10") == 1000)
        #expect(PixAmount.parse("10.5") == 1050)
        #expect(PixAmount.parse("10.505") == nil)
        #expect(PixAmount.parse("1,50") == nil)
        #expect(PixAmount.parse("-1.00") == nil)
        #expect(PixAmount.parse(".50") == nil)
    }

    @Test(arguments: [0, -100, 10_000_000_000_000])
    func amountOutsideTheFieldIsRejected(cents: Int) {
        #expect(throws: BRCodeError.invalidAmount(cents: cents)) {
            try BRCode.staticCharge(
                key: "12345678901", merchantName: "Fulano", merchantCity: "Manaus", amountInCents: cents)
        }
    }

    @Test(arguments: ["PEDIDO-42", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "pedido 42", "pedidoº"])
    func invalidTxidIsRejected(txid: String) {
        #expect(throws: BRCodeError.invalidTxid(txid)) {
            try BRCode.staticCharge(
                key: "12345678901", merchantName: "Fulano", merchantCity: "Manaus", txid: txid)
        }
    }

    @Test func keyThatOverflowsTheAccountTemplateIsRejected() {
        let key = String(repeating: "a", count: 70) + "@example.com"
        #expect(
            throws: BRCodeError.valueTooLong(
                field: "merchant account information (26)", length: 104, maximum: 99)
        ) {
            try BRCode.staticCharge(key: key, merchantName: "Fulano", merchantCity: "Manaus")
        }
    }

    @Test func emptyOrNonASCIIValuesAreRejected() {
        #expect(throws: BRCodeError.emptyValue(field: "key")) {
            try BRCode.staticCharge(key: " ", merchantName: "Fulano", merchantCity: "Manaus")
        }
        #expect(throws: BRCodeError.invalidCharacters(field: "key")) {
            try BRCode.staticCharge(
                key: "joão@example.com", merchantName: "Fulano", merchantCity: "Manaus")
        }
        #expect(throws: BRCodeError.emptyValue(field: "merchant name")) {
            try BRCode.staticCharge(key: "12345678901", merchantName: "✓", merchantCity: "Manaus")
        }
        #expect(throws: BRCodeError.invalidURL("http://pix.example.com/qr/1")) {
            try BRCode.dynamicCharge(
                url: "http://pix.example.com/qr/1", merchantName: "Fulano", merchantCity: "Manaus")
        }
    }

    // MARK: Reading

    @Test func parsingReadsTheFieldsOfTheForumExample() throws {
        let code = try BRCode(parsing: Self.forum + "FA88")
        #expect(code.pixKey == "57946663234")
        #expect(code.amountInCents == 100)
        #expect(code.merchantName == "CLENILTON CRUZ DE ALENCAR")
        #expect(code.merchantCity == "MANAUS")
        #expect(code.txid == nil)
        #expect(code.fields.map(\.id) == [0, 26, 52, 53, 54, 58, 59, 60, 62])
    }

    @Test func wrongCRCIsReported() {
        #expect(throws: BRCodeError.checksumMismatch(expected: "1D3D", found: "1D3E")) {
            try BRCode(parsing: Self.manualStatic + "1D3E")
        }
        #expect(!BRCode.isValid(Self.manualStatic + "0000"))
    }

    @Test func lowerCaseCRCDigitsAreAccepted() {
        #expect(BRCode.isValid(Self.manualStatic + "1d3d"))
    }

    @Test func alteredPayloadFailsItsCRC() {
        let altered = Self.ownExample.replacingOccurrences(of: "10.50", with: "90.50")
        #expect(!BRCode.isValid(altered + "D197"))
    }

    @Test func malformedTLVIsReportedWithItsOffset() {
        // The additional data template claims 8 characters but holds 7: "62080503***" leaves
        // "6304" reading as part of a broken field. The CRC is right for the string, so only the
        // structure is at fault.
        let body = Self.manualStatic.replacingOccurrences(of: "62070503***", with: "62080503***")
        let payload = body + CRC16.hexDigits(CRC16.ccittFalse(body.utf8))
        #expect(!BRCode.isValid(payload))
        #expect(throws: BRCodeError.self) { try BRCode(parsing: payload) }
    }

    @Test func payloadWithoutAPixAccountIsRejected() {
        let body = Self.manualStatic.replacingOccurrences(of: "br.gov.bcb.pix", with: "br.gov.bcb.xyz")
        let payload = body + CRC16.hexDigits(CRC16.ccittFalse(body.utf8))
        #expect(throws: BRCodeError.invalidValue(id: 26, value: String(body.dropFirst(10).prefix(58)))) {
            try BRCode(parsing: payload)
        }
    }

    @Test func missingCRCFieldIsReported() {
        #expect(throws: BRCodeError.missingField(id: 63)) {
            try BRCode(parsing: String(Self.manualStatic.dropLast(4)))
        }
    }

    @Test func emvFieldsRoundTrip() throws {
        let fields = [
            EMVField(id: 0, value: "01"), EMVField(id: 62, subfields: [EMVField(id: 5, value: "***")]),
        ]
        #expect(EMVField.encode(fields) == "00020162070503***")
        #expect(try EMVField.decode("00020162070503***") == fields)
        #expect(try fields[1].subfields() == [EMVField(id: 5, value: "***")])
        #expect(throws: EMVFieldError.malformedHeader(offset: 6)) { try EMVField.decode("0002010") }
        #expect(throws: EMVFieldError.valueOverrunsPayload(id: 62, offset: 6)) {
            try EMVField.decode("0002016209")
        }
    }
}
