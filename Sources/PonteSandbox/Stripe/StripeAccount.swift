import HTTPTypes
import Synchronization

/// Who made a request, which the events and ledger entries it causes are tied to.
struct StripeRequestContext: Sendable {
    var requestID: String
    /// The request's `Idempotency-Key`, nil when it sent none.
    var idempotencyKey: String?
    /// Unix seconds on the sandbox clock.
    var now: Int
}

/// What an operation answers, and what it caused that must happen after the state is
/// unlocked: events to deliver and money to record.
struct StripeOutcome: Sendable {
    var status: HTTPResponse.Status = .ok
    var body: StripeJSON
    var events: [StripeEvent] = []
    var ledger: [Ledger.Entry] = []
}

/// The simulated Stripe account: its customers, payment methods, PaymentIntents, charges,
/// refunds and events, behind one lock.
final class StripeAccount: Sendable {
    struct State: Sendable {
        var customers: [String: StripeCustomer] = [:]
        var paymentMethods: [String: StripePaymentMethod] = [:]
        var intents: [String: StripePaymentIntent] = [:]
        /// PaymentIntent ids, oldest first (lists show the newest first).
        var intentOrder: [String] = []
        var charges: [String: StripeCharge] = [:]
        var refunds: [String: StripeRefund] = [:]
        var events: [String: StripeEvent] = [:]
        var eventOrder: [String] = []
    }

    private let state = Mutex(State())

    /// Runs `operation` on the account's state, atomically.
    func perform<Result: Sendable>(
        _ operation: (inout State) throws(StripeError) -> Result
    ) throws(StripeError) -> Result {
        try state.withLock { state throws(StripeError) in try operation(&state) }
    }
}

/// The side effects one operation collects while it holds the lock.
struct StripeEffects {
    let context: StripeRequestContext
    var events: [StripeEvent] = []
    var ledger: [Ledger.Entry] = []

    init(_ context: StripeRequestContext) { self.context = context }

    func outcome(_ body: StripeJSON, status: HTTPResponse.Status = .ok) -> StripeOutcome {
        StripeOutcome(status: status, body: body, events: events, ledger: ledger)
    }

    mutating func money(_ kind: Ledger.Entry.Kind, object: String, payment: String, amount: Int, currency: String) {
        ledger.append(
            Ledger.Entry(
                provider: .stripe, kind: kind, objectID: object, paymentID: payment, amount: amount, currency: currency,
                reference: context.idempotencyKey, at: context.now
            )
        )
    }
}

// MARK: Events, expansion, lists

extension StripeAccount.State {
    /// Records an event about `object` (a snapshot) and queues it for delivery.
    mutating func emit(_ type: String, _ object: StripeJSON, _ effects: inout StripeEffects) {
        let event = StripeEvent(
            id: SandboxIDs.random("evt_"), type: type, created: effects.context.now, object: object,
            requestID: effects.context.requestID, idempotencyKey: effects.context.idempotencyKey
        )
        events[event.id] = event
        eventOrder.append(event.id)
        effects.events.append(event)
    }

    /// The object that `id` names, for `expand[]`.
    func object(named id: String) -> StripeJSON? {
        if let value = intents[id] { return value.json }
        if let value = charges[id] { return value.json }
        if let value = customers[id] { return value.json }
        if let value = paymentMethods[id] { return value.json }
        if let value = refunds[id] { return value.json }
        return nil
    }

    /// `object` with each expanded field replaced by the object its id names.
    func expanding(_ object: StripeJSON, _ fields: [String]) throws(StripeError) -> StripeJSON {
        var result = object
        for field in fields {
            guard let value = result[field] else {
                throw StripeError(code: nil, message: "This property cannot be expanded (\(field)).", param: "expand")
            }
            switch value {
            case .null, .object: continue
            case .string(let id):
                guard let expanded = self.object(named: id) else {
                    throw StripeError(code: nil, message: "This property cannot be expanded (\(field)).", param: "expand")
                }
                result[field] = expanded
            default:
                throw StripeError(code: nil, message: "This property cannot be expanded (\(field)).", param: "expand")
            }
        }
        return result
    }

    /// A list page of `items` (newest first), Stripe's `{"object": "list", ...}`.
    func page(
        _ items: [StripeJSON], ids: [String], _ page: StripeRequest.Page, url: String, kind: String, expand: [String]
    ) throws(StripeError) -> StripeJSON {
        var start = 0
        var end = items.count
        if let after = page.startingAfter {
            guard let index = ids.firstIndex(of: after) else {
                throw StripeError.noSuch(kind, after, param: "starting_after", inPath: false)
            }
            start = index + 1
        }
        if let before = page.endingBefore {
            guard let index = ids.firstIndex(of: before) else {
                throw StripeError.noSuch(kind, before, param: "ending_before", inPath: false)
            }
            end = index
            start = max(start, end - page.limit)
        }
        let slice = start < end ? Array(items[start..<min(end, start + page.limit)]) : []
        let itemExpansions = expand.compactMap { $0.hasPrefix("data.") ? String($0.dropFirst(5)) : nil }
        var data: [StripeJSON] = []
        for item in slice { data.append(try expanding(item, itemExpansions)) }
        return [
            "object": "list", "data": .array(data), "has_more": .bool(start + slice.count < end && !slice.isEmpty),
            "url": .string(url),
        ]
    }
}

// MARK: Customers and events

extension StripeAccount.State {
    mutating func createCustomer(_ input: StripeRequest.CustomerFields, _ effects: inout StripeEffects) -> StripeJSON {
        var customer = StripeCustomer(
            id: SandboxIDs.random("cus_", length: 14), created: effects.context.now,
            invoicePrefix: String(SandboxIDs.random("", length: 8).uppercased())
        )
        customer.apply(input)
        customers[customer.id] = customer
        emit("customer.created", customer.json, &effects)
        return customer.json
    }

    mutating func updateCustomer(
        _ id: String, _ input: StripeRequest.CustomerFields, _ effects: inout StripeEffects
    ) throws(StripeError) -> StripeJSON {
        guard var customer = customers[id] else { throw StripeError.noSuch("customer", id, param: "id", inPath: true) }
        customer.apply(input)
        customers[id] = customer
        return customer.json
    }

    func customer(_ id: String) throws(StripeError) -> StripeJSON {
        guard let customer = customers[id] else { throw StripeError.noSuch("customer", id, param: "id", inPath: true) }
        return customer.json
    }

    func event(_ id: String) throws(StripeError) -> StripeJSON {
        guard let event = events[id] else { throw StripeError.noSuch("event", id, param: "id", inPath: true) }
        return event.json
    }

    func listEvents(type: String?, _ page: StripeRequest.Page) throws(StripeError) -> StripeJSON {
        let ids = eventOrder.reversed().filter { id in type.map { events[id]?.type == $0 } ?? true }
        return try self.page(
            ids.compactMap { events[$0]?.json }, ids: ids, page, url: "/v1/events", kind: "event", expand: []
        )
    }
}

extension StripeCustomer {
    mutating func apply(_ input: StripeRequest.CustomerFields) {
        if let email = input.email { self.email = email }
        if let name = input.name { self.name = name }
        if let phone = input.phone { self.phone = phone }
        if let description = input.description { self.description = description }
        if let address = input.address { self.address = address }
        if let shipping = input.shipping { self.shipping = shipping }
        metadata = metadata.applying(input.metadata)
    }
}
