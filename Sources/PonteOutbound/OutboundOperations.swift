import Foundation
import PonteCore
import PonteProviders

/// The catalogue of outbound operations, by name.
enum OutboundOperations {
    static let all: [OutboundOperation] = stripe + asaas + ifood + twilio

    static let byName: [String: OutboundOperation] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    // MARK: Stripe

    static let stripe: [OutboundOperation] = [
        OutboundOperation(
            name: "stripe.customer.create", provider: "stripe", summary: "Create a Stripe customer.",
            parameters: ["email": "string", "name": "string", "metadata": "object of strings"]
        ) { params throws(OperationParameterError) in
            let create = StripeCustomerCreate(
                email: try params.optionalString("email"), name: try params.optionalString("name"),
                metadata: try params.stringMap("metadata")
            )
            return { clients, key in
                let customer = try await clients.stripeClient().createCustomer(create, idempotencyKey: key)
                return .object(["id": .string(customer.id)])
            }
        },
        OutboundOperation(
            name: "stripe.payment_intent.create", provider: "stripe",
            summary: "Create a PaymentIntent; with confirm=true and a payment_method, charge (or authorise, with capture_method=manual) at once.",
            parameters: [
                "amount": "whole number, minor units (required)", "currency": "ISO code, e.g. brl (required)",
                "payment_method": "pm_… (e.g. pm_card_visa in the sandbox)", "confirm": "bool",
                "capture_method": "automatic | manual", "customer": "cus_…", "description": "string",
                "metadata": "object of strings",
            ]
        ) { params throws(OperationParameterError) in
            let create = StripePaymentIntentCreate(
                amount: try params.integer("amount"), currency: try params.string("currency").lowercased(),
                captureMethod: try params.choice("capture_method", ["automatic", "automatic_async", "manual"]),
                confirm: try params.optionalBool("confirm"), customer: try params.optionalString("customer"),
                paymentMethod: try params.optionalString("payment_method"),
                description: try params.optionalString("description"), metadata: try params.stringMap("metadata")
            )
            return { clients, key in
                paymentIntentResult(try await clients.stripeClient().createPaymentIntent(create, idempotencyKey: key))
            }
        },
        OutboundOperation(
            name: "stripe.payment_intent.confirm", provider: "stripe",
            summary: "Confirm a PaymentIntent created without confirm=true, optionally with its payment method.",
            parameters: ["payment_intent": "pi_… (required)", "payment_method": "pm_…"]
        ) { params throws(OperationParameterError) in
            let id = try params.string("payment_intent")
            let method = try params.optionalString("payment_method")
            return { clients, key in
                paymentIntentResult(
                    try await clients.stripeClient().confirmPaymentIntent(id: id, paymentMethod: method, idempotencyKey: key)
                )
            }
        },
        OutboundOperation(
            name: "stripe.payment_intent.capture", provider: "stripe", summary: "Capture an authorised PaymentIntent.",
            parameters: ["payment_intent": "pi_… (required)", "amount_to_capture": "whole number, minor units"]
        ) { params throws(OperationParameterError) in
            let id = try params.string("payment_intent")
            let amount = try params.optionalInteger("amount_to_capture")
            return { clients, key in
                paymentIntentResult(
                    try await clients.stripeClient().capturePaymentIntent(id: id, amountToCapture: amount, idempotencyKey: key)
                )
            }
        },
        OutboundOperation(
            name: "stripe.payment_intent.cancel", provider: "stripe", summary: "Cancel a PaymentIntent that has not succeeded.",
            parameters: ["payment_intent": "pi_… (required)", "cancellation_reason": "duplicate | fraudulent | requested_by_customer | abandoned"]
        ) { params throws(OperationParameterError) in
            let id = try params.string("payment_intent")
            let reason = try params.choice("cancellation_reason", ["duplicate", "fraudulent", "requested_by_customer", "abandoned"])
            return { clients, key in
                paymentIntentResult(
                    try await clients.stripeClient().cancelPaymentIntent(id: id, cancellationReason: reason, idempotencyKey: key)
                )
            }
        },
        OutboundOperation(
            name: "stripe.refund.create", provider: "stripe", summary: "Refund a PaymentIntent, fully or in part.",
            parameters: [
                "payment_intent": "pi_… (required)", "amount": "whole number, minor units (default: all that is left)",
                "reason": "duplicate | fraudulent | requested_by_customer",
            ]
        ) { params throws(OperationParameterError) in
            var create = StripeRefundCreate(paymentIntent: try params.string("payment_intent"))
            create.amount = try params.optionalInteger("amount")
            create.reason = try params.choice("reason", ["duplicate", "fraudulent", "requested_by_customer"])
            return { [create] clients, key in
                let refund = try await clients.stripeClient().createRefund(create, idempotencyKey: key)
                return .object([
                    "id": .string(refund.id), "status": refund.status.map(JSONValue.string) ?? .null,
                    "amount": .integer(Int64(refund.amount)), "currency": .string(refund.currency),
                    "payment_intent": refund.paymentIntent.map(JSONValue.string) ?? .null,
                ])
            }
        },
    ]

    static func paymentIntentResult(_ intent: StripePaymentIntent) -> JSONValue {
        .object([
            "id": .string(intent.id), "status": .string(intent.status), "amount": .integer(Int64(intent.amount)),
            "amount_received": intent.amountReceived.map { .integer(Int64($0)) } ?? .null,
            "currency": .string(intent.currency), "latest_charge": intent.latestCharge.map(JSONValue.string) ?? .null,
        ])
    }

    // MARK: Asaas

    static let asaas: [OutboundOperation] = [
        OutboundOperation(
            name: "asaas.customer.create", provider: "asaas", summary: "Create an Asaas customer.",
            parameters: ["name": "string (required)", "cpf_cnpj": "CPF or CNPJ digits (required)", "email": "string", "mobile_phone": "string"]
        ) { params throws(OperationParameterError) in
            var create = AsaasCustomerCreate(name: try params.string("name"), cpfCnpj: try params.string("cpf_cnpj"))
            create.email = try params.optionalString("email")
            create.mobilePhone = try params.optionalString("mobile_phone")
            return { [create] clients, key in
                let customer = try await clients.asaasClient().createCustomer(create, idempotencyKey: key)
                return .object(["id": .string(customer.id)])
            }
        },
        OutboundOperation(
            name: "asaas.payment.create", provider: "asaas",
            summary: "Create an Asaas charge (PIX, BOLETO or CREDIT_CARD invoice); the operation key is its externalReference.",
            parameters: [
                "customer": "cus_… (required)", "billing_type": "PIX | BOLETO | CREDIT_CARD | UNDEFINED (required)",
                "value": "whole number of centavos (required)", "due_date": "YYYY-MM-DD (required)", "description": "string",
            ]
        ) { params throws(OperationParameterError) in
            let dueDate = try params.string("due_date")
            guard dueDate.count == 10, dueDate.split(separator: "-").map(\.count) == [4, 2, 2] else {
                throw OperationParameterError(message: "params.due_date must be a date like 2026-12-31")
            }
            let billing = try params.choice("billing_type", ["PIX", "BOLETO", "CREDIT_CARD", "UNDEFINED"])!
            let create = AsaasPaymentCreate(
                customer: try params.string("customer"), billingType: AsaasBillingType(rawValue: billing),
                valueMinorUnits: try params.integer("value"), dueDate: dueDate,
                description: try params.optionalString("description")
            )
            return { clients, key in
                asaasPaymentResult(try await clients.asaasClient().createPayment(create, idempotencyKey: key))
            }
        },
        OutboundOperation(
            name: "asaas.payment.pix_qr_code", provider: "asaas",
            summary: "Read a PIX charge's BR Code (copy-and-paste payload) and its QR image (base64 PNG).",
            parameters: ["payment": "pay_… (required)"]
        ) { params throws(OperationParameterError) in
            let id = try params.string("payment")
            return { clients, _ in
                let code = try await clients.asaasClient().pixQrCode(paymentID: id)
                return .object([
                    "payment": .string(id), "payload": .string(code.payload),
                    "encoded_image": code.encodedImage.map(JSONValue.string) ?? .null,
                    "expiration_date": code.expirationDate.map(JSONValue.string) ?? .null,
                ])
            }
        },
        OutboundOperation(
            name: "asaas.payment.refund", provider: "asaas",
            summary: "Refund an Asaas charge, fully or in part (PIX allows several partial refunds).",
            parameters: ["payment": "pay_… (required)", "value": "whole number of centavos (default: all)", "description": "string"]
        ) { params throws(OperationParameterError) in
            let id = try params.string("payment")
            let value = try params.optionalInteger("value")
            let description = try params.optionalString("description") ?? "Ponte refund"
            return { clients, key in
                asaasPaymentResult(
                    try await clients.asaasClient().refundPayment(
                        id: id, valueMinorUnits: value, description: description, idempotencyKey: key
                    )
                )
            }
        },
    ]

    static func asaasPaymentResult(_ payment: AsaasPayment) -> JSONValue {
        .object([
            "id": .string(payment.id), "status": payment.status.map(JSONValue.string) ?? .null,
            "value": .integer(Int64(payment.value.minorUnits)),
            "billing_type": payment.billingType.map { .string($0.rawValue) } ?? .null,
            "external_reference": payment.externalReference.map(JSONValue.string) ?? .null,
            "invoice_url": payment.invoiceUrl.map(JSONValue.string) ?? .null,
            "refunded": .integer(Int64((payment.refunds ?? []).compactMap(\.value?.minorUnits).reduce(0, +))),
        ])
    }

    // MARK: iFood

    static let ifood: [OutboundOperation] =
        [
            ("confirm", "Confirm an order (within 8 minutes of PLACED, or iFood cancels it)."),
            ("start_preparation", "Tell iFood the kitchen started the order."),
            ("ready_to_pickup", "Tell iFood the order is ready for pickup."),
            ("dispatch", "Tell iFood the order left with the courier."),
        ].map { action, summary in
            OutboundOperation(
                name: "ifood.order.\(action)", provider: "ifood", summary: summary, parameters: ["order_id": "uuid (required)"]
            ) { params throws(OperationParameterError) in
                let orderID = try params.string("order_id")
                return { clients, _ in
                    let client = try clients.ifoodClient()
                    switch action {
                    case "confirm": try await client.confirm(orderID: orderID)
                    case "start_preparation": try await client.startPreparation(orderID: orderID)
                    case "ready_to_pickup": try await client.readyToPickup(orderID: orderID)
                    default: try await client.dispatch(orderID: orderID)
                    }
                    return .object(["order_id": .string(orderID), "action": .string(action), "accepted": .bool(true)])
                }
            }
        } + [
            OutboundOperation(
                name: "ifood.order.request_cancellation", provider: "ifood",
                summary: "Ask iFood to cancel an order, with a code from the order's cancellation reasons.",
                parameters: ["order_id": "uuid (required)", "reason": "string (required)", "cancellation_code": "string (required)"]
            ) { params throws(OperationParameterError) in
                let orderID = try params.string("order_id")
                let reason = try params.string("reason")
                let code = try params.string("cancellation_code")
                return { clients, _ in
                    try await clients.ifoodClient().requestCancellation(orderID: orderID, reason: reason, cancellationCode: code)
                    return .object(["order_id": .string(orderID), "action": .string("request_cancellation"), "accepted": .bool(true)])
                }
            }
        ]

    // MARK: Twilio

    static let twilio: [OutboundOperation] = [
        OutboundOperation(
            name: "twilio.message.send", provider: "twilio",
            summary: "Send an SMS or WhatsApp message (whatsapp:+55… on both ends). Twilio has no idempotency key: a send whose answer was lost may be repeated.",
            parameters: ["to": "string (required)", "from": "string (required)", "body": "string (required)", "status_callback": "URL"]
        ) { params throws(OperationParameterError) in
            let message = TwilioMessageCreate(
                to: try params.string("to"), from: try params.string("from"), body: try params.string("body"),
                statusCallback: try params.optionalString("status_callback")
            )
            return { clients, _ in
                let sent = try await clients.twilioClient().sendMessage(message)
                return .object(["sid": .string(sent.sid), "status": .string(sent.status), "to": sent.to.map(JSONValue.string) ?? .null])
            }
        }
    ]
}
