import Foundation

/// A restaurant: the client that owns stores.
public struct Client: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var createdAt: String
    public var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, name
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// One of a client's stores: where orders are made, with its hours in its own time zone.
public struct Store: Codable, Sendable, Equatable {
    public var id: String
    public var clientID: String
    public var name: String
    /// An IANA time zone (`America/Sao_Paulo`); operating hours are read in it.
    public var timeZone: String
    /// `{"mon": [["11:00", "15:00"], ["18:00", "23:30"]], …}`; a day not listed is closed.
    public var operatingHours: [String: [[String]]]
    /// The number the store's WhatsApp messages come from, in E.164.
    public var whatsappNumber: String?
    public var ifoodMerchantID: String?
    public var createdAt: String
    public var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id
        case clientID = "client_id"
        case name
        case timeZone = "time_zone"
        case operatingHours = "operating_hours"
        case whatsappNumber = "whatsapp_number"
        case ifoodMerchantID = "ifood_merchant_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    /// The stream its POS reads.
    public var streamName: String { Self.streamName(id) }

    public static func streamName(_ storeID: String) -> String { "store:\(storeID)" }

    /// Whether the store is open at `date`, in its time zone.
    public func isOpen(at date: Date) -> Bool {
        guard let zone = TimeZone(identifier: timeZone), let hours = try? OperatingHours(parsing: operatingHours) else { return false }
        return hours.isOpen(at: date, timeZone: zone)
    }
}
