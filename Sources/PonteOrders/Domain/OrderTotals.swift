/// What an order costs, in integer centavos: each line's `quantity × unit_price`, their sum
/// (`subtotal`), and `total = subtotal + delivery_fee − discount`.
///
/// Every sum and product is checked for overflow, and every refusal is an `OrderRefusal`
/// with a stable code. Refusals of the input itself (`400`) come before refusals of what
/// it adds up to (`422`), in this order:
///
/// 1. no items: `ORDER_ITEMS_EMPTY`;
/// 2. an item's quantity below 1: `INVALID_QUANTITY`; its unit price negative: `INVALID_PRICE`;
/// 3. a negative delivery fee: `INVALID_DELIVERY_FEE`; a negative discount: `INVALID_DISCOUNT`;
/// 4. a line, the subtotal or subtotal + fee past the largest integer: `AMOUNT_TOO_LARGE`;
/// 5. an item's sent `total_price` that is not `quantity × unit_price`: `ORDER_TOTALS_MISMATCH`;
/// 6. a discount above subtotal + fee (a total below zero): `DISCOUNT_EXCEEDS_TOTAL`.
///
/// A total of zero (a discount of everything) is allowed.
public struct OrderTotals: Sendable, Equatable {
    /// The items, each with its `totalPrice`.
    public let items: [OrderItem]
    public let subtotal: Int
    public let deliveryFee: Int
    public let discount: Int
    public let total: Int

    /// The totals of `items` with `deliveryFee` and `discount`, or the first refusal.
    public init(items: [OrderItem], deliveryFee: Int = 0, discount: Int = 0) throws(OrderRefusal) {
        guard !items.isEmpty else { throw .itemsEmpty }
        for (index, item) in items.enumerated() {
            guard item.quantity >= 1 else { throw .invalidQuantity(item: index, quantity: item.quantity) }
            guard item.unitPrice >= 0 else { throw .invalidPrice(item: index, unitPrice: item.unitPrice) }
        }
        guard deliveryFee >= 0 else { throw .invalidDeliveryFee(deliveryFee) }
        guard discount >= 0 else { throw .invalidDiscount(discount) }

        var priced = items
        var subtotal = 0
        for index in priced.indices {
            let (line, lineOverflow) = priced[index].unitPrice.multipliedReportingOverflow(by: priced[index].quantity)
            guard !lineOverflow else { throw .amountTooLarge(field: "items[\(index)].total_price") }
            let (sum, sumOverflow) = subtotal.addingReportingOverflow(line)
            guard !sumOverflow else { throw .amountTooLarge(field: "subtotal") }
            subtotal = sum
            priced[index].totalPrice = line
        }
        let (beforeDiscount, overflow) = subtotal.addingReportingOverflow(deliveryFee)
        guard !overflow else { throw .amountTooLarge(field: "total") }

        for (index, item) in items.enumerated() {
            if let sent = item.totalPrice, let computed = priced[index].totalPrice, sent != computed {
                throw .totalsMismatch(field: "items[\(index)].total_price", computed: computed, sent: sent)
            }
        }
        guard discount <= beforeDiscount else {
            throw .discountExceedsTotal(discount: discount, subtotalAndFee: beforeDiscount)
        }

        self.items = priced
        self.subtotal = subtotal
        self.deliveryFee = deliveryFee
        self.discount = discount
        self.total = beforeDiscount - discount
    }

    /// Checks the totals a caller sent alongside its items (nil when it sent none): each must
    /// be the computed one, else `422 ORDER_TOTALS_MISMATCH` naming `subtotal` or `total`.
    public func verify(sentSubtotal: Int?, sentTotal: Int?) throws(OrderRefusal) {
        if let sentSubtotal, sentSubtotal != subtotal {
            throw .totalsMismatch(field: "subtotal", computed: subtotal, sent: sentSubtotal)
        }
        if let sentTotal, sentTotal != total {
            throw .totalsMismatch(field: "total", computed: total, sent: sentTotal)
        }
    }
}
