import Foundation

/// The one seller account of the Square sandbox: whoever authorizes an app, it is this merchant,
/// with one location.
enum SquareSeller {
    static let merchantID = "MLPONTESANDBOX"
    static let locationID = "LPONTESANDBOX1"
    static let businessName = "Ponte Sandbox Café"
    /// Unix seconds: 2026-01-05T12:00:00Z.
    static let createdAt = Date(timeIntervalSince1970: 1_767_614_400)

    /// The fields of square-python-sdk's `types/location.py` a seller's location has.
    struct Location: Encodable {
        struct Address: Encodable {
            var addressLine1 = "Avenida Paulista, 1000"
            var locality = "São Paulo"
            var administrativeDistrictLevel1 = "SP"
            var postalCode = "01310-100"
            var country = "BR"

            enum CodingKeys: String, CodingKey {
                case locality, country
                case addressLine1 = "address_line_1"
                case administrativeDistrictLevel1 = "administrative_district_level_1"
                case postalCode = "postal_code"
            }
        }

        var id = SquareSeller.locationID
        var name = SquareSeller.businessName
        var address = Address()
        var timezone = "America/Sao_Paulo"
        var capabilities = ["CREDIT_CARD_PROCESSING"]
        var status = "ACTIVE"
        var createdAt = SquareTime.string(SquareSeller.createdAt)
        var merchantID = SquareSeller.merchantID
        var country = "BR"
        var languageCode = "pt-BR"
        var currency = "BRL"
        var businessName = SquareSeller.businessName
        var type = "PHYSICAL"
        var mcc = "5812"

        enum CodingKeys: String, CodingKey {
            case id, name, address, timezone, capabilities, status, country, currency, type, mcc
            case createdAt = "created_at"
            case merchantID = "merchant_id"
            case languageCode = "language_code"
            case businessName = "business_name"
        }
    }
}

/// Square's timestamps: RFC 3339 in UTC, whole seconds (`2026-04-09T15:00:00Z`).
enum SquareTime {
    static func string(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
