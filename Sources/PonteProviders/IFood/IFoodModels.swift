/// One event from iFood's polling (or a webhook): what happened to which order.
public struct IFoodEvent: Decodable, Sendable, Equatable {
    public var id: String
    /// Short code (`PLC`, `CFM`, `CAN`, ...); unknown codes are kept as they are.
    public var code: String
    /// Full name (`PLACED`, `CONFIRMED`, ...).
    public var fullCode: String?
    public var orderId: String?
    public var merchantId: String?
    /// ISO 8601 with fractional seconds; events may arrive out of order, sort by this.
    public var createdAt: String?
    public var salesChannel: String?
    /// The string-valued entries of `metadata` (it is free-form).
    public var metadata: [String: String]

    enum CodingKeys: String, CodingKey {
        case id, code, fullCode, orderId, merchantId, createdAt, salesChannel, metadata
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        code = try container.decode(String.self, forKey: .code)
        fullCode = try container.decodeIfPresent(String.self, forKey: .fullCode)
        orderId = try container.decodeIfPresent(String.self, forKey: .orderId)
        merchantId = try container.decodeIfPresent(String.self, forKey: .merchantId)
        createdAt = try container.decodeIfPresent(String.self, forKey: .createdAt)
        salesChannel = try container.decodeIfPresent(String.self, forKey: .salesChannel)
        metadata = ((try? container.decodeIfPresent([String: LenientString].self, forKey: .metadata)) ?? nil)?
            .compactMapValues(\.value) ?? [:]
    }
}

/// A JSON value kept when it is a string, dropped otherwise.
struct LenientString: Decodable {
    var value: String?

    init(from decoder: any Decoder) throws {
        value = try? decoder.singleValueContainer().decode(String.self)
    }
}

/// An iFood order (`GET /order/v1.0/orders/{id}`), the fields Ponte maps; amounts in
/// minor units (centavos).
public struct IFoodOrder: Decodable, Sendable, Equatable {
    public var id: String
    public var displayId: String?
    /// `DELIVERY`, `TAKEOUT` or `DINE_IN`.
    public var orderType: String?
    /// `IMMEDIATE` or `SCHEDULED`.
    public var orderTiming: String?
    public var salesChannel: String?
    public var category: String?
    public var createdAt: String?
    public var preparationStartDateTime: String?
    public var isTest: Bool?
    public var merchant: Merchant?
    public var customer: Customer?
    public var items: [Item]?
    public var total: Total?
    public var payments: Payments?
    public var delivery: Delivery?

    public struct Merchant: Decodable, Sendable, Equatable {
        public var id: String
        public var name: String?
    }

    public struct Customer: Decodable, Sendable, Equatable {
        public var id: String?
        public var name: String?
        public var phone: Phone?

        public struct Phone: Decodable, Sendable, Equatable {
            public var number: String?
            public var localizer: String?
        }
    }

    public struct Item: Decodable, Sendable, Equatable {
        public var id: String?
        public var name: String?
        public var externalCode: String?
        public var quantity: Double?
        public var unitPrice: DecimalAmount?
        public var totalPrice: DecimalAmount?
        public var observations: String?
    }

    public struct Payments: Decodable, Sendable, Equatable {
        /// Paid online through iFood.
        public var prepaid: DecimalAmount?
        /// Still to collect on delivery.
        public var pending: DecimalAmount?
        public var methods: [Method]?

        public struct Method: Decodable, Sendable, Equatable {
            public var value: DecimalAmount?
            /// `CREDIT`, `DEBIT`, `MEAL_VOUCHER`, `FOOD_VOUCHER`, `DIGITAL_WALLET`, `PIX`, `CASH`, …
            public var method: String?
            public var prepaid: Bool?
        }
    }

    public struct Delivery: Decodable, Sendable, Equatable {
        public var mode: String?
        public var deliveryDateTime: String?
        public var deliveryAddress: Address?

        public struct Address: Decodable, Sendable, Equatable {
            public var streetName: String?
            public var streetNumber: String?
            public var formattedAddress: String?
            public var complement: String?
            public var neighborhood: String?
            public var city: String?
            public var state: String?
            public var postalCode: String?
        }
    }

    public struct Total: Decodable, Sendable, Equatable {
        public var subTotal: DecimalAmount?
        public var deliveryFee: DecimalAmount?
        public var benefits: DecimalAmount?
        public var additionalFees: DecimalAmount?
        public var orderAmount: DecimalAmount?
    }
}

/// One entry of `GET /order/v1.0/orders/{id}/cancellationReasons`.
public struct IFoodCancellationReason: Decodable, Sendable, Equatable {
    /// The `cancellationCode` to send with `requestCancellation`.
    public var cancelCodeId: String
    public var description: String?

    enum CodingKeys: String, CodingKey { case cancelCodeId, description }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let text = try? container.decode(String.self, forKey: .cancelCodeId) {
            cancelCodeId = text
        } else {
            cancelCodeId = String(try container.decode(Int.self, forKey: .cancelCodeId))
        }
        description = try container.decodeIfPresent(String.self, forKey: .description)
    }
}
