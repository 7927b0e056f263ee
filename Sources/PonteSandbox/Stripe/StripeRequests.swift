/// The validated parameters of each Stripe endpoint.
///
/// Each is read from `StripeParams` before anything happens, so a malformed request is
/// refused without side effects and without taking its idempotency key (Stripe saves no
/// idempotent result for a request that failed validation). The parameter names each
/// endpoint accepts are Stripe's (from the official SDK's parameter types); parameters it
/// accepts but the simulator does not model are ignored.
enum StripeRequest {
    static let captureMethods = ["automatic", "automatic_async", "manual"]
    static let confirmationMethods = ["automatic", "manual"]
    static let cancellationReasons = ["duplicate", "fraudulent", "requested_by_customer", "abandoned"]
    static let refundReasons = ["duplicate", "fraudulent", "requested_by_customer"]

    struct CustomerFields: Sendable {
        static let allowed: Set<String> = [
            "address", "balance", "business_name", "cash_balance", "description", "email", "expand",
            "individual_name", "invoice_prefix", "invoice_settings", "metadata", "name", "next_invoice_sequence",
            "payment_method", "phone", "preferred_locales", "shipping", "source", "tax", "tax_exempt", "tax_id_data",
            "test_clock", "validate", "default_source",
        ]

        var email: String??
        var name: String??
        var phone: String??
        var description: String??
        var address: StripeJSON?
        var shipping: StripeJSON?
        var metadata: (clearAll: Bool, changes: [String: String?])?

        init(_ params: StripeParams) throws(StripeError) {
            try params.requireOnly(Self.allowed)
            // A field sent empty is unset, as on Stripe.
            func field(_ name: String) throws(StripeError) -> String?? {
                guard let value = try params.string(name) else { return nil }
                return .some(value.isEmpty ? nil : value)
            }
            email = try field("email")
            name = try field("name")
            phone = try field("phone")
            description = try field("description")
            address = params.json("address")
            shipping = params.json("shipping")
            metadata = try params.metadata()
        }
    }

    struct PaymentIntentCreate: Sendable {
        static let allowed = Set([
            "allowed_payment_method_types", "amount", "amount_details", "application_fee_amount",
            "automatic_payment_methods", "capture_method", "confirm", "confirmation_method", "confirmation_token",
            "currency", "customer", "customer_account", "description", "error_on_requires_action",
            "excluded_payment_method_types", "expand", "mandate", "mandate_data", "metadata", "off_session",
            "on_behalf_of", "payment_details", "payment_method", "payment_method_configuration",
            "payment_method_data", "payment_method_options", "radar_options", "receipt_email", "return_url",
            "setup_future_usage", "shipping", "statement_descriptor", "statement_descriptor_suffix",
            "transfer_data", "transfer_group", "use_stripe_sdk",
        ]).union(StripeRequest.legacyParameters)

        var amount: Int
        var currency: String
        var captureMethod: String
        var confirmationMethod: String
        var confirm: Bool
        var customer: String?
        var description: String?
        var metadata: [String: String]
        var paymentMethod: String?
        var paymentMethodTypes: [String]?
        var receiptEmail: String?

        init(_ params: StripeParams) throws(StripeError) {
            try params.requireOnly(Self.allowed)
            guard let amount = try params.int("amount") else { throw StripeError.missing("amount") }
            currency = try StripeRequest.currency(params.requiredString("currency"))
            try StripeRequest.checkChargeAmount(amount, currency: currency)
            self.amount = amount
            captureMethod = try params.choice("capture_method", in: StripeRequest.captureMethods) ?? "automatic"
            confirmationMethod =
                try params.choice("confirmation_method", in: StripeRequest.confirmationMethods) ?? "automatic"
            confirm = try params.bool("confirm") ?? false
            customer = try params.string("customer")
            description = try params.string("description")
            metadata = [String: String]().applying(try params.metadata())
            paymentMethod = try params.string("payment_method")
            paymentMethodTypes = try StripeRequest.paymentMethodTypes(params)
            receiptEmail = try params.string("receipt_email")
        }
    }

    struct PaymentIntentUpdate: Sendable {
        static let allowed = Set([
            "allowed_payment_method_types", "amount", "amount_details", "application_fee_amount", "capture_method",
            "currency", "customer", "customer_account", "description", "excluded_payment_method_types", "expand",
            "metadata", "payment_details", "payment_method", "payment_method_configuration", "payment_method_data",
            "payment_method_options", "receipt_email", "setup_future_usage", "shipping", "statement_descriptor",
            "statement_descriptor_suffix", "transfer_data", "transfer_group",
        ]).union(StripeRequest.legacyParameters)

        var amount: Int?
        var currency: String?
        var captureMethod: String?
        var customer: String?
        var description: String?
        var metadata: (clearAll: Bool, changes: [String: String?])?
        var paymentMethod: String?
        var paymentMethodTypes: [String]?
        var receiptEmail: String?

        /// Whether the update touches what can no longer change once the intent is confirmed.
        var changesPayment: Bool {
            amount != nil || currency != nil || captureMethod != nil || paymentMethod != nil
                || paymentMethodTypes != nil
        }

        init(_ params: StripeParams) throws(StripeError) {
            try params.requireOnly(Self.allowed)
            currency = try params.string("currency").map(StripeRequest.currency)
            amount = try params.int("amount")
            if let amount { try StripeRequest.checkChargeAmount(amount, currency: currency) }
            captureMethod = try params.choice("capture_method", in: StripeRequest.captureMethods)
            customer = try params.string("customer")
            description = try params.string("description")
            metadata = try params.metadata()
            paymentMethod = try params.string("payment_method")
            paymentMethodTypes = try StripeRequest.paymentMethodTypes(params)
            receiptEmail = try params.string("receipt_email")
        }
    }

    struct PaymentIntentConfirm: Sendable {
        static let allowed: Set<String> = [
            "allowed_payment_method_types", "amount_details", "amount_to_confirm", "capture_method",
            "confirmation_token", "error_on_requires_action", "excluded_payment_method_types", "expand", "mandate",
            "mandate_data", "off_session", "payment_details", "payment_method", "payment_method_data",
            "payment_method_options", "radar_options", "receipt_email", "return_url", "setup_future_usage",
            "shipping", "use_stripe_sdk",
        ]

        var captureMethod: String?
        var paymentMethod: String?
        var receiptEmail: String?

        init(_ params: StripeParams) throws(StripeError) {
            try params.requireOnly(Self.allowed)
            captureMethod = try params.choice("capture_method", in: StripeRequest.captureMethods)
            paymentMethod = try params.string("payment_method")
            receiptEmail = try params.string("receipt_email")
        }
    }

    struct PaymentIntentCapture: Sendable {
        static let allowed: Set<String> = [
            "amount_details", "amount_to_capture", "application_fee_amount", "expand", "final_capture", "metadata",
            "payment_details", "statement_descriptor", "statement_descriptor_suffix", "transfer_data",
        ]

        var amountToCapture: Int?
        var metadata: (clearAll: Bool, changes: [String: String?])?

        init(_ params: StripeParams) throws(StripeError) {
            try params.requireOnly(Self.allowed)
            amountToCapture = try params.int("amount_to_capture")
            if let amount = amountToCapture, amount < 1 { throw StripeError.integerTooSmall("amount_to_capture", minimum: 1) }
            metadata = try params.metadata()
        }
    }

    struct PaymentIntentCancel: Sendable {
        static let allowed: Set<String> = ["cancellation_reason", "expand"]

        var reason: String?

        init(_ params: StripeParams) throws(StripeError) {
            try params.requireOnly(Self.allowed)
            reason = try params.choice("cancellation_reason", in: StripeRequest.cancellationReasons)
        }
    }

    struct RefundCreate: Sendable {
        static let allowed: Set<String> = [
            "amount", "charge", "currency", "customer", "expand", "instructions_email", "metadata", "origin",
            "payment_intent", "reason", "refund_application_fee", "reverse_transfer",
        ]

        var paymentIntent: String?
        var charge: String?
        var amount: Int?
        var reason: String?
        var metadata: [String: String]

        init(_ params: StripeParams) throws(StripeError) {
            try params.requireOnly(Self.allowed)
            paymentIntent = try params.string("payment_intent")
            charge = try params.string("charge")
            guard paymentIntent != nil || charge != nil else {
                throw StripeError(
                    code: "parameter_missing",
                    message: "One of the following params should be provided for this request: payment_intent or charge."
                )
            }
            amount = try params.int("amount")
            if let amount, amount < 1 { throw StripeError.integerTooSmall("amount", minimum: 1) }
            reason = try params.choice("reason", in: StripeRequest.refundReasons)
            metadata = [String: String]().applying(try params.metadata())
        }
    }

    /// `limit`, `starting_after`, `ending_before` of a list endpoint.
    struct Page: Sendable {
        static let listParameters: Set<String> = ["created", "ending_before", "expand", "limit", "starting_after"]

        var limit: Int
        var startingAfter: String?
        var endingBefore: String?

        init(_ params: StripeParams) throws(StripeError) {
            limit = try params.int("limit") ?? 10
            guard (1...100).contains(limit) else {
                throw StripeError(
                    code: "parameter_invalid_integer", message: "This value must be between 1 and 100 (inclusive).",
                    param: "limit"
                )
            }
            startingAfter = try params.string("starting_after")
            endingBefore = try params.string("ending_before")
        }
    }

    /// Parameters that API version 2026-10-28 renamed but that requests pinned to an older
    /// version still send: `payment_method_types` is now `allowed_payment_method_types`.
    static let legacyParameters: Set<String> = ["payment_method_types"]

    /// The payment method types a PaymentIntent allows, by their current or their older name.
    static func paymentMethodTypes(_ params: StripeParams) throws(StripeError) -> [String]? {
        if let types = try params.strings("allowed_payment_method_types") { return types }
        return try params.strings("payment_method_types")
    }

    /// `expand[]`: the fields to replace by the objects they name.
    static func expansions(_ params: StripeParams) throws(StripeError) -> [String] {
        try params.strings("expand") ?? []
    }

    // MARK: Money

    /// A lowercase three-letter currency code.
    static func currency(_ text: String) throws(StripeError) -> String {
        let code = text.lowercased()
        guard code.count == 3, code.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw StripeError(code: nil, message: "Invalid currency: \(text).", param: "currency")
        }
        return code
    }

    /// Stripe's smallest charge in some currencies (minor units); others must be at least 1.
    static let minimumCharge: [String: Int] = [
        "usd": 50, "brl": 50, "eur": 50, "cad": 50, "aud": 50, "chf": 50, "gbp": 30, "jpy": 50, "mxn": 1000,
    ]

    static func checkChargeAmount(_ amount: Int, currency: String?) throws(StripeError) {
        guard amount >= 1 else { throw StripeError.integerTooSmall("amount", minimum: 1) }
        if let currency, let minimum = minimumCharge[currency], amount < minimum {
            throw StripeError(
                code: "amount_too_small",
                message: "Amount must be at least \(StripeMoney.format(minimum, currency))", param: "amount"
            )
        }
    }
}

/// Amounts in messages, written like Stripe writes them ("10.00 brl").
enum StripeMoney {
    static let zeroDecimalCurrencies: Set<String> = [
        "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
    ]

    static func format(_ amount: Int, _ currency: String) -> String {
        if zeroDecimalCurrencies.contains(currency) { return "\(amount) \(currency)" }
        let cents = abs(amount) % 100
        return "\(amount < 0 ? "-" : "")\(abs(amount) / 100).\(cents < 10 ? "0" : "")\(cents) \(currency)"
    }
}
