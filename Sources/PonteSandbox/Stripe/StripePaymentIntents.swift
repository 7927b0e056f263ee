/// PaymentIntents: Stripe's state machine, as the simulator runs it.
///
/// - created without a payment method: `requires_payment_method`; with one:
///   `requires_confirmation`;
/// - confirmed: `succeeded` (automatic capture) or `requires_capture` (manual), or, when
///   the test card declines, 402 and back to `requires_payment_method` with
///   `last_payment_error`;
/// - captured (all or `amount_to_capture`): `succeeded`;
/// - canceled from any `requires_*` status or `processing`: `canceled`.
///
/// Money moves (and is written to the ledger) when an intent succeeds: at confirmation
/// for automatic capture, at capture for manual capture.
extension StripeAccount.State {
    static let confirmableStatuses: [PaymentIntentStatus] = [
        .requiresConfirmation, .requiresPaymentMethod, .requiresAction,
    ]
    static let cancelableStatuses: [PaymentIntentStatus] = [
        .requiresPaymentMethod, .requiresCapture, .requiresConfirmation, .requiresAction, .processing,
    ]

    func intent(_ id: String) throws(StripeError) -> StripePaymentIntent {
        guard let intent = intents[id] else { throw StripeError.noSuch("payment_intent", id, param: "intent", inPath: true) }
        return intent
    }

    /// The PaymentMethod `reference` names: an existing `pm_` object, or a test token
    /// (`pm_card_visa`), which becomes a new object as on Stripe.
    mutating func paymentMethod(_ reference: String, now: Int) throws(StripeError) -> StripePaymentMethod {
        if let existing = paymentMethods[reference] { return existing }
        guard let card = StripePaymentMethod.testCard(token: reference) else {
            throw StripeError.noSuch("PaymentMethod", reference, param: "payment_method", inPath: false)
        }
        let method = StripePaymentMethod(
            id: SandboxIDs.random("pm_"), created: now, brand: card.brand, last4: card.last4,
            funding: reference.hasSuffix("_debit") ? "debit" : "credit", decline: card.decline
        )
        paymentMethods[method.id] = method
        return method
    }

    func requireCustomer(_ id: String?) throws(StripeError) {
        if let id, customers[id] == nil { throw StripeError.noSuch("customer", id, param: "customer", inPath: false) }
    }

    // MARK: Operations

    mutating func createPaymentIntent(
        _ input: StripeRequest.PaymentIntentCreate, expand: [String], _ effects: inout StripeEffects
    ) throws(StripeError) -> StripeOutcome {
        try requireCustomer(input.customer)
        let method = try input.paymentMethod.map { reference throws(StripeError) in
            try paymentMethod(reference, now: effects.context.now)
        }
        if input.confirm, method == nil { throw Self.missingPaymentMethod(customer: input.customer) }
        let id = SandboxIDs.random("pi_")
        let intent = StripePaymentIntent(
            id: id, created: effects.context.now, amount: input.amount, currency: input.currency,
            status: method == nil ? .requiresPaymentMethod : .requiresConfirmation, captureMethod: input.captureMethod,
            confirmationMethod: input.confirmationMethod, clientSecret: id + "_secret_" + SandboxIDs.random("", length: 25),
            customer: input.customer, description: input.description, paymentMethod: method?.id,
            paymentMethodTypes: input.paymentMethodTypes ?? ["card"],
            automaticPaymentMethods: input.paymentMethodTypes == nil, metadata: input.metadata,
            receiptEmail: input.receiptEmail
        )
        intents[id] = intent
        intentOrder.append(id)
        emit("payment_intent.created", intent.json, &effects)
        if input.confirm {
            return try confirm(id, StripeRequest.PaymentIntentConfirm.empty, expand: expand, &effects)
        }
        return effects.outcome(try expanding(intent.json, expand))
    }

    mutating func updatePaymentIntent(
        _ id: String, _ input: StripeRequest.PaymentIntentUpdate, expand: [String], _ effects: inout StripeEffects
    ) throws(StripeError) -> StripeOutcome {
        var intent = try intent(id)
        if input.changesPayment, !Self.confirmableStatuses.contains(intent.status) {
            throw StripeError.unexpectedState(
                "This PaymentIntent's amount, currency, capture_method or payment_method could not be updated because it has a status of \(intent.status.rawValue). You may only update these fields of a PaymentIntent with one of the following statuses: requires_payment_method, requires_confirmation, requires_action.",
                paymentIntent: intent.json
            )
        }
        try requireCustomer(input.customer)
        if let reference = input.paymentMethod {
            intent.paymentMethod = try paymentMethod(reference, now: effects.context.now).id
            intent.status = .requiresConfirmation
        }
        if let amount = input.amount { intent.amount = amount }
        if let currency = input.currency { intent.currency = currency }
        if let captureMethod = input.captureMethod { intent.captureMethod = captureMethod }
        if let customer = input.customer { intent.customer = customer }
        if let description = input.description { intent.description = description.isEmpty ? nil : description }
        if let types = input.paymentMethodTypes {
            intent.paymentMethodTypes = types
            intent.automaticPaymentMethods = false
        }
        if let email = input.receiptEmail { intent.receiptEmail = email.isEmpty ? nil : email }
        intent.metadata = intent.metadata.applying(input.metadata)
        intents[id] = intent
        return effects.outcome(try expanding(intent.json, expand))
    }

    /// Confirms: the card is charged now (automatic capture) or authorised (manual); a
    /// declining test card answers 402 and sends the intent back to `requires_payment_method`.
    mutating func confirm(
        _ id: String, _ input: StripeRequest.PaymentIntentConfirm, expand: [String], _ effects: inout StripeEffects
    ) throws(StripeError) -> StripeOutcome {
        var intent = try intent(id)
        guard Self.confirmableStatuses.contains(intent.status) else {
            throw StripeError.unexpectedState(
                "You cannot confirm this PaymentIntent because it has a status of \(intent.status.rawValue). Only a PaymentIntent with one of the following statuses may be confirmed: requires_confirmation, requires_payment_method, requires_action.",
                paymentIntent: intent.json
            )
        }
        let now = effects.context.now
        if let reference = input.paymentMethod { intent.paymentMethod = try paymentMethod(reference, now: now).id }
        guard let methodID = intent.paymentMethod, let method = paymentMethods[methodID] else {
            throw Self.missingPaymentMethod(customer: intent.customer)
        }
        if let captureMethod = input.captureMethod { intent.captureMethod = captureMethod }
        if let email = input.receiptEmail { intent.receiptEmail = email }

        var charge = StripeCharge(
            id: SandboxIDs.random("ch_"), created: now, amount: intent.amount, currency: intent.currency,
            customer: intent.customer, description: intent.description, paymentIntent: id, paymentMethod: method,
            status: "succeeded", metadata: intent.metadata
        )
        intent.latestCharge = charge.id

        if let decline = method.decline {
            charge.status = "failed"
            charge.failure = decline
            charges[charge.id] = charge
            var error = StripeError(
                status: StripeError.paymentRequired, type: "card_error", code: decline.code, message: decline.message,
                param: decline.param, declineCode: decline.declineCode
            )
            error.attachments["charge"] = .string(charge.id)
            error.attachments["payment_method"] = method.json
            intent.status = .requiresPaymentMethod
            intent.paymentMethod = nil
            intent.lastPaymentError = error.errorObject(requestID: nil)
            intents[id] = intent
            emit("payment_intent.payment_failed", intent.json, &effects)
            error.attachments["payment_intent"] = intent.json
            return effects.outcome(error.body(requestID: effects.context.requestID), status: error.status)
        }

        intent.lastPaymentError = .null
        if intent.captureMethod == "manual" {
            intent.status = .requiresCapture
            intent.amountCapturable = intent.amount
            charges[charge.id] = charge
            intents[id] = intent
            emit("payment_intent.amount_capturable_updated", intent.json, &effects)
        } else {
            charge.captured = true
            charge.amountCaptured = intent.amount
            intent.status = .succeeded
            intent.amountReceived = intent.amount
            charges[charge.id] = charge
            intents[id] = intent
            effects.money(.charge, object: id, payment: id, amount: intent.amount, currency: intent.currency)
            emit("payment_intent.succeeded", intent.json, &effects)
        }
        return effects.outcome(try expanding(intent.json, expand))
    }

    /// Captures an authorised intent, all of it or `amount_to_capture` (the rest is released).
    mutating func capture(
        _ id: String, _ input: StripeRequest.PaymentIntentCapture, expand: [String], _ effects: inout StripeEffects
    ) throws(StripeError) -> StripeOutcome {
        var intent = try intent(id)
        guard intent.status == .requiresCapture, let chargeID = intent.latestCharge, var charge = charges[chargeID] else {
            throw StripeError.unexpectedState(
                "This PaymentIntent could not be captured because it has a status of \(intent.status.rawValue). Only a PaymentIntent with one of the following statuses may be captured: requires_capture.",
                paymentIntent: intent.json
            )
        }
        let amount = input.amountToCapture ?? intent.amountCapturable
        guard amount <= intent.amountCapturable else {
            throw StripeError(
                code: "amount_too_large",
                message: "The amount to capture (\(StripeMoney.format(amount, intent.currency))) is greater than the amount capturable (\(StripeMoney.format(intent.amountCapturable, intent.currency))).",
                param: "amount_to_capture"
            )
        }
        intent.status = .succeeded
        intent.amountReceived = amount
        intent.amountCapturable = 0
        intent.metadata = intent.metadata.applying(input.metadata)
        charge.captured = true
        charge.amountCaptured = amount
        charges[chargeID] = charge
        intents[id] = intent
        effects.money(.capture, object: id, payment: id, amount: amount, currency: intent.currency)
        emit("payment_intent.succeeded", intent.json, &effects)
        return effects.outcome(try expanding(intent.json, expand))
    }

    mutating func cancel(
        _ id: String, _ input: StripeRequest.PaymentIntentCancel, expand: [String], _ effects: inout StripeEffects
    ) throws(StripeError) -> StripeOutcome {
        var intent = try intent(id)
        guard Self.cancelableStatuses.contains(intent.status) else {
            throw StripeError.unexpectedState(
                "You cannot cancel this PaymentIntent because it has a status of \(intent.status.rawValue). Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.",
                paymentIntent: intent.json
            )
        }
        intent.status = .canceled
        intent.canceledAt = effects.context.now
        intent.cancellationReason = input.reason
        intent.amountCapturable = 0
        intents[id] = intent
        emit("payment_intent.canceled", intent.json, &effects)
        return effects.outcome(try expanding(intent.json, expand))
    }

    func listPaymentIntents(
        customer: String?, _ page: StripeRequest.Page, expand: [String]
    ) throws(StripeError) -> StripeJSON {
        let ids = intentOrder.reversed().filter { id in customer.map { intents[id]?.customer == $0 } ?? true }
        return try self.page(
            ids.compactMap { intents[$0]?.json }, ids: ids, page, url: "/v1/payment_intents", kind: "payment_intent",
            expand: expand
        )
    }

    static func missingPaymentMethod(customer: String?) -> StripeError {
        StripeError(
            code: "payment_intent_unexpected_state",
            message: customer == nil
                ? "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a payment method."
                : "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with \(customer ?? ""), specify a payment method attached to this customer along with the customer ID."
        )
    }
}

extension StripeRequest.PaymentIntentConfirm {
    /// A confirmation without parameters (`confirm=true` at creation).
    static let empty = StripeRequest.PaymentIntentConfirm()

    private init() {}
}
