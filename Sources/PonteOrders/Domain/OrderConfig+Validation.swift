/// Why an order configuration is refused: the field at fault (`refund_timeout`,
/// `notification_templates.CONFIRMED`, `accepted_payment_methods[2]`) and the reason.
/// Answered `400 INVALID_ORDER_CONFIG` with the field in `details`.
public struct OrderConfigProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stable error code.
    public static let code = "INVALID_ORDER_CONFIG"

    /// The JSON field, as the caller wrote it.
    public let field: String
    /// What is wrong with it, in words that can follow the field's name.
    public let reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    /// `refund_timeout must be more than 0 minutes when refund_unconfirmed_orders is true`.
    public var description: String { "\(field) \(reason)" }
}

extension OrderConfig {
    /// The longest a timeout may be, in minutes: a day. An order left longer than that
    /// without confirmation or refund is a mistake in the policy, not a policy.
    public static let maximumTimeoutMinutes = 1440

    /// The first value that makes the policy unusable, in field order, or nil when it is
    /// valid:
    ///
    /// - `auto_confirmation_timeout`: 0 (off) to 1440 minutes;
    /// - `refund_timeout`: 0 to 1440 minutes, and more than 0 when `refund_unconfirmed_orders`
    ///   is true (a refund due at the instant of creation would refund every order);
    /// - `notification_templates.<STATUS>`: not empty or blank (a message must say something);
    /// - `accepted_payment_methods`: at least one, none listed twice;
    /// - `minimum_order_value`: not negative.
    ///
    /// Unknown payment methods and template statuses never reach here: decoding refuses them,
    /// naming the same fields.
    public func validationProblem() -> OrderConfigProblem? {
        if let problem = Self.timeoutProblem(autoConfirmationTimeout, field: CodingKeys.autoConfirmationTimeout.rawValue) {
            return problem
        }
        if let problem = Self.timeoutProblem(refundTimeout, field: CodingKeys.refundTimeout.rawValue) {
            return problem
        }
        if refundUnconfirmedOrders, refundTimeout == 0 {
            return OrderConfigProblem(
                field: CodingKeys.refundTimeout.rawValue,
                reason: "must be more than 0 minutes when \(CodingKeys.refundUnconfirmedOrders.rawValue) is true")
        }
        for status in OrderStatus.allCases {
            if let template = notificationTemplates[status], template.allSatisfy(\.isWhitespace) {
                return OrderConfigProblem(
                    field: "\(CodingKeys.notificationTemplates.rawValue).\(status.rawValue)", reason: "must not be empty")
            }
        }
        if acceptedPaymentMethods.isEmpty {
            return OrderConfigProblem(field: CodingKeys.acceptedPaymentMethods.rawValue, reason: "must list at least one payment method")
        }
        for (index, method) in acceptedPaymentMethods.enumerated() where acceptedPaymentMethods[..<index].contains(method) {
            return OrderConfigProblem(
                field: "\(CodingKeys.acceptedPaymentMethods.rawValue)[\(index)]", reason: "lists \(method.rawValue) a second time")
        }
        if minimumOrderValue < 0 {
            return OrderConfigProblem(field: CodingKeys.minimumOrderValue.rawValue, reason: "must not be negative (centavos)")
        }
        return nil
    }

    private static func timeoutProblem(_ minutes: Int, field: String) -> OrderConfigProblem? {
        if minutes < 0 { return OrderConfigProblem(field: field, reason: "must not be negative (minutes)") }
        if minutes > maximumTimeoutMinutes {
            return OrderConfigProblem(field: field, reason: "must be at most \(maximumTimeoutMinutes) minutes (24 hours)")
        }
        return nil
    }
}
