/// The objects of the simulated Stripe account, each rendered with Stripe's field names.
/// Amounts are integer minor units, as on Stripe's wire.

struct StripeCustomer: Sendable {
    var id: String
    var created: Int
    var email: String?
    var name: String?
    var phone: String?
    var description: String?
    var address: StripeJSON = .null
    var shipping: StripeJSON = .null
    var metadata: [String: String] = [:]
    var invoicePrefix: String

    var json: StripeJSON {
        [
            "id": .string(id), "object": "customer", "address": address, "balance": 0, "created": .int(created),
            "currency": nil, "default_source": nil, "delinquent": false, "description": .nullable(description),
            "discount": nil, "email": .nullable(email), "invoice_prefix": .string(invoicePrefix),
            "invoice_settings": [
                "custom_fields": nil, "default_payment_method": nil, "footer": nil, "rendering_options": nil,
            ],
            "livemode": false, "metadata": .metadata(metadata), "name": .nullable(name), "next_invoice_sequence": 1,
            "phone": .nullable(phone), "preferred_locales": [], "shipping": shipping, "tax_exempt": "none",
            "test_clock": nil,
        ]
    }
}

/// Why a test card is declined, with Stripe's codes and messages.
struct StripeDecline: Sendable, Equatable {
    var code: String
    var declineCode: String
    var message: String
    var param: String?
    var outcomeReason: String

    static let generic = StripeDecline(
        code: "card_declined", declineCode: "generic_decline", message: "Your card was declined.",
        outcomeReason: "generic_decline"
    )
    static let insufficientFunds = StripeDecline(
        code: "card_declined", declineCode: "insufficient_funds", message: "Your card has insufficient funds.",
        outcomeReason: "insufficient_funds"
    )
    static let expiredCard = StripeDecline(
        code: "expired_card", declineCode: "expired_card", message: "Your card has expired.", param: "exp_month",
        outcomeReason: "expired_card"
    )
}

/// A card PaymentMethod. Stripe's test tokens (`pm_card_visa`, ...) each become a new
/// `pm_` object when used, as they do on Stripe.
struct StripePaymentMethod: Sendable {
    var id: String
    var created: Int
    var brand: String
    var last4: String
    var funding: String = "credit"
    var expMonth = 12
    var expYear = 2034
    var decline: StripeDecline?

    /// The card behind each test token Stripe documents.
    static func testCard(token: String) -> (brand: String, last4: String, decline: StripeDecline?)? {
        switch token {
        case "pm_card_visa": ("visa", "4242", nil)
        case "pm_card_visa_debit": ("visa", "5556", nil)
        case "pm_card_mastercard": ("mastercard", "4444", nil)
        case "pm_card_amex": ("amex", "8431", nil)
        case "pm_card_chargeDeclined": ("visa", "0002", .generic)
        case "pm_card_chargeDeclinedInsufficientFunds": ("visa", "9995", .insufficientFunds)
        case "pm_card_chargeDeclinedExpiredCard": ("visa", "0069", .expiredCard)
        default: nil
        }
    }

    var cardJSON: StripeJSON {
        [
            "brand": .string(brand), "country": "US", "exp_month": .int(expMonth), "exp_year": .int(expYear),
            "funding": .string(funding), "last4": .string(last4),
        ]
    }

    var json: StripeJSON {
        [
            "id": .string(id), "object": "payment_method",
            "billing_details": ["address": nil, "email": nil, "name": nil, "phone": nil],
            "card": cardJSON, "created": .int(created), "customer": nil, "livemode": false, "metadata": [:],
            "type": "card",
        ]
    }
}

/// PaymentIntent statuses (Stripe's values).
enum PaymentIntentStatus: String, Sendable {
    case requiresPaymentMethod = "requires_payment_method"
    case requiresConfirmation = "requires_confirmation"
    case requiresAction = "requires_action"
    case processing
    case requiresCapture = "requires_capture"
    case canceled
    case succeeded
}

struct StripePaymentIntent: Sendable {
    var id: String
    var created: Int
    var amount: Int
    var amountCapturable = 0
    var amountReceived = 0
    var currency: String
    var status: PaymentIntentStatus
    var captureMethod: String
    var confirmationMethod: String
    var clientSecret: String
    var customer: String?
    var description: String?
    var paymentMethod: String?
    var paymentMethodTypes: [String]
    var automaticPaymentMethods: Bool
    var latestCharge: String?
    var metadata: [String: String]
    var receiptEmail: String?
    var canceledAt: Int?
    var cancellationReason: String?
    var lastPaymentError: StripeJSON = .null

    var json: StripeJSON {
        [
            "id": .string(id), "object": "payment_intent", "amount": .int(amount),
            "amount_capturable": .int(amountCapturable), "amount_details": ["tip": [:]],
            "amount_received": .int(amountReceived), "application": nil, "application_fee_amount": nil,
            "automatic_payment_methods": automaticPaymentMethods ? ["allow_redirects": "always", "enabled": true] : nil,
            "canceled_at": .nullable(canceledAt), "cancellation_reason": .nullable(cancellationReason),
            "capture_method": .string(captureMethod), "client_secret": .string(clientSecret),
            "confirmation_method": .string(confirmationMethod), "created": .int(created),
            "currency": .string(currency), "customer": .nullable(customer), "description": .nullable(description),
            "last_payment_error": lastPaymentError, "latest_charge": .nullable(latestCharge), "livemode": false,
            "metadata": .metadata(metadata), "next_action": nil, "on_behalf_of": nil,
            "payment_method": .nullable(paymentMethod), "payment_method_options": [:],
            "payment_method_types": .array(paymentMethodTypes.map(StripeJSON.string)), "processing": nil,
            "receipt_email": .nullable(receiptEmail), "review": nil, "setup_future_usage": nil, "shipping": nil,
            "statement_descriptor": nil, "statement_descriptor_suffix": nil, "status": .string(status.rawValue),
            "transfer_data": nil, "transfer_group": nil,
        ]
    }
}

struct StripeCharge: Sendable {
    var id: String
    var created: Int
    var amount: Int
    var amountCaptured = 0
    var amountRefunded = 0
    var captured = false
    var currency: String
    var customer: String?
    var description: String?
    var paymentIntent: String
    var paymentMethod: StripePaymentMethod
    /// `succeeded` (authorised or captured) or `failed`.
    var status: String
    var failure: StripeDecline?
    var metadata: [String: String]

    /// What can still be refunded: captured money not yet refunded.
    var refundable: Int { amountCaptured - amountRefunded }

    var json: StripeJSON {
        let outcome: StripeJSON =
            if let failure {
                [
                    "network_status": "declined_by_network", "reason": .string(failure.outcomeReason),
                    "risk_level": "normal", "seller_message": "The bank did not return any further details with this decline.",
                    "type": "issuer_declined",
                ]
            } else {
                [
                    "network_status": "approved_by_network", "reason": nil, "risk_level": "normal",
                    "seller_message": "Payment complete.", "type": "authorized",
                ]
            }
        return [
            "id": .string(id), "object": "charge", "amount": .int(amount), "amount_captured": .int(amountCaptured),
            "amount_refunded": .int(amountRefunded), "balance_transaction": nil,
            "billing_details": ["address": nil, "email": nil, "name": nil, "phone": nil], "captured": .bool(captured),
            "created": .int(created), "currency": .string(currency), "customer": .nullable(customer),
            "description": .nullable(description), "disputed": false, "failure_code": .nullable(failure?.code),
            "failure_message": .nullable(failure?.message), "livemode": false, "metadata": .metadata(metadata),
            "outcome": outcome, "paid": .bool(failure == nil), "payment_intent": .string(paymentIntent),
            "payment_method": .string(paymentMethod.id),
            "payment_method_details": ["card": paymentMethod.cardJSON, "type": "card"], "receipt_url": nil,
            "refunded": .bool(captured && amountRefunded >= amountCaptured), "status": .string(status),
        ]
    }
}

struct StripeRefund: Sendable {
    var id: String
    var created: Int
    var amount: Int
    var charge: String
    var paymentIntent: String
    var currency: String
    var reason: String?
    var metadata: [String: String]

    var json: StripeJSON {
        [
            "id": .string(id), "object": "refund", "amount": .int(amount), "balance_transaction": nil,
            "charge": .string(charge), "created": .int(created), "currency": .string(currency),
            "destination_details": ["card": ["type": "refund"], "type": "card"], "metadata": .metadata(metadata),
            "payment_intent": .string(paymentIntent), "reason": .nullable(reason), "receipt_number": nil,
            "source_transfer_reversal": nil, "status": "succeeded", "transfer_reversal": nil,
        ]
    }
}

/// An event: a snapshot of the object it is about, as the webhook and `GET /v1/events/{id}` show it.
struct StripeEvent: Sendable {
    static let apiVersion = "2026-10-28.endive"

    var id: String
    var type: String
    var created: Int
    var object: StripeJSON
    var requestID: String?
    var idempotencyKey: String?

    var json: StripeJSON {
        [
            "id": .string(id), "object": "event", "api_version": .string(Self.apiVersion), "created": .int(created),
            "data": ["object": object], "livemode": false, "pending_webhooks": 1,
            "request": ["id": .nullable(requestID), "idempotency_key": .nullable(idempotencyKey)],
            "type": .string(type),
        ]
    }
}
