/// Refunds and the charges they draw on.
///
/// A refund draws on a captured charge, named directly (`charge`) or through its
/// PaymentIntent's `latest_charge`; together the refunds of a charge never exceed what was
/// captured. Each refund succeeds at once, is written to the ledger, and sends
/// `refund.created` and `charge.refunded`.
extension StripeAccount.State {
    mutating func createRefund(
        _ input: StripeRequest.RefundCreate, expand: [String], _ effects: inout StripeEffects
    ) throws(StripeError) -> StripeOutcome {
        var charge = try refundableCharge(input)
        let remaining = charge.refundable
        guard remaining > 0 else {
            throw StripeError(code: "charge_already_refunded", message: "Charge \(charge.id) has already been refunded.")
        }
        let amount = input.amount ?? remaining
        guard amount <= remaining else {
            throw StripeError(
                code: "amount_too_large",
                message: "Refund amount (\(StripeMoney.format(amount, charge.currency))) is greater than unrefunded amount on charge (\(StripeMoney.format(remaining, charge.currency)))",
                param: "amount"
            )
        }
        let refund = StripeRefund(
            id: SandboxIDs.random("re_"), created: effects.context.now, amount: amount, charge: charge.id,
            paymentIntent: charge.paymentIntent, currency: charge.currency, reason: input.reason,
            metadata: input.metadata
        )
        charge.amountRefunded += amount
        charges[charge.id] = charge
        refunds[refund.id] = refund
        effects.money(.refund, object: refund.id, payment: charge.paymentIntent, amount: amount, currency: charge.currency)
        emit("refund.created", refund.json, &effects)
        emit("charge.refunded", charge.json, &effects)
        return effects.outcome(try expanding(refund.json, expand))
    }

    func refund(_ id: String) throws(StripeError) -> StripeJSON {
        guard let refund = refunds[id] else { throw StripeError.noSuch("refund", id, param: "id", inPath: true) }
        return refund.json
    }

    func charge(_ id: String) throws(StripeError) -> StripeJSON {
        guard let charge = charges[id] else { throw StripeError.noSuch("charge", id, param: "id", inPath: true) }
        return charge.json
    }

    func paymentMethodObject(_ id: String) throws(StripeError) -> StripeJSON {
        guard let method = paymentMethods[id] else {
            throw StripeError.noSuch("PaymentMethod", id, param: "payment_method", inPath: true)
        }
        return method.json
    }

    /// The captured charge a refund request names.
    private func refundableCharge(_ input: StripeRequest.RefundCreate) throws(StripeError) -> StripeCharge {
        var named: StripeCharge?
        if let chargeID = input.charge {
            guard let charge = charges[chargeID] else {
                throw StripeError.noSuch("charge", chargeID, param: "charge", inPath: false)
            }
            named = charge
        }
        if let intentID = input.paymentIntent {
            guard let intent = intents[intentID] else {
                throw StripeError.noSuch("payment_intent", intentID, param: "payment_intent", inPath: false)
            }
            if let named, named.paymentIntent != intentID {
                throw StripeError(
                    code: nil, message: "The charge \(named.id) does not belong to the PaymentIntent \(intentID).",
                    param: "charge"
                )
            }
            if named == nil, let latest = intent.latestCharge { named = charges[latest] }
        }
        guard let charge = named, charge.captured, charge.status == "succeeded" else {
            throw StripeError(
                code: "payment_intent_unexpected_state",
                message: "This PaymentIntent does not have a successful charge to refund.",
                param: input.paymentIntent != nil ? "payment_intent" : "charge"
            )
        }
        return charge
    }
}
