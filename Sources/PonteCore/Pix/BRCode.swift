import Foundation

/// A Pix "BR Code": the copy-and-paste payload behind a Pix QR code, in the EMV
/// merchant-presented (MPM) TLV format described by the BCB "Manual de Padrões para Iniciação do Pix".
///
/// Build one with `staticCharge(...)` or `dynamicCharge(...)`, or read one with `BRCode(parsing:)`.
/// Text rules applied when building:
/// - Name, city and additional info are reduced to printable ASCII (accents stripped, so
///   "São Paulo" becomes "Sao Paulo"), because lengths count characters and readers disagree on
///   non-ASCII text. The city is also upper-cased ("SAO PAULO"), as in the manual's examples.
/// - Merchant name and city are display text, so a value longer than its limit (25 and 15
///   characters) is truncated rather than rejected. Everything else that does not fit
///   (key, URL, txid, amount) throws `BRCodeError`.
public struct BRCode: Sendable, Equatable, CustomStringConvertible {
    /// The complete payload, ending with the CRC field: `6304` and four upper-case hex digits.
    public let payload: String
    /// The top-level fields in order, without the closing CRC field (63).
    public let fields: [EMVField]

    /// The GUI that marks field 26 as Pix; compared case-insensitively when reading.
    public static let pixGUI = "br.gov.bcb.pix"
    /// The longest merchant name (field 59).
    public static let maximumMerchantNameLength = 25
    /// The longest merchant city (field 60).
    public static let maximumMerchantCityLength = 15
    /// The longest txid of a static charge (field 62.05).
    public static let maximumTxidLength = 25

    /// Field IDs used by a Pix payload.
    enum ID {
        static let payloadFormat = 0
        static let initiationMethod = 1
        static let merchantAccount = 26
        static let categoryCode = 52
        static let currency = 53
        static let amount = 54
        static let country = 58
        static let merchantName = 59
        static let merchantCity = 60
        static let additionalData = 62
        static let crc = 63
        // Inside 26.
        static let gui = 0
        static let key = 1
        static let info = 2
        static let url = 25
        // Inside 62.
        static let txid = 5
    }

    /// A payload made of `fields`, closed with their CRC.
    init(fields: [EMVField]) {
        // The CRC covers everything before it, including its own ID and length ("6304").
        let body = EMVField.encode(fields) + "6304"
        self.fields = fields
        self.payload = body + CRC16.hexDigits(CRC16.ccittFalse(body.utf8))
    }

    public var description: String { payload }

    // MARK: Building

    /// A static charge: the payer's app pays `key` directly (field 26.01).
    ///
    /// - Parameters:
    ///   - key: the Pix key: CPF, CNPJ, e-mail, phone (`+55...`) or random key (EVP).
    ///   - merchantName: shown to the payer; truncated to 25 characters.
    ///   - merchantCity: shown to the payer; upper-cased and truncated to 15 characters.
    ///   - amountInCents: the amount in centavos; `nil` lets the payer type it.
    ///   - txid: up to 25 letters and digits; `nil` writes `***` (no identifier).
    ///   - info: optional free text for the payer (field 26.02).
    public static func staticCharge(
        key: String,
        merchantName: String,
        merchantCity: String,
        amountInCents: Int? = nil,
        txid: String? = nil,
        info: String? = nil
    ) throws(BRCodeError) -> BRCode {
        let key = key.trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty else { throw .emptyValue(field: "key") }
        guard PixText.isPrintableASCII(key), !key.contains(" ") else {
            throw .invalidCharacters(field: "key")
        }
        var account = [EMVField(id: ID.gui, value: pixGUI), EMVField(id: ID.key, value: key)]
        if let info, case let text = PixText.asciiFolded(info), !text.isEmpty {
            account.append(EMVField(id: ID.info, value: text))
        }
        return try charge(
            initiationMethod: nil, account: account, merchantName: merchantName,
            merchantCity: merchantCity, amountInCents: amountInCents, txid: staticTxid(txid))
    }

    /// A dynamic charge: the payer's app fetches the charge from `url` (field 26.25).
    ///
    /// - Parameters:
    ///   - url: the payload location given by the PSP; a leading `https://` is removed, since
    ///     the manual stores the location without its scheme.
    ///   - merchantName: shown to the payer; truncated to 25 characters.
    ///   - merchantCity: shown to the payer; upper-cased and truncated to 15 characters.
    ///   - amountInCents: optional; the payload at `url` is what counts.
    public static func dynamicCharge(
        url: String,
        merchantName: String,
        merchantCity: String,
        amountInCents: Int? = nil
    ) throws(BRCodeError) -> BRCode {
        var location = url.trimmingCharacters(in: .whitespaces)
        if location.lowercased().hasPrefix("https://") {
            location.removeFirst("https://".count)
        }
        guard !location.isEmpty, PixText.isPrintableASCII(location), !location.contains(" "),
            !location.contains("://")
        else {
            throw .invalidURL(url)
        }
        let account = [EMVField(id: ID.gui, value: pixGUI), EMVField(id: ID.url, value: location)]
        // Single use (12); a dynamic charge's txid lives at the URL, so field 62.05 is "***".
        return try charge(
            initiationMethod: "12", account: account, merchantName: merchantName,
            merchantCity: merchantCity, amountInCents: amountInCents, txid: "***")
    }

    /// The fields shared by both kinds of charge, in the order of the manual's table.
    private static func charge(
        initiationMethod: String?,
        account: [EMVField],
        merchantName: String,
        merchantCity: String,
        amountInCents: Int?,
        txid: String
    ) throws(BRCodeError) -> BRCode {
        let accountField = EMVField(id: ID.merchantAccount, subfields: account)
        guard accountField.value.count <= EMVField.maximumValueLength else {
            throw .valueTooLong(
                field: "merchant account information (26)", length: accountField.value.count,
                maximum: EMVField.maximumValueLength)
        }
        let name = PixText.truncated(PixText.asciiFolded(merchantName), to: maximumMerchantNameLength)
        guard !name.isEmpty else { throw .emptyValue(field: "merchant name") }
        let city = PixText.truncated(
            PixText.asciiFolded(merchantCity).uppercased(), to: maximumMerchantCityLength)
        guard !city.isEmpty else { throw .emptyValue(field: "merchant city") }

        var fields = [EMVField(id: ID.payloadFormat, value: "01")]
        if let initiationMethod {
            fields.append(EMVField(id: ID.initiationMethod, value: initiationMethod))
        }
        fields.append(accountField)
        fields.append(EMVField(id: ID.categoryCode, value: "0000"))
        fields.append(EMVField(id: ID.currency, value: "986"))
        if let amountInCents {
            fields.append(EMVField(id: ID.amount, value: try PixAmount.format(cents: amountInCents)))
        }
        fields.append(EMVField(id: ID.country, value: "BR"))
        fields.append(EMVField(id: ID.merchantName, value: name))
        fields.append(EMVField(id: ID.merchantCity, value: city))
        fields.append(
            EMVField(id: ID.additionalData, subfields: [EMVField(id: ID.txid, value: txid)]))
        return BRCode(fields: fields)
    }

    /// The txid of a static charge: `***` when absent, else 1–25 letters and digits.
    private static func staticTxid(_ txid: String?) throws(BRCodeError) -> String {
        guard let txid, !txid.isEmpty, txid != "***" else { return "***" }
        guard txid.count <= maximumTxidLength,
            txid.utf8.allSatisfy({ byte in
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            })
        else {
            throw .invalidTxid(txid)
        }
        return txid
    }
}

/// Why a BR Code could not be built or read.
public enum BRCodeError: Error, Equatable, CustomStringConvertible {
    /// A required value is empty (after reducing it to ASCII).
    case emptyValue(field: String)
    /// A value is longer than its field allows.
    case valueTooLong(field: String, length: Int, maximum: Int)
    /// A value holds characters its field does not allow.
    case invalidCharacters(field: String)
    /// The amount is not a positive number of cents that fits field 54.
    case invalidAmount(cents: Int)
    /// A static txid must be 1–25 letters and digits.
    case invalidTxid(String)
    /// The location of a dynamic charge must be a URL without a scheme other than `https://`.
    case invalidURL(String)
    /// The payload is not a well-formed list of TLV fields.
    case malformed(EMVFieldError)
    /// A required field is absent.
    case missingField(id: Int)
    /// A field is present but its value breaks the manual's rules.
    case invalidValue(id: Int, value: String)
    /// The CRC in field 63 does not match the payload.
    case checksumMismatch(expected: String, found: String)

    public var description: String {
        switch self {
        case .emptyValue(let field): "BR Code: \(field) is empty"
        case .valueTooLong(let field, let length, let maximum):
            "BR Code: \(field) is \(length) characters long; at most \(maximum) fit"
        case .invalidCharacters(let field): "BR Code: \(field) must be printable ASCII without spaces"
        case .invalidAmount(let cents):
            "BR Code: amount \(cents) cents is not a positive amount that fits"
        case .invalidTxid(let txid): "BR Code: txid \"\(txid)\" must be 1-25 letters and digits"
        case .invalidURL(let url): "BR Code: \"\(url)\" is not a usable payload location"
        case .malformed(let error): "BR Code: \(error)"
        case .missingField(let id): "BR Code: field \(id) is missing"
        case .invalidValue(let id, let value): "BR Code: field \(id) has an invalid value \"\(value)\""
        case .checksumMismatch(let expected, let found):
            "BR Code: CRC is \(found) but the payload's CRC is \(expected)"
        }
    }
}
