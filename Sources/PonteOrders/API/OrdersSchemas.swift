import PonteCore
import PonteKit

/// The OpenAPI schemas of the orders API, by the names its operations refer to.
enum OrdersSchemas {
    static func add(to routes: inout APIRoutes) {
        let money = JSONSchema.integer("Centavos", minimum: 0)
        let phone = JSONSchema.string("E.164, such as +5511987654321", pattern: "^\\+[1-9][0-9]{7,14}$")
        let hours = JSONSchema.map(
            .array(.array(.string("HH:MM"), maxItems: 2)),
            "Per day (mon … sun), intervals [opens, closes] in the store's time; a day not listed is closed"
        )
        routes.schema(
            "Client",
            .object(["id": .string(), "name": .string(), "created_at": .timestamp(), "updated_at": .timestamp()])
        )
        routes.schema(
            "Store",
            .object([
                "id": .string(), "client_id": .string(), "name": .string(),
                "time_zone": .string("IANA time zone, such as America/Sao_Paulo"), "operating_hours": hours,
                "whatsapp_number": phone.optional, "ifood_merchant_id": JSONSchema.string().optional,
                "created_at": .timestamp(), "updated_at": .timestamp(),
            ])
        )
        routes.schema(
            "OrderConfig",
            .object([
                "requires_confirmation": .boolean("Orders wait for the store to confirm them"),
                "auto_confirmation_timeout": .integer("Minutes after an order reaches the store at which the system confirms it; 0: off", minimum: 0, maximum: 1440),
                "refund_unconfirmed_orders": .boolean("Cancel (and refund, if paid) orders still unconfirmed at refund_timeout"),
                "refund_timeout": .integer("Minutes after an order reaches the store", minimum: 0, maximum: 1440),
                "notify_customer_on_status_change": .boolean(),
                "notification_templates": .map(.string(), "Per order status; {order_id}, {total}, {delivery_time} are filled in"),
                "accepted_payment_methods": .array(.oneOf(PaymentMethod.allCases.map(\.rawValue))),
                "minimum_order_value": money,
                "operating_hours_check": .boolean("Refuse orders while the store is closed"),
                "updated_at": JSONSchema.timestamp().optional,
            ])
        )
        routes.schema(
            "StoreKey",
            .object([
                "id": .string(), "store_id": .string(), "prefix": .string("The key's first characters"),
                "key": JSONSchema.string("The key itself: shown only in the answer that creates it").optional,
                "created_at": .timestamp(),
            ])
        )
        routes.schema(
            "OrderItem",
            .object([
                "item_id": .string(), "name": .string(), "quantity": .integer(minimum: 1), "unit_price": money,
                "total_price": money,
                "customizations": .object(["adicionar": .array(.string()), "remover": .array(.string())]),
                "notes": JSONSchema.string().optional,
            ])
        )
        routes.schema(
            "Order",
            .object([
                "id": .string(), "client_id": .string(), "store_id": .string(),
                "source": .oneOf(OrderSource.allCases.map(\.rawValue)),
                "external_id": JSONSchema.string("The order's id at iFood").optional,
                "status": .oneOf(OrderStatus.allCases.map(\.rawValue)),
                "customer_id": JSONSchema.string().optional, "customer_name": JSONSchema.string().optional,
                "phone_number": phone.optional, "customer_cpf": JSONSchema.string().optional,
                "items": .array(.ref("OrderItem")),
                "subtotal": money, "delivery_fee": money, "discount": money, "total": money,
                "payment_method": .oneOf(PaymentMethod.allCases.map(\.rawValue)),
                "payment_status": .oneOf(PaymentStatus.allCases.map(\.rawValue)),
                "payment_id": JSONSchema.string("The Asaas charge").optional,
                "payment_details": .object([
                    "billing_type": JSONSchema.string().optional,
                    "pix_copy_paste": JSONSchema.string("The PIX copy-and-paste BR Code").optional,
                    "pix_qr_code_base64": JSONSchema.string("The PIX QR code, a base64 PNG").optional,
                    "expires_at": JSONSchema.timestamp().optional,
                    "payment_link": JSONSchema.string("Cards: where the customer pays").optional,
                    "charge_error": JSONSchema.string().optional,
                    "refund_requested_at": JSONSchema.timestamp().optional,
                    "refund_error": JSONSchema.string("Why the last refund attempt failed").optional,
                ]),
                "delivery_type": .oneOf(DeliveryType.allCases.map(\.rawValue)),
                "delivery_address": JSONSchema.any("The address, as sent").optional,
                "delivery_time": JSONSchema.string().optional,
                "customer_notes": JSONSchema.string().optional,
                "awaiting_confirmation": .boolean("The store has the order and has not confirmed it"),
                "reached_store_at": JSONSchema.timestamp("When the order reached the store's POS").optional,
                "confirmation_deadline": JSONSchema.timestamp().optional,
                "refund_deadline": JSONSchema.timestamp().optional,
                "status_history": .array(
                    .object([
                        "status": .oneOf(OrderStatus.allCases.map(\.rawValue)), "at": .timestamp(),
                        "by": .oneOf(StatusChangeActor.allCases.map(\.rawValue)), "notes": JSONSchema.string().optional,
                    ])
                ),
                "notifications": JSONSchema.array(.ref("Notification")).optional,
                "created_at": .timestamp(), "updated_at": .timestamp(),
            ])
        )
        routes.schema(
            "Notification",
            .object([
                "id": .string(), "event": .string("status:<STATUS> or payment:<STATUS>"), "to": phone,
                "body": .string(), "status": .string("pending, submitting (handed to Twilio, answer not yet recorded), queued, sent, delivered, read, failed, undelivered"),
                "message_sid": JSONSchema.string().optional, "error": JSONSchema.string().optional,
                "created_at": .timestamp(), "updated_at": .timestamp(),
            ])
        )
    }
}
