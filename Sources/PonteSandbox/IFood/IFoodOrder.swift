import Foundation

/// An iFood order as `GET /order/v1.0/orders/{id}` returns it (the "Order details" fields),
/// plus the status the simulator tracks, which iFood reports through events only.
struct IFoodOrder: Sendable {
    enum Status: String, Sendable {
        case placed = "PLACED"
        case confirmed = "CONFIRMED"
        case preparationStarted = "PREPARATION_STARTED"
        case readyToPickup = "READY_TO_PICKUP"
        case dispatched = "DISPATCHED"
        case cancelled = "CANCELLED"
    }

    struct Item: Sendable {
        var name: String
        var externalCode: String?
        var quantity: Int
        /// Centavos.
        var unitPrice: Int
    }

    var id: String
    var displayId: String
    var orderType: String
    var createdAt: Date
    var merchantID: String
    var merchantName: String
    var customerName: String
    var items: [Item]
    /// Centavos.
    var deliveryFee: Int
    var status: Status = .placed

    var subTotal: Int { items.map { $0.unitPrice * $0.quantity }.reduce(0, +) }
    var orderAmount: Int { subTotal + deliveryFee }

    /// The body of `POST /_sandbox/ifood/orders`; everything has a default.
    struct Placement: Decodable {
        struct Item: Decodable {
            var name: String?
            var externalCode: String?
            var quantity: Int?
            var unitPrice: Decimal?
        }
        var merchantId: String?
        var merchantName: String?
        var customerName: String?
        var orderType: String?
        var items: [Item]?
        var deliveryFee: Decimal?
    }

    static let orderTypes: Set<String> = ["DELIVERY", "TAKEOUT", "DINE_IN"]
    /// The merchant of orders that name none.
    static let defaultMerchantID = "6b487a27-c4fc-4f26-b05e-3967c2331882"

    /// The order `placement` describes, or what is wrong with it (a control-API message).
    init(placement: Placement, id: String, displayId: String, createdAt: Date) throws(IFoodError) {
        let orderType = placement.orderType ?? "DELIVERY"
        guard Self.orderTypes.contains(orderType) else {
            throw .badRequest("orderType must be one of \(Self.orderTypes.sorted().joined(separator: ", "))")
        }
        var items: [Item] = []
        for (index, item)
            in (placement.items ?? [Placement.Item(name: "X-Burger", quantity: 1, unitPrice: Decimal(2_990) / 100)])
            .enumerated()
        {
            guard let price = item.unitPrice.flatMap(Self.centavos), price > 0 else {
                throw .badRequest(
                    "items[\(index)].unitPrice must be a positive amount in reais with at most 2 decimals")
            }
            let quantity = item.quantity ?? 1
            guard quantity > 0 else { throw .badRequest("items[\(index)].quantity must be positive") }
            items.append(
                Item(
                    name: item.name ?? "Item \(index + 1)", externalCode: item.externalCode, quantity: quantity,
                    unitPrice: price))
        }
        guard !items.isEmpty else { throw .badRequest("an order needs at least one item") }
        var fee = orderType == "DELIVERY" ? 590 : 0
        if let deliveryFee = placement.deliveryFee {
            guard let centavos = Self.centavos(deliveryFee) else {
                throw .badRequest("deliveryFee must be an amount in reais with at most 2 decimals")
            }
            fee = centavos
        }
        self.id = id
        self.displayId = displayId
        self.orderType = orderType
        self.createdAt = createdAt
        self.merchantID = placement.merchantId ?? Self.defaultMerchantID
        self.merchantName = placement.merchantName ?? "Ponte Sandbox Restaurante"
        self.customerName = placement.customerName ?? "Cliente Sandbox"
        self.items = items
        self.deliveryFee = fee
    }

    static func centavos(_ value: Decimal) -> Int? {
        var scaled = value * 100
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        guard rounded == scaled, rounded >= 0, rounded < 100_000_000 else { return nil }
        return NSDecimalNumber(decimal: rounded).intValue
    }
}

extension IFoodOrder: Encodable {
    private struct Body: Encodable {
        struct Merchant: Encodable { var id, name: String }
        struct Phone: Encodable { var number, localizer, localizerExpiration: String }
        struct Customer: Encodable {
            var id, name, documentNumber: String
            var phone: Phone
            var ordersCountOnMerchant: Int
        }
        struct Item: Encodable {
            var index: Int
            var id, uniqueId, name: String
            var externalCode: String?
            var unit: String
            var quantity: Int
            var unitPrice, optionsPrice, totalPrice, price: Decimal
            var options: [String]
        }
        struct Total: Encodable { var subTotal, deliveryFee, benefits, additionalFees, orderAmount: Decimal }
        struct Method: Encodable {
            struct Card: Encodable { var brand: String }
            var value: Decimal
            var currency, method, type: String
            var prepaid: Bool
            var card: Card
        }
        struct Payments: Encodable {
            var prepaid, pending: Decimal
            var methods: [Method]
        }
        struct Address: Encodable {
            struct Coordinates: Encodable { var latitude, longitude: Double }
            var streetName, streetNumber, formattedAddress, neighborhood, postalCode, city, state, country: String
            var complement, reference: String?
            var coordinates: Coordinates
        }
        struct Delivery: Encodable {
            var mode, deliveredBy, deliveryDateTime, pickupCode: String
            var observations: String?
            var deliveryAddress: Address
        }
        struct Takeout: Encodable { var mode, takeoutDateTime: String }

        var id, displayId, orderType, orderTiming, salesChannel, category, createdAt, preparationStartDateTime: String
        var isTest: Bool
        var merchant: Merchant
        var customer: Customer
        var items: [Item]
        var benefits: [String]
        var additionalFees: [String]
        var total: Total
        var payments: Payments
        var delivery: Delivery?
        var takeout: Takeout?
    }

    func encode(to encoder: any Encoder) throws {
        let created = IFoodEvent.timestamp(createdAt)
        let ready = IFoodEvent.timestamp(createdAt.addingTimeInterval(45 * 60))
        let reais = { (centavos: Int) in Decimal(centavos) / 100 }
        var delivery: Body.Delivery?
        if orderType == "DELIVERY" {
            delivery = Body.Delivery(
                mode: "DEFAULT", deliveredBy: "IFOOD", deliveryDateTime: ready, pickupCode: "4821", observations: nil,
                deliveryAddress: Body.Address(
                    streetName: "Avenida Paulista", streetNumber: "1578", formattedAddress: "Avenida Paulista, 1578",
                    neighborhood: "Bela Vista", postalCode: "01310200", city: "São Paulo", state: "SP", country: "BR",
                    complement: nil, reference: nil, coordinates: .init(latitude: -23.561414, longitude: -46.655881)
                )
            )
        }
        let takeout = orderType == "TAKEOUT" ? Body.Takeout(mode: "DEFAULT", takeoutDateTime: ready) : nil
        let body = Body(
            id: id, displayId: displayId, orderType: orderType, orderTiming: "IMMEDIATE", salesChannel: "IFOOD",
            category: "FOOD", createdAt: created, preparationStartDateTime: created, isTest: true,
            merchant: .init(id: merchantID, name: merchantName),
            customer: .init(
                id: "a1b2c3d4-0000-4000-8000-000000000001", name: customerName, documentNumber: "52998224725",
                phone: .init(number: "0800 705 0500", localizer: "27491356", localizerExpiration: ready),
                ordersCountOnMerchant: 1
            ),
            items: items.enumerated().map { index, item in
                .init(
                    index: index + 1, id: "item-\(index + 1)-\(id.prefix(8))",
                    uniqueId: "unique-\(index + 1)-\(id.prefix(8))",
                    name: item.name, externalCode: item.externalCode, unit: "UN", quantity: item.quantity,
                    unitPrice: reais(item.unitPrice), optionsPrice: 0,
                    totalPrice: reais(item.unitPrice * item.quantity),
                    price: reais(item.unitPrice * item.quantity), options: []
                )
            },
            benefits: [], additionalFees: [],
            total: .init(
                subTotal: reais(subTotal), deliveryFee: reais(deliveryFee), benefits: 0, additionalFees: 0,
                orderAmount: reais(orderAmount)),
            payments: .init(
                prepaid: reais(orderAmount), pending: 0,
                methods: [
                    .init(
                        value: reais(orderAmount), currency: "BRL", method: "CREDIT", type: "ONLINE", prepaid: true,
                        card: .init(brand: "VISA"))
                ]
            ),
            delivery: delivery, takeout: takeout
        )
        try body.encode(to: encoder)
    }
}
