import Foundation

/// A store's order policy: seed 003's `WhatsAppBotOrderConfig`, without its table keys
/// (`clientId`, `storeId`), which belong to where it is stored.
///
/// In JSON every field is snake_case; a missing field (or `null`) takes its default, as the
/// seed's `config.get(field, default)` does, and an unknown field is refused, so that a
/// document in the seed's camelCase is not silently read as all defaults. Money is integer
/// centavos. Values are checked by `validationProblem()`; enum values (payment methods,
/// template statuses) already when decoding.
public struct OrderConfig: Sendable, Equatable {
    /// Orders wait for the store to confirm them (`requires_confirmation`, default false).
    public var requiresConfirmation: Bool
    /// Minutes the store has to confirm an order that needs confirmation; 0 sets no deadline
    /// (`auto_confirmation_timeout`, default 0). Seed 003 calls it the automatic-confirmation
    /// timeout, yet its expiry sweep cancels (or refunds) the orders whose deadline passed;
    /// what happens at the deadline is for the deadline job to decide, not this value.
    public var autoConfirmationTimeout: Int
    /// Refund paid orders that the store did not confirm (`refund_unconfirmed_orders`,
    /// default true).
    public var refundUnconfirmedOrders: Bool
    /// Minutes after creation at which a paid order still unconfirmed is refunded
    /// (`refund_timeout`, default 60).
    public var refundTimeout: Int
    /// Tell the customer of every status change (`notify_customer_on_status_change`,
    /// default true).
    public var notifyCustomerOnStatusChange: Bool
    /// The store's own message for a status (`notification_templates`, default none: the
    /// texts of `CustomerMessages.defaultTemplate(for:)` are used).
    public var notificationTemplates: [OrderStatus: String]
    /// The payment methods the store takes (`accepted_payment_methods`, default all four).
    public var acceptedPaymentMethods: [PaymentMethod]
    /// The smallest subtotal the store takes, in centavos (`minimum_order_value`, default 0).
    public var minimumOrderValue: Int
    /// Refuse orders outside the store's operating hours (`operating_hours_check`,
    /// default false).
    public var operatingHoursCheck: Bool
    /// When the policy was last changed (`updated_at`, RFC 3339); nil for the defaults.
    public var updatedAt: Date?

    /// A policy; every argument defaults to seed 003's `_get_order_config` default.
    public init(
        requiresConfirmation: Bool = false,
        autoConfirmationTimeout: Int = 0,
        refundUnconfirmedOrders: Bool = true,
        refundTimeout: Int = 60,
        notifyCustomerOnStatusChange: Bool = true,
        notificationTemplates: [OrderStatus: String] = [:],
        acceptedPaymentMethods: [PaymentMethod] = [.pix, .credit, .debit, .cash],
        minimumOrderValue: Int = 0,
        operatingHoursCheck: Bool = false,
        updatedAt: Date? = nil
    ) {
        self.requiresConfirmation = requiresConfirmation
        self.autoConfirmationTimeout = autoConfirmationTimeout
        self.refundUnconfirmedOrders = refundUnconfirmedOrders
        self.refundTimeout = refundTimeout
        self.notifyCustomerOnStatusChange = notifyCustomerOnStatusChange
        self.notificationTemplates = notificationTemplates
        self.acceptedPaymentMethods = acceptedPaymentMethods
        self.minimumOrderValue = minimumOrderValue
        self.operatingHoursCheck = operatingHoursCheck
        self.updatedAt = updatedAt
    }

    /// The policy of a store that has not set one.
    public static let defaults = OrderConfig()

    /// Whether the store takes `method`.
    public func accepts(_ method: PaymentMethod) -> Bool { acceptedPaymentMethods.contains(method) }
}

// MARK: - JSON

extension OrderConfig: Codable {
    enum CodingKeys: String, CodingKey {
        case requiresConfirmation = "requires_confirmation"
        case autoConfirmationTimeout = "auto_confirmation_timeout"
        case refundUnconfirmedOrders = "refund_unconfirmed_orders"
        case refundTimeout = "refund_timeout"
        case notifyCustomerOnStatusChange = "notify_customer_on_status_change"
        case notificationTemplates = "notification_templates"
        case acceptedPaymentMethods = "accepted_payment_methods"
        case minimumOrderValue = "minimum_order_value"
        case operatingHoursCheck = "operating_hours_check"
        case updatedAt = "updated_at"
    }

    public init(from decoder: any Decoder) throws {
        let fields = try decoder.container(keyedBy: CodingPathKey.self)
        for key in fields.allKeys where CodingKeys(stringValue: key.stringValue) == nil {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: fields, debugDescription: Self.unknownFieldMessage(key.stringValue))
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = OrderConfig.defaults
        requiresConfirmation = try container.decodeIfPresent(Bool.self, forKey: .requiresConfirmation) ?? defaults.requiresConfirmation
        autoConfirmationTimeout =
            try container.decodeIfPresent(Int.self, forKey: .autoConfirmationTimeout) ?? defaults.autoConfirmationTimeout
        refundUnconfirmedOrders =
            try container.decodeIfPresent(Bool.self, forKey: .refundUnconfirmedOrders) ?? defaults.refundUnconfirmedOrders
        refundTimeout = try container.decodeIfPresent(Int.self, forKey: .refundTimeout) ?? defaults.refundTimeout
        notifyCustomerOnStatusChange =
            try container.decodeIfPresent(Bool.self, forKey: .notifyCustomerOnStatusChange)
            ?? defaults.notifyCustomerOnStatusChange
        minimumOrderValue = try container.decodeIfPresent(Int.self, forKey: .minimumOrderValue) ?? defaults.minimumOrderValue
        operatingHoursCheck = try container.decodeIfPresent(Bool.self, forKey: .operatingHoursCheck) ?? defaults.operatingHoursCheck

        notificationTemplates = [:]
        let templates = try container.decodeIfPresent([String: String].self, forKey: .notificationTemplates) ?? [:]
        for (key, template) in templates.sorted(by: { $0.key < $1.key }) {
            guard let status = OrderStatus(rawValue: key) else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: container.codingPath + [CodingKeys.notificationTemplates, CodingPathKey(stringValue: key)],
                        debugDescription: "\(key) is not an order status; expected one of "
                            + OrderStatus.allCases.map(\.rawValue).joined(separator: ", ")))
            }
            notificationTemplates[status] = template
        }

        if let methods = try container.decodeIfPresent([String].self, forKey: .acceptedPaymentMethods) {
            acceptedPaymentMethods = try methods.enumerated().map { index, name in
                guard let method = PaymentMethod(rawValue: name) else {
                    throw DecodingError.dataCorrupted(
                        .init(
                            codingPath: container.codingPath + [CodingKeys.acceptedPaymentMethods, CodingPathKey(intValue: index)],
                            debugDescription: "\(name) is not a payment method; expected one of "
                                + PaymentMethod.allCases.map(\.rawValue).joined(separator: ", ")))
                }
                return method
            }
        } else {
            acceptedPaymentMethods = defaults.acceptedPaymentMethods
        }

        if let text = try container.decodeIfPresent(String.self, forKey: .updatedAt) {
            guard let date = Self.parseTimestamp(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .updatedAt, in: container, debugDescription: "must be an RFC 3339 timestamp such as 2025-05-24T15:30:45Z")
            }
            updatedAt = date
        } else {
            updatedAt = nil
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(requiresConfirmation, forKey: .requiresConfirmation)
        try container.encode(autoConfirmationTimeout, forKey: .autoConfirmationTimeout)
        try container.encode(refundUnconfirmedOrders, forKey: .refundUnconfirmedOrders)
        try container.encode(refundTimeout, forKey: .refundTimeout)
        try container.encode(notifyCustomerOnStatusChange, forKey: .notifyCustomerOnStatusChange)
        try container.encode(
            Dictionary(uniqueKeysWithValues: notificationTemplates.map { ($0.key.rawValue, $0.value) }), forKey: .notificationTemplates)
        try container.encode(acceptedPaymentMethods, forKey: .acceptedPaymentMethods)
        try container.encode(minimumOrderValue, forKey: .minimumOrderValue)
        try container.encode(operatingHoursCheck, forKey: .operatingHoursCheck)
        if let updatedAt {
            try container.encode(updatedAt.formatted(Self.timestampStyle), forKey: .updatedAt)
        }
    }

    /// RFC 3339 in UTC with milliseconds, as the rest of the API writes timestamps.
    private static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// `2025-05-24T15:30:45Z`, with or without fractional seconds, in any offset.
    private static func parseTimestamp(_ text: String) -> Date? {
        (try? timestampStyle.parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
    }

    /// Names the snake_case field a camelCase name stands for, when there is one.
    private static func unknownFieldMessage(_ name: String) -> String {
        var snake = ""
        for character in name {
            if character.isUppercase {
                snake += "_" + character.lowercased()
            } else {
                snake.append(character)
            }
        }
        if snake != name, CodingKeys(stringValue: snake) != nil {
            return "not a field of the order configuration; did you mean \(snake)?"
        }
        return "not a field of the order configuration"
    }
}
