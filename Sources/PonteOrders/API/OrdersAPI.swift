import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PonteCore
import PonteJobs
import PonteKit
import PonteStore

/// Orders: create (any channel's orders through the API), read, list, move through the state
/// machine; and each store's stream, which its POS reads. Admins see every order; a store key
/// sees its own store's, and any other id is a 404 as if it did not exist.
struct OrdersAPI: Sendable {
    let context: ModuleContext
    let notifier: CustomerNotifier

    func addRoutes(to routes: inout APIRoutes) {
        let tags = ["Orders"]
        let money = JSONSchema.integer("Centavos", minimum: 0)
        routes.post(
            "orders",
            APIOperation(
                "createOrder", "Create an order",
                description: """
                    Ponte computes item totals, subtotal and total (subtotal + delivery_fee - discount); totals sent must agree. \
                    PIX, CREDIT and DEBIT create an Asaas charge; the order reaches the store's stream once paid. CASH reaches it at once. \
                    With an Idempotency-Key header a retry returns the same order (200); the same key with another body is a 409.
                    """,
                tags: tags
            )
            .header("Idempotency-Key", IdempotencyKey.schema, "Makes a retry return the same order")
            .body(
                .object([
                    "client_id": .string(), "store_id": .string(),
                    "source": JSONSchema.oneOf([OrderSource.whatsappBot.rawValue, OrderSource.api.rawValue], "Default API").optional,
                    "customer_id": JSONSchema.string().optional, "customer_name": JSONSchema.string().optional,
                    "phone_number": JSONSchema.string("E.164").optional,
                    "customer_cpf": JSONSchema.string("Required for PIX, CREDIT and DEBIT").optional,
                    "items": .array(
                        .object([
                            "item_id": .string(), "name": .string(), "quantity": .integer(minimum: 1), "unit_price": money,
                            "total_price": money.optional,
                            "customizations": JSONSchema.object([
                                "adicionar": JSONSchema.array(.string()).optional, "remover": JSONSchema.array(.string()).optional,
                            ]).optional,
                            "notes": JSONSchema.string().optional,
                        ])),
                    "delivery_type": JSONSchema.oneOf(DeliveryType.allCases.map(\.rawValue), "Default PICKUP").optional,
                    "delivery_address": JSONSchema.any().optional,
                    "delivery_time": JSONSchema.string("As told to the customer, e.g. 40 min").optional,
                    "delivery_fee": money.optional, "discount": money.optional,
                    "subtotal": money.optional, "total": money.optional,
                    "payment_method": .oneOf(PaymentMethod.allCases.map(\.rawValue)),
                    "customer_notes": JSONSchema.string().optional,
                ])
            )
            .response(201, .ref("Order"), "Created")
            .response(200, .ref("Order"), "The order this Idempotency-Key created before")
            .errors(
                400, "INVALID_JSON", "INVALID_FIELD", "INVALID_SOURCE", "INVALID_PHONE_NUMBER", "CPF_REQUIRED", "CPF_INVALID",
                "ORDER_ITEMS_EMPTY", "INVALID_QUANTITY", "INVALID_PRICE", "INVALID_DELIVERY_FEE", "INVALID_DISCOUNT", "AMOUNT_TOO_LARGE",
                "INVALID_IDEMPOTENCY_KEY"
            )
            .errors(404, "STORE_NOT_FOUND")
            .errors(409, "IDEMPOTENCY_KEY_REUSED")
            .errors(
                422, "ORDER_TOTALS_MISMATCH", "DISCOUNT_EXCEEDS_TOTAL", "PAYMENT_METHOD_NOT_ACCEPTED", "BELOW_MINIMUM_ORDER_VALUE",
                "STORE_CLOSED"),
            access: .authenticated, create
        )
        routes.get(
            "orders",
            APIOperation("listOrders", "Orders, newest first", tags: tags)
                .query("store_id", .string(), "Only this store's")
                .query("status", .oneOf(OrderStatus.allCases.map(\.rawValue)), "Only orders in this status")
                .query("phone_number", .string(), "Only this customer's (E.164)")
                .query("customer_id", .string(), "Only this customer's")
                .query("payment_status", .oneOf(PaymentStatus.allCases.map(\.rawValue)), "Only orders whose payment is in this status")
                .paged()
                .response(200, JSONSchema.page(of: "Order"), "A page of orders")
                .errors(400, "INVALID_QUERY").errors(404, "STORE_NOT_FOUND"),
            access: .authenticated, list
        )
        routes.get(
            "orders/{order_id}",
            APIOperation("getOrder", "An order, with its status history and the customer's notifications", tags: tags)
                .response(200, .ref("Order"), "The order").errors(404, "ORDER_NOT_FOUND"),
            access: .authenticated, get
        )
        routes.post(
            "orders/{order_id}/status",
            APIOperation(
                "changeOrderStatus", "Move an order to another status",
                description: "The same status again changes nothing (200). A move the state machine does not allow is a 409 naming the statuses allowed.",
                tags: tags
            )
            .body(
                .object([
                    "status": .oneOf(OrderStatus.allCases.map(\.rawValue)), "notes": JSONSchema.string(maxLength: 1000).optional,
                    "by": JSONSchema.oneOf(
                        [StatusChangeActor.restaurant.rawValue, StatusChangeActor.customer.rawValue],
                        "Who asked (admins only; a store key is always RESTAURANT). Default RESTAURANT"
                    ).optional,
                ])
            )
            .response(200, .ref("Order"), "The order")
            .errors(400, "INVALID_JSON", "INVALID_FIELD").errors(404, "ORDER_NOT_FOUND").errors(409, "INVALID_STATUS_TRANSITION"),
            access: .authenticated, changeStatus
        )
        let endpoint = context.streamEndpoint
        routes.get(
            "stores/{store_id}/events",
            StreamEndpoint.operation("readStoreEvents", "The store's stream, for its POS")
                .tagged("Orders")
                .errors(404, "STORE_NOT_FOUND"),
            access: .authenticated
        ) { request, context in
            let storeID = try context.parameters.require("store_id")
            let access = try OrdersAccess(context)
            guard access.mayAccess(storeID: storeID), try await OrdersStorage.store(storeID, on: self.context.database) != nil else {
                throw StoresAPI.storeNotFound(storeID)
            }
            return try await endpoint.respond(to: request, context: context, stream: Store.streamName(storeID))
        }
    }

    // MARK: Creating

    struct NewOrder: Decodable {
        let clientID: String
        let storeID: String
        let source: String?
        let customerID: String?
        let customerName: String?
        let phoneNumber: String?
        let customerCPF: String?
        let items: [OrderItem]
        let deliveryType: DeliveryType?
        let deliveryAddress: JSONValue?
        let deliveryTime: String?
        let deliveryFee: Int?
        let discount: Int?
        let subtotal: Int?
        let total: Int?
        let paymentMethod: PaymentMethod
        let customerNotes: String?

        enum CodingKeys: String, CodingKey {
            case clientID = "client_id"
            case storeID = "store_id"
            case source
            case customerID = "customer_id"
            case customerName = "customer_name"
            case phoneNumber = "phone_number"
            case customerCPF = "customer_cpf"
            case items
            case deliveryType = "delivery_type"
            case deliveryAddress = "delivery_address"
            case deliveryTime = "delivery_time"
            case deliveryFee = "delivery_fee"
            case discount, subtotal, total
            case paymentMethod = "payment_method"
            case customerNotes = "customer_notes"
        }
    }

    @Sendable func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let access = try OrdersAccess(context)
        let key = try IdempotencyKey.read(request)
        let body = try await request.body.collect(upTo: 256 * 1024)
        let input = try APIJSON.decodeBody(NewOrder.self, from: body)
        let requestHash = StoreKeys.sha256(Data(body.readableBytesView))

        let source = try Self.source(input.source)
        let phone = try input.phoneNumber.map { text -> String in
            guard let phone = PhoneNumber(text) else {
                throw APIError.badRequest(
                    "INVALID_PHONE_NUMBER", "phone_number must be E.164, such as +5511987654321", details: .object(["field": "phone_number"]))
            }
            return phone.e164
        }
        let cpf = try input.customerCPF.map { text -> CPF in
            guard let cpf = CPF(text) else {
                throw APIError.badRequest("CPF_INVALID", "customer_cpf is not a valid CPF (its check digits do not match)", details: .object(["field": "customer_cpf"]))
            }
            return cpf
        }
        if input.paymentMethod.isOnline, cpf == nil {
            throw APIError.badRequest(
                "CPF_REQUIRED", "customer_cpf is required to pay by \(input.paymentMethod.rawValue) (Asaas needs the payer's CPF)",
                details: .object(["field": "customer_cpf"]))
        }
        let totals = try Self.totals(of: input)

        guard access.mayAccess(storeID: input.storeID), let (store, config) = try await OrdersStorage.store(input.storeID, on: self.context.database),
            store.clientID == input.clientID
        else {
            throw APIError.notFound("STORE_NOT_FOUND", "client '\(input.clientID)' has no store '\(input.storeID)'")
        }
        guard config.accepts(input.paymentMethod) else {
            throw APIError.unprocessable(
                "PAYMENT_METHOD_NOT_ACCEPTED",
                "store \(store.id) does not accept \(input.paymentMethod.rawValue); it accepts "
                    + config.acceptedPaymentMethods.map(\.rawValue).joined(separator: ", "),
                details: .object(["field": "payment_method"]))
        }
        guard totals.subtotal >= config.minimumOrderValue else {
            throw APIError.unprocessable(
                "BELOW_MINIMUM_ORDER_VALUE",
                "the subtotal \(BRL.format(centavos: totals.subtotal)) is below the store's minimum of \(BRL.format(centavos: config.minimumOrderValue))",
                details: .object(["field": "subtotal", "minimum_order_value": .integer(Int64(config.minimumOrderValue))]))
        }
        let now = self.context.jobs.clock.now()
        if config.operatingHoursCheck, !store.isOpen(at: OrdersStorage.date(now)) {
            throw APIError.unprocessable(
                "STORE_CLOSED", "store \(store.id) is closed now (\(store.timeZone)); see its operating_hours",
                details: .object(["time_zone": .string(store.timeZone)]))
        }

        let notifier = self.notifier
        let make = { @Sendable (unit: UnitOfWork) -> Order in
            let at = OrdersStorage.timestamp(unit.now)
            return Order(
                id: OrdersStorage.orderIDs.next(at: OrdersStorage.date(unit.now)), clientID: store.clientID, storeID: store.id,
                source: source, externalID: nil, status: .pending, customerID: input.customerID, customerName: input.customerName,
                phoneNumber: phone, customerCPF: cpf?.formatted, items: totals.items, subtotal: totals.subtotal,
                deliveryFee: totals.deliveryFee, discount: totals.discount, total: totals.total, paymentMethod: input.paymentMethod,
                paymentStatus: input.paymentMethod.initialPaymentStatus, paymentID: nil, paymentDetails: PaymentDetails(),
                deliveryType: input.deliveryType ?? .pickup, deliveryAddress: input.deliveryAddress, deliveryTime: input.deliveryTime,
                customerNotes: input.customerNotes, awaitingConfirmation: false, reachedStoreAt: nil, confirmationDeadline: nil,
                refundDeadline: nil, statusHistory: [StatusHistoryEntry(status: .pending, at: at, by: .system, notes: "order received")],
                createdAt: at, updatedAt: at
            )
        }
        func attempt() async throws -> (Order, created: Bool) {
            try await self.context.transaction { unit in
                if let key, let existing = try await OrdersStorage.order(idempotencyKey: key, in: unit) {
                    guard existing.requestHash == requestHash else {
                        throw APIError.conflict(
                            "IDEMPOTENCY_KEY_REUSED", "Idempotency-Key '\(key)' was used for a different order; use a new key for a new order")
                    }
                    return (try OrdersStorage.decode(Order.self, existing.document), false)
                }
                let order = make(unit)
                try await OrdersStorage.insertOrder(order, idempotencyKey: key, requestHash: key == nil ? nil : requestHash, in: unit)
                var flow = OrderFlow(unit: unit, order: order, store: store, config: config, notifier: notifier)
                if order.paymentMethod.isOnline {
                    try await unit.enqueue(OrderJobs.createCharge, .init(orderID: order.id), uniqueKey: OrderJobs.chargeKey(order.id))
                } else {
                    try await flow.reachStore()
                }
                try await flow.save()
                return (flow.order, true)
            }
        }
        let (order, created): (Order, Bool)
        do {
            (order, created) = try await attempt()
        } catch let error as StoreError where error.kind == .uniqueViolation && key != nil {
            // The same key, at the same moment, from another request: that one won.
            (order, created) = try await attempt()
        }
        return try .json(encoding: order, status: created ? .created : .ok)
    }

    static func source(_ text: String?) throws -> OrderSource {
        guard let text else { return .api }
        guard let source = OrderSource(rawValue: text), source != .ifood else {
            throw APIError.badRequest(
                "INVALID_SOURCE", "source must be WHATSAPP_BOT or API (iFood's orders come from iFood)", details: .object(["field": "source"]))
        }
        return source
    }

    /// The order's totals, or its refusal as the API's error.
    static func totals(of input: NewOrder) throws(APIError) -> OrderTotals {
        let computed = Result { () throws(OrderRefusal) -> OrderTotals in
            let totals = try OrderTotals(items: input.items, deliveryFee: input.deliveryFee ?? 0, discount: input.discount ?? 0)
            try totals.verify(sentSubtotal: input.subtotal, sentTotal: input.total)
            return totals
        }
        switch computed {
        case .success(let totals): return totals
        case .failure(let refusal): throw apiError(refusal)
        }
    }

    static func apiError(_ refusal: OrderRefusal) -> APIError {
        APIError(.init(code: refusal.httpStatus), code: refusal.code, message: refusal.message, details: refusal.details)
    }

    // MARK: Reading

    @Sendable func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let access = try OrdersAccess(context)
        let query = ListParameters(request)
        var filter = OrdersStorage.OrderFilter(
            storeID: query.text("store_id"), status: try query.value(OrderStatus.self, "status"), phoneNumber: query.text("phone_number"),
            customerID: query.text("customer_id"), paymentStatus: try query.value(PaymentStatus.self, "payment_status")
        )
        let limit = try query.limit()
        let cursor = try query.cursor(ids: OrdersStorage.orderIDs)
        if let scoped = access.storeID {
            if let asked = filter.storeID, asked != scoped { throw StoresAPI.storeNotFound(asked) }
            filter.storeID = scoped
        }
        let page = try await ListParameters.page(size: limit, id: \Order.id, item: { $0 }) { [filter] limit in
            try await OrdersStorage.orders(filter, after: cursor, limit: limit, on: self.context.database)
        }
        return try .json(encoding: page)
    }

    struct OrderDetail: Encodable {
        let order: Order
        let notifications: [NotificationJSON]

        func encode(to encoder: any Encoder) throws {
            try order.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingPathKey.self)
            try container.encode(notifications, forKey: CodingPathKey(stringValue: "notifications"))
        }
    }

    struct NotificationJSON: Encodable {
        let id: String
        let event: String
        let to: String
        let body: String
        let status: String
        let messageSid: String?
        let error: String?
        let createdAt: String
        let updatedAt: String

        enum CodingKeys: String, CodingKey {
            case id, event, to, body, status, error
            case messageSid = "message_sid"
            case createdAt = "created_at"
            case updatedAt = "updated_at"
        }

        init(_ row: OrdersStorage.NotificationRow) {
            id = row.id
            event = row.event
            to = row.recipient
            body = row.body
            status = row.status
            messageSid = row.messageSid
            error = row.error
            createdAt = OrdersStorage.timestamp(row.createdAt)
            updatedAt = OrdersStorage.timestamp(row.updatedAt)
        }
    }

    @Sendable func get(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let order = try await visibleOrder(context)
        let notifications = try await OrdersStorage.notifications(orderID: order.id, on: self.context.database).map(NotificationJSON.init)
        return try .json(encoding: OrderDetail(order: order, notifications: notifications))
    }

    private func visibleOrder(_ context: APIRequestContext) async throws -> Order {
        let access = try OrdersAccess(context)
        let id = try context.parameters.require("order_id")
        guard let order = try await OrdersStorage.order(id, on: self.context.database), access.mayAccess(storeID: order.storeID) else {
            throw Self.orderNotFound(id)
        }
        return order
    }

    static func orderNotFound(_ id: String) -> APIError { .notFound("ORDER_NOT_FOUND", "there is no order '\(id)'") }

    // MARK: Status

    struct StatusRequest: Decodable {
        let status: OrderStatus
        let notes: String?
        let by: StatusChangeActor?
    }

    @Sendable func changeStatus(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let access = try OrdersAccess(context)
        let id = try context.parameters.require("order_id")
        let change = try await request.decodeJSON(StatusRequest.self, expected: #"{"status": "CONFIRMED", "notes": "…"}"#)
        let actor = change.by ?? .restaurant
        guard actor == .restaurant || actor == .customer, access.storeID == nil || actor == .restaurant else {
            throw APIError.badRequest(
                "INVALID_FIELD", "by may be RESTAURANT, or CUSTOMER for an admin acting for the customer", details: .object(["field": "by"]))
        }
        if let notes = change.notes, notes.count > 1000 {
            throw APIError.badRequest("INVALID_FIELD", "notes must be at most 1000 characters", details: .object(["field": "notes"]))
        }
        let notifier = self.notifier
        let order = try await self.context.transaction { unit -> Order in
            guard let order = try await OrdersStorage.lockOrder(id, in: unit), access.mayAccess(storeID: order.storeID),
                let (store, config) = try await OrdersStorage.store(order.storeID, in: unit)
            else { throw Self.orderNotFound(id) }
            var flow = OrderFlow(unit: unit, order: order, store: store, config: config, notifier: notifier)
            do {
                if try await flow.changeStatus(to: change.status, by: actor, notes: change.notes) { try await flow.save() }
            } catch let refusal as OrderRefusal {
                throw Self.apiError(refusal)
            }
            return flow.order
        }
        return try .json(encoding: order)
    }
}
