import Foundation
import PonteProviders
import Synchronization

/// The state behind the simulated iFood Merchant API: access tokens, orders and their
/// status, and the event queue that polling reads and acknowledgement empties.
///
/// Orders go `PLACED` → `CONFIRMED` → (`PREPARATION_STARTED`) → (`READY_TO_PICKUP`) →
/// `DISPATCHED`; a placed order that is not confirmed within 8 minutes, or one whose
/// cancellation the store requests before dispatch, becomes `CANCELLED`. Every change
/// queues one event and sends it as one signed webhook.
final class IFoodMerchantAPI: Sendable {
    /// An action of the order API (`POST /orders/{id}/{action}`).
    enum Action: String, CaseIterable, Sendable {
        case confirm, startPreparation, readyToPickup, dispatch

        var target: IFoodOrder.Status {
            switch self {
            case .confirm: .confirmed
            case .startPreparation: .preparationStarted
            case .readyToPickup: .readyToPickup
            case .dispatch: .dispatched
            }
        }

        /// The statuses it moves an order from.
        var from: Set<IFoodOrder.Status> {
            switch self {
            case .confirm: [.placed]
            case .startPreparation: [.confirmed]
            case .readyToPickup: [.confirmed, .preparationStarted]
            case .dispatch: [.confirmed, .preparationStarted, .readyToPickup]
            }
        }
    }

    /// How long an access token lives: `expiresIn` of the token answer.
    static let tokenLifetime = 21_600
    /// How long a placed order waits for confirmation before iFood cancels it.
    static let confirmationDeadline: TimeInterval = 8 * 60

    /// iFood's cancellation reasons (`GET /orders/{id}/cancellationReasons`).
    static let cancellationReasons: [(code: String, description: String)] = [
        ("501", "PROBLEMAS DE SISTEMA"), ("502", "PEDIDO EM DUPLICIDADE"), ("503", "ITEM INDISPONÍVEL"),
        ("504", "RESTAURANTE SEM MOTOBOY"), ("505", "CARDÁPIO DESATUALIZADO"),
        ("506", "PEDIDO FORA DA ÁREA DE ENTREGA"),
        ("507", "CLIENTE GOLPISTA / TROTE"), ("508", "FORA DO HORÁRIO DO DELIVERY"),
        ("509", "DIFICULDADES INTERNAS DO RESTAURANTE"), ("511", "ÁREA DE RISCO"),
        ("512", "RESTAURANTE ABRIRÁ MAIS TARDE"), ("513", "RESTAURANTE FECHOU MAIS CEDO"),
    ]

    private struct State {
        var tokens: [String: Date] = [:]
        var orders: [String: IFoodOrder] = [:]
        var events: [IFoodEvent] = []
        var acknowledged: Set<String> = []
        var nextDisplayID = 1_000
    }

    private let state = Mutex(State())
    private let environment: SandboxEnvironment

    init(environment: SandboxEnvironment) {
        self.environment = environment
    }

    // MARK: Tokens

    /// A new bearer token for the client credentials, or nil when they are wrong.
    func issueToken(clientID: String, clientSecret: String) -> String? {
        let credentials = environment.credentials
        guard ConstantTime.secretsEqual(clientID, credentials.ifoodClientID),
            ConstantTime.secretsEqual(clientSecret, credentials.ifoodClientSecret)
        else { return nil }
        let token = SandboxIDs.random("", length: 96)
        let expiry = environment.clock.now().addingTimeInterval(TimeInterval(Self.tokenLifetime))
        state.withLock { $0.tokens[token] = expiry }
        return token
    }

    /// Whether `token` was issued here and has not expired on the sandbox clock.
    func isValid(token: String) -> Bool {
        let now = environment.clock.now()
        return state.withLock { state in state.tokens[token].map { now < $0 } ?? false }
    }

    // MARK: Orders

    func place(_ placement: IFoodOrder.Placement) throws(IFoodError) -> IFoodOrder {
        let now = environment.clock.now()
        let displayID = state.withLock { state in
            defer { state.nextDisplayID += 1 }
            return String(state.nextDisplayID)
        }
        let order = try IFoodOrder(placement: placement, id: SandboxIDs.uuid(), displayId: displayID, createdAt: now)
        let event = state.withLock { state in
            state.orders[order.id] = order
            return queue("PLACED", order: order, metadata: nil, at: now, in: &state)
        }
        send(event)
        return order
    }

    func order(_ id: String) throws(IFoodError) -> IFoodOrder {
        sweep(now: environment.clock.now())
        guard let order = state.withLock({ $0.orders[id] }) else { throw .orderNotFound }
        return order
    }

    /// Performs `action`; done again (or overtaken by a later step) it changes nothing.
    func perform(_ action: Action, on id: String) throws(IFoodError) {
        let now = environment.clock.now()
        sweep(now: now)
        let event = try changeOrder(id) { order, state throws(IFoodError) -> IFoodEvent? in
            if action.from.contains(order.status) {
                order.status = action.target
                return queue(action.target.rawValue, order: order, metadata: nil, at: now, in: &state)
            }
            if order.status == .cancelled || order.status == .placed {
                throw .badRequest("Order \(order.id) is \(order.status.rawValue); \(action.rawValue) is not allowed")
            }
            return nil
        }
        if let event { send(event) }
    }

    /// Cancels an order not yet dispatched; a dispatched one gets `CANCELLATION_REQUEST_FAILED`.
    func requestCancellation(of id: String, code: String, reason: String?) throws(IFoodError) {
        let now = environment.clock.now()
        sweep(now: now)
        guard let known = Self.cancellationReasons.first(where: { $0.code == code }) else {
            throw .badRequest("Invalid cancellationCode '\(code)'; see GET /orders/{id}/cancellationReasons")
        }
        let metadata = ["CANCEL_CODE": code, "CANCEL_REASON": reason ?? known.description, "CANCEL_ORIGIN": "MERCHANT"]
        let event = try changeOrder(id) { order, state throws(IFoodError) -> IFoodEvent? in
            switch order.status {
            case .cancelled:
                return nil
            case .dispatched:
                return queue("CANCELLATION_REQUEST_FAILED", order: order, metadata: metadata, at: now, in: &state)
            default:
                order.status = .cancelled
                return queue("CANCELLED", order: order, metadata: metadata, at: now, in: &state)
            }
        }
        if let event { send(event) }
    }

    /// Placed orders older than the confirmation deadline are cancelled by iFood.
    func sweep(now: Date) {
        let events = state.withLock { state -> [IFoodEvent] in
            var events: [IFoodEvent] = []
            for (id, var order) in state.orders
            where order.status == .placed && now.timeIntervalSince(order.createdAt) >= Self.confirmationDeadline {
                order.status = .cancelled
                state.orders[id] = order
                let metadata = [
                    "CANCEL_CODE": "902", "CANCEL_REASON": "PEDIDO NÃO CONFIRMADO A TEMPO", "CANCEL_ORIGIN": "IFOOD",
                ]
                events.append(queue("CANCELLED", order: order, metadata: metadata, at: now, in: &state))
            }
            return events
        }
        events.forEach(send)
    }

    // MARK: Events

    /// Events not yet acknowledged, oldest first, of the given merchants (nil: all).
    func pending(merchants: Set<String>?) -> [IFoodEvent] {
        sweep(now: environment.clock.now())
        return state.withLock { state in
            state.events.filter { !state.acknowledged.contains($0.id) && (merchants?.contains($0.merchantId) ?? true) }
        }
    }

    func acknowledge(_ ids: [String]) {
        state.withLock { state in
            let known = Set(state.events.map(\.id))
            state.acknowledged.formUnion(ids.filter(known.contains))
        }
    }

    // MARK: Plumbing

    private func changeOrder(
        _ id: String, _ body: (inout IFoodOrder, inout State) throws(IFoodError) -> IFoodEvent?
    ) throws(IFoodError) -> IFoodEvent? {
        let result: Result<IFoodEvent?, IFoodError> = state.withLock { state in
            guard var order = state.orders[id] else { return .failure(.orderNotFound) }
            do throws(IFoodError) {
                let event = try body(&order, &state)
                state.orders[id] = order
                return .success(event)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private func queue(
        _ fullCode: String, order: IFoodOrder, metadata: [String: String]?, at now: Date, in state: inout State
    ) -> IFoodEvent {
        let event = IFoodEvent(
            id: SandboxIDs.uuid(), code: IFoodEvent.codes[fullCode] ?? fullCode, fullCode: fullCode, orderId: order.id,
            merchantId: order.merchantID, createdAt: IFoodEvent.timestamp(now), salesChannel: "IFOOD",
            metadata: metadata
        )
        state.events.append(event)
        return event
    }

    private func send(_ event: IFoodEvent) {
        let bytes = (try? SandboxJSON.encoder.encode(event)).map { Array($0) } ?? []
        environment.webhooks.send(
            SandboxWebhook(provider: .ifood, eventID: event.id, eventType: event.fullCode, body: .json(bytes)))
    }
}
