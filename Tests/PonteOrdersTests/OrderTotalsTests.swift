import PonteCore
import Testing

@testable import PonteOrders

/// `OrderItem` and `OrderTotals`: integer centavos, overflow-safe, every refusal with its code.
@Suite struct OrderTotalsTests {
    static func item(_ id: String = "x", quantity: Int = 1, unitPrice: Int, total: Int? = nil) -> OrderItem {
        OrderItem(itemID: id, name: id, quantity: quantity, unitPrice: unitPrice, totalPrice: total)
    }

    static let burger = item("burger_cheese_bacon", unitPrice: 3290)
    static let fries = item("fritas", quantity: 2, unitPrice: 595)

    /// The refusal `body` throws; nil when it throws nothing (or something else).
    static func refusal(_ body: () throws -> Void) -> OrderRefusal? {
        do {
            try body()
            return nil
        } catch {
            return error as? OrderRefusal
        }
    }

    @Test func totalsAreLinesThenSubtotalPlusFeeMinusDiscount() throws {
        let totals = try OrderTotals(items: [Self.burger, Self.fries], deliveryFee: 700, discount: 700)
        #expect(totals.items.map(\.totalPrice) == [3290, 1190])
        #expect(totals.subtotal == 4480)
        #expect(totals.deliveryFee == 700)
        #expect(totals.discount == 700)
        #expect(totals.total == 4480)
        #expect(BRL.format(centavos: totals.total) == "R$ 44,80")
        #expect(totals.items[1].itemID == "fritas" && totals.items[1].quantity == 2)
    }

    @Test func withoutFeeOrDiscountTheTotalIsTheSubtotal() throws {
        let totals = try OrderTotals(items: [Self.fries])
        #expect(totals.subtotal == 1190 && totals.total == 1190)
    }

    @Test func sentTotalsThatAgreeAreAccepted() throws {
        let totals = try OrderTotals(items: [Self.item(unitPrice: 3290, total: 3290), Self.item(quantity: 3, unitPrice: 0, total: 0)], deliveryFee: 500)
        try totals.verify(sentSubtotal: 3290, sentTotal: 3790)
        try totals.verify(sentSubtotal: nil, sentTotal: nil)
        #expect(totals.total == 3790)
    }

    @Test func aDiscountOfEverythingIsAFreeOrder() throws {
        #expect(try OrderTotals(items: [Self.burger], deliveryFee: 500, discount: 3790).total == 0)
    }

    // MARK: Refusals

    @Test func eachRefusalHasItsCodeStatusAndField() {
        let cases: [(OrderRefusal?, String, Int, String)] = [
            (Self.refusal { _ = try OrderTotals(items: []) }, "ORDER_ITEMS_EMPTY", 400, "items"),
            (Self.refusal { _ = try OrderTotals(items: [Self.burger, Self.item(quantity: 0, unitPrice: 100)]) },
             "INVALID_QUANTITY", 400, "items[1].quantity"),
            (Self.refusal { _ = try OrderTotals(items: [Self.item(quantity: -2, unitPrice: 100)]) }, "INVALID_QUANTITY", 400, "items[0].quantity"),
            (Self.refusal { _ = try OrderTotals(items: [Self.burger, Self.fries, Self.item(unitPrice: -1)]) },
             "INVALID_PRICE", 400, "items[2].unit_price"),
            (Self.refusal { _ = try OrderTotals(items: [Self.burger], deliveryFee: -1) }, "INVALID_DELIVERY_FEE", 400, "delivery_fee"),
            (Self.refusal { _ = try OrderTotals(items: [Self.burger], discount: -1) }, "INVALID_DISCOUNT", 400, "discount"),
            (Self.refusal { _ = try OrderTotals(items: [Self.burger], deliveryFee: 500, discount: 3791) },
             "DISCOUNT_EXCEEDS_TOTAL", 422, "discount"),
            (Self.refusal { _ = try OrderTotals(items: [Self.item(quantity: 2, unitPrice: 595, total: 1100)]) },
             "ORDER_TOTALS_MISMATCH", 422, "items[0].total_price"),
            (Self.refusal { try OrderTotals(items: [Self.burger]).verify(sentSubtotal: 3200, sentTotal: nil) },
             "ORDER_TOTALS_MISMATCH", 422, "subtotal"),
            (Self.refusal { try OrderTotals(items: [Self.burger], deliveryFee: 500).verify(sentSubtotal: 3290, sentTotal: 3290) },
             "ORDER_TOTALS_MISMATCH", 422, "total"),
        ]
        for (refusal, code, status, field) in cases {
            #expect(refusal?.code == code, "\(field)")
            #expect(refusal?.httpStatus == status, "\(code)")
            #expect(refusal?.field == field, "\(code)")
            #expect(refusal?.details.objectField == field, "\(code)")
        }
    }

    @Test func aMismatchSaysWhatWasComputedAndWhatWasSent() throws {
        let refusal = try #require(Self.refusal { try OrderTotals(items: [Self.burger], deliveryFee: 500).verify(sentSubtotal: nil, sentTotal: 3700) })
        #expect(refusal == .totalsMismatch(field: "total", computed: 3790, sent: 3700))
        #expect(refusal.details == .object(["field": .string("total"), "computed": .integer(3790), "sent": .integer(3700)]))
        #expect(refusal.message == "total is 3700, but the items add up to 3790")
    }

    @Test func malformedInputIsRefusedBeforeAmountsThatDoNotAddUp() {
        let refusal = Self.refusal {
            _ = try OrderTotals(items: [Self.item(unitPrice: 100, total: 999), Self.item(quantity: 0, unitPrice: 100)], discount: 10_000)
        }
        #expect(refusal == .invalidQuantity(item: 1, quantity: 0))
        let addsUp = Self.refusal { _ = try OrderTotals(items: [Self.item(unitPrice: 100, total: 999)], discount: 10_000) }
        #expect(addsUp?.code == "ORDER_TOTALS_MISMATCH")
    }

    @Test func amountsPastTheLargestIntegerAreRefusedNotWrapped() throws {
        let line = Self.refusal { _ = try OrderTotals(items: [Self.item(quantity: 2, unitPrice: Int.max / 2 + 1)]) }
        #expect(line == .amountTooLarge(field: "items[0].total_price"))
        #expect(line?.httpStatus == 400)
        let subtotal = Self.refusal { _ = try OrderTotals(items: [Self.item(unitPrice: Int.max), Self.item(unitPrice: 1)]) }
        #expect(subtotal == .amountTooLarge(field: "subtotal"))
        let total = Self.refusal { _ = try OrderTotals(items: [Self.item(unitPrice: Int.max)], deliveryFee: 1) }
        #expect(total == .amountTooLarge(field: "total"))
        #expect(try OrderTotals(items: [Self.item(unitPrice: Int.max)]).total == Int.max)
    }

    // MARK: JSON

    @Test func anItemReadsTheSeedsShapeInSnakeCase() throws {
        let item = try JSONTesting.decode(
            OrderItem.self,
            #"""
            {"item_id": "burger_cheese_bacon", "name": "Cheese Bacon", "quantity": 1, "unit_price": 3290, "total_price": 3290,
             "customizations": {"adicionar": ["cebola caramelizada"], "remover": ["tomate"]}, "notes": "Bem passado"}
            """#)
        #expect(item.itemID == "burger_cheese_bacon")
        #expect(item.unitPrice == 3290 && item.totalPrice == 3290)
        #expect(item.customizations == OrderItem.Customizations(add: ["cebola caramelizada"], remove: ["tomate"]))
        #expect(item.notes == "Bem passado")
        #expect(try JSONTesting.decode(OrderItem.self, JSONTesting.encode(item)) == item)
        #expect(try JSONTesting.encode(item).contains(#""adicionar":["cebola caramelizada"]"#))
    }

    @Test func customizationsNotesAndTheLineTotalMayBeLeftOut() throws {
        let item = try JSONTesting.decode(OrderItem.self, #"{"item_id": "agua", "name": "Água", "quantity": 2, "unit_price": 400}"#)
        #expect(item.totalPrice == nil && item.notes == nil)
        #expect(item.customizations.add.isEmpty && item.customizations.remove.isEmpty)
        let partial = try JSONTesting.decode(OrderItem.Customizations.self, #"{"remover": ["gelo"]}"#)
        #expect(partial == OrderItem.Customizations(remove: ["gelo"]))
    }

    @Test func aPriceInReaisWithAFractionDoesNotDecode() {
        #expect(JSONTesting.decodingProblem(OrderItem.self, #"{"item_id": "a", "name": "A", "quantity": 1, "unit_price": 32.90}"#) != nil)
    }
}

extension JSONValue {
    /// The `field` of an object.
    fileprivate var objectField: String? {
        guard case .object(let object) = self, case .string(let field)? = object["field"] else { return nil }
        return field
    }
}
