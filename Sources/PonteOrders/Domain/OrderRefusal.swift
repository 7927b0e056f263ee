import PonteCore

/// A request about an order that Ponte refuses, with a stable code, an HTTP status, the field
/// at fault and details for the error body (`{"error": {"code", "message", "details"}}`).
///
/// | code | status | field |
/// |---|---|---|
/// | `ORDER_ITEMS_EMPTY` | 400 | `items` |
/// | `INVALID_QUANTITY` | 400 | `items[i].quantity` |
/// | `INVALID_PRICE` | 400 | `items[i].unit_price` |
/// | `INVALID_DELIVERY_FEE` | 400 | `delivery_fee` |
/// | `INVALID_DISCOUNT` | 400 | `discount` |
/// | `AMOUNT_TOO_LARGE` | 400 | `items[i].total_price`, `subtotal` or `total` |
/// | `ORDER_TOTALS_MISMATCH` | 422 | `items[i].total_price`, `subtotal` or `total` |
/// | `DISCOUNT_EXCEEDS_TOTAL` | 422 | `discount` |
/// | `INVALID_STATUS_TRANSITION` | 409 | `status` |
public enum OrderRefusal: Error, Sendable, Equatable {
    /// An order with no items.
    case itemsEmpty
    /// Item number `item` (from 0) has a quantity below 1.
    case invalidQuantity(item: Int, quantity: Int)
    /// Item number `item` (from 0) has a negative unit price.
    case invalidPrice(item: Int, unitPrice: Int)
    case invalidDeliveryFee(Int)
    case invalidDiscount(Int)
    /// An amount too large to compute without overflow.
    case amountTooLarge(field: String)
    /// A total the caller sent is not the one its items add up to.
    case totalsMismatch(field: String, computed: Int, sent: Int)
    /// The discount is more than the subtotal and the delivery fee together.
    case discountExceedsTotal(discount: Int, subtotalAndFee: Int)
    /// The status cannot change from `from` to `to` (see `OrderStatus.allowedNextStatuses`).
    case invalidStatusTransition(from: OrderStatus, to: OrderStatus, allowed: [OrderStatus])

    /// The stable error code.
    public var code: String {
        switch self {
        case .itemsEmpty: "ORDER_ITEMS_EMPTY"
        case .invalidQuantity: "INVALID_QUANTITY"
        case .invalidPrice: "INVALID_PRICE"
        case .invalidDeliveryFee: "INVALID_DELIVERY_FEE"
        case .invalidDiscount: "INVALID_DISCOUNT"
        case .amountTooLarge: "AMOUNT_TOO_LARGE"
        case .totalsMismatch: "ORDER_TOTALS_MISMATCH"
        case .discountExceedsTotal: "DISCOUNT_EXCEEDS_TOTAL"
        case .invalidStatusTransition: "INVALID_STATUS_TRANSITION"
        }
    }

    /// 400 for a malformed request, 422 for amounts that do not add up, 409 for a status
    /// change the order's current status does not allow.
    public var httpStatus: Int {
        switch self {
        case .itemsEmpty, .invalidQuantity, .invalidPrice, .invalidDeliveryFee, .invalidDiscount, .amountTooLarge: 400
        case .totalsMismatch, .discountExceedsTotal: 422
        case .invalidStatusTransition: 409
        }
    }

    /// The request field at fault.
    public var field: String {
        switch self {
        case .itemsEmpty: "items"
        case .invalidQuantity(let item, _): "items[\(item)].quantity"
        case .invalidPrice(let item, _): "items[\(item)].unit_price"
        case .invalidDeliveryFee: "delivery_fee"
        case .invalidDiscount, .discountExceedsTotal: "discount"
        case .amountTooLarge(let field), .totalsMismatch(let field, _, _): field
        case .invalidStatusTransition: "status"
        }
    }

    /// What is wrong, for the error's `message`.
    public var message: String {
        switch self {
        case .itemsEmpty: "an order needs at least one item"
        case .invalidQuantity(_, let quantity): "\(field) must be at least 1, not \(quantity)"
        case .invalidPrice(_, let price): "\(field) must not be negative (centavos), not \(price)"
        case .invalidDeliveryFee(let fee): "delivery_fee must not be negative (centavos), not \(fee)"
        case .invalidDiscount(let discount): "discount must not be negative (centavos), not \(discount)"
        case .amountTooLarge: "\(field) is too large to compute"
        case .totalsMismatch(_, let computed, let sent): "\(field) is \(sent), but the items add up to \(computed)"
        case .discountExceedsTotal(let discount, let amount):
            "discount \(discount) is more than the subtotal and delivery fee together (\(amount))"
        case .invalidStatusTransition(let from, let to, let allowed):
            allowed.isEmpty
                ? "an order \(from.rawValue) is final; it cannot become \(to.rawValue)"
                : "an order \(from.rawValue) cannot become \(to.rawValue); it can become "
                    + allowed.map(\.rawValue).joined(separator: ", ")
        }
    }

    /// The error's `details`: the field, and the amounts or statuses involved.
    public var details: JSONValue {
        var details: [String: JSONValue] = ["field": .string(field)]
        switch self {
        case .totalsMismatch(_, let computed, let sent):
            details["computed"] = .integer(Int64(computed))
            details["sent"] = .integer(Int64(sent))
        case .discountExceedsTotal(let discount, let amount):
            details["discount"] = .integer(Int64(discount))
            details["subtotal_and_fee"] = .integer(Int64(amount))
        case .invalidStatusTransition(let from, let to, let allowed):
            details["from"] = .string(from.rawValue)
            details["to"] = .string(to.rawValue)
            details["allowed"] = .array(allowed.map { .string($0.rawValue) })
        default:
            break
        }
        return .object(details)
    }
}
