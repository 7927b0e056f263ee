// MARK: Reading

extension BRCode {
    /// Reads and validates a Pix payload.
    ///
    /// Checks the TLV structure, that field 00 is first and `01`, that field 63 is last and holds
    /// the CRC of everything before its value (either case of hex digits is accepted), and that
    /// field 26 is a Pix account (GUI `br.gov.bcb.pix`, any case) with a key (01) or a URL (25).
    /// Fields 52, 53 (`986`), 58 (`BR`), 59 and 60 must be present; 54, when present, must be an
    /// amount with at most two decimals.
    public init(parsing payload: String) throws(BRCodeError) {
        let all: [EMVField]
        do {
            all = try EMVField.decode(payload)
        } catch {
            throw .malformed(error)
        }
        guard let crcField = all.last, crcField.id == ID.crc else {
            throw .missingField(id: ID.crc)
        }
        guard crcField.value.count == 4, let found = UInt16(crcField.value, radix: 16) else {
            throw .invalidValue(id: ID.crc, value: crcField.value)
        }
        let body = payload.dropLast(4)
        let expected = CRC16.ccittFalse(body.utf8)
        guard expected == found else {
            throw .checksumMismatch(
                expected: CRC16.hexDigits(expected), found: crcField.value.uppercased())
        }

        let fields = Array(all.dropLast())
        guard let first = fields.first, first.id == ID.payloadFormat else {
            throw .missingField(id: ID.payloadFormat)
        }
        guard first.value == "01" else { throw .invalidValue(id: ID.payloadFormat, value: first.value) }
        try Self.validateAccount(in: fields)
        try Self.require(ID.categoryCode, in: fields)
        try Self.require(ID.currency, in: fields, equalTo: "986")
        try Self.require(ID.country, in: fields, equalTo: "BR")
        try Self.require(ID.merchantName, in: fields)
        try Self.require(ID.merchantCity, in: fields)
        if let amount = fields.first(where: { $0.id == ID.amount }),
            PixAmount.parse(amount.value) == nil
        {
            throw .invalidValue(id: ID.amount, value: amount.value)
        }
        if let additional = fields.first(where: { $0.id == ID.additionalData }) {
            do {
                _ = try additional.subfields()
            } catch {
                throw .malformed(error)
            }
        }
        self.fields = fields
        self.payload = payload
    }

    /// True when `payload` is a valid Pix payload (see `init(parsing:)`).
    public static func isValid(_ payload: String) -> Bool {
        (try? BRCode(parsing: payload)) != nil
    }

    private static func validateAccount(in fields: [EMVField]) throws(BRCodeError) {
        guard let account = fields.first(where: { $0.id == ID.merchantAccount }) else {
            throw .missingField(id: ID.merchantAccount)
        }
        let subfields: [EMVField]
        do {
            subfields = try account.subfields()
        } catch {
            throw .malformed(error)
        }
        guard let gui = subfields.first(where: { $0.id == ID.gui }),
            gui.value.lowercased() == pixGUI
        else {
            throw .invalidValue(id: ID.merchantAccount, value: account.value)
        }
        guard subfields.contains(where: { ($0.id == ID.key || $0.id == ID.url) && !$0.value.isEmpty })
        else {
            throw .invalidValue(id: ID.merchantAccount, value: account.value)
        }
    }

    private static func require(
        _ id: Int, in fields: [EMVField], equalTo expected: String? = nil
    ) throws(BRCodeError) {
        guard let field = fields.first(where: { $0.id == id }) else { throw .missingField(id: id) }
        guard !field.value.isEmpty, expected == nil || field.value == expected else {
            throw .invalidValue(id: id, value: field.value)
        }
    }

    // MARK: Reading fields

    /// True for a single-use (dynamic) charge: field 01 is `12`.
    public var isDynamic: Bool { value(of: ID.initiationMethod) == "12" }
    /// The Pix key of a static charge (26.01).
    public var pixKey: String? { accountValue(of: ID.key) }
    /// The payload location of a dynamic charge, without scheme (26.25).
    public var locationURL: String? { accountValue(of: ID.url) }
    /// The free text for the payer (26.02).
    public var info: String? { accountValue(of: ID.info) }
    /// The amount in centavos (54), or `nil` when the payer chooses it.
    public var amountInCents: Int? { value(of: ID.amount).flatMap(PixAmount.parse) }
    /// The merchant name (59).
    public var merchantName: String { value(of: ID.merchantName) ?? "" }
    /// The merchant city (60).
    public var merchantCity: String { value(of: ID.merchantCity) ?? "" }
    /// The transaction id (62.05); `nil` when absent or `***`.
    public var txid: String? {
        let subfields = (try? fields.first { $0.id == ID.additionalData }?.subfields()) ?? []
        let txid = subfields.first { $0.id == ID.txid }?.value
        return txid == "***" ? nil : txid
    }

    private func value(of id: Int) -> String? {
        fields.first { $0.id == id }?.value
    }

    private func accountValue(of id: Int) -> String? {
        let subfields = (try? fields.first { $0.id == ID.merchantAccount }?.subfields()) ?? []
        return subfields.first { $0.id == id }?.value
    }
}
