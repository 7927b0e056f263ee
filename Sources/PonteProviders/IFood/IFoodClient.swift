import Foundation

/// iFood's Merchant API: OAuth client credentials, event polling and acknowledgement, and
/// the order actions.
///
/// Order actions answer 202 and only ask for a state transition (the outcome arrives as
/// an event), so repeating one is harmless and they are retried in-call like reads. The
/// access token is cached until shortly before it expires, fetched once for concurrent
/// callers, and renewed once when the API answers 401.
public struct IFoodClient: Sendable {
    /// Which polling paths to use: the current Events module or the legacy order module.
    public enum PollingAPI: String, Sendable {
        /// `GET /events/v1.0/events:polling`, `POST /events/v1.0/events/acknowledgment`.
        case events
        /// `GET /order/v1.0/events:polling`, `POST /order/v1.0/events/acknowledgment`.
        case legacyOrder

        var prefix: String {
            switch self {
            case .events: "/events/v1.0"
            case .legacyOrder: "/order/v1.0"
            }
        }
    }

    private let http: ProviderHTTPClient
    private let pollingAPI: PollingAPI
    public let tokens: AccessTokenCache

    /// - Parameters:
    ///   - tokenRefreshMargin: how long before expiry a token is renewed.
    ///   - now: the clock for token expiry.
    public init(
        clientID: String, clientSecret: String, http: ProviderHTTPClient, pollingAPI: PollingAPI = .events,
        tokenRefreshMargin: Duration = .seconds(60), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        let http = http.redacting([clientSecret])
        self.http = http
        self.pollingAPI = pollingAPI
        self.tokens = AccessTokenCache(refreshMargin: tokenRefreshMargin, now: now) {
            try await Self.requestToken(clientID: clientID, clientSecret: clientSecret, http: http)
        }
    }

    // MARK: - Events

    /// New (un-acknowledged) events, oldest first by `createdAt`; empty on 204.
    /// - Parameters:
    ///   - merchants: restricts polling to these merchants (`x-polling-merchants`).
    ///   - categories: `FOOD`, `GROCERY`, `ANOTAI`, `FOOD_SELF_SERVICE` or `ALL`; nil is iFood's default.
    public func poll(merchants: [String] = [], categories: [String]? = nil) async throws -> [IFoodEvent] {
        var headers: [(name: String, value: String)] = []
        if !merchants.isEmpty { headers.append((name: "x-polling-merchants", value: merchants.joined(separator: ","))) }
        let query = categories.map { [(name: "categories", value: $0.joined(separator: ","))] } ?? []
        let response = try await send(
            OutboundRequest(
                method: "GET", path: "\(pollingAPI.prefix)/events:polling", query: query, headers: headers,
                operation: "events.poll"))
        if response.status == 204 || response.body.isEmpty { return [] }
        let events = try response.decode([IFoodEvent].self)
        return events.sorted { ($0.createdAt ?? "") < ($1.createdAt ?? "") }
    }

    /// Acknowledges events (only after they are stored); iFood answers 202.
    public func acknowledge(eventIDs: [String]) async throws {
        guard !eventIDs.isEmpty else { return }
        struct Acknowledgement: Encodable { var id: String }
        _ = try await send(
            OutboundRequest(
                method: "POST", path: "\(pollingAPI.prefix)/events/acknowledgment",
                body: try .json(encoding: eventIDs.map(Acknowledgement.init)), operation: "events.acknowledge",
                isSafeToRetry: true))
    }

    // MARK: - Orders

    public func order(id: String) async throws -> IFoodOrder {
        try await send(OutboundRequest(method: "GET", path: orderPath(id), operation: "orders.retrieve"))
            .decode(IFoodOrder.self)
    }

    /// Confirms a placed order (within 8 minutes, or iFood cancels it).
    public func confirm(orderID: String) async throws { try await action(orderID, "confirm") }

    public func startPreparation(orderID: String) async throws { try await action(orderID, "startPreparation") }

    public func readyToPickup(orderID: String) async throws { try await action(orderID, "readyToPickup") }

    public func dispatch(orderID: String) async throws { try await action(orderID, "dispatch") }

    /// The reasons the store may give to cancel this order (empty on 204).
    public func cancellationReasons(orderID: String) async throws -> [IFoodCancellationReason] {
        let response = try await send(
            OutboundRequest(
                method: "GET", path: orderPath(orderID) + "/cancellationReasons", operation: "orders.cancellation_reasons"))
        if response.status == 204 || response.body.isEmpty { return [] }
        return try response.decode([IFoodCancellationReason].self)
    }

    /// Asks iFood to cancel; `cancellationCode` is a `cancelCodeId` from `cancellationReasons`.
    public func requestCancellation(orderID: String, reason: String, cancellationCode: String) async throws {
        struct Body: Encodable {
            var reason: String
            var cancellationCode: String
        }
        _ = try await send(
            OutboundRequest(
                method: "POST", path: orderPath(orderID) + "/requestCancellation",
                body: try .json(encoding: Body(reason: reason, cancellationCode: cancellationCode)),
                operation: "orders.request_cancellation", isSafeToRetry: true))
    }

    // MARK: - Transport

    private func orderPath(_ id: String) -> String { "/order/v1.0/orders/\(OutboundRequest.pathSegment(id))" }

    private func action(_ orderID: String, _ name: String) async throws {
        _ = try await send(
            OutboundRequest(
                method: "POST", path: orderPath(orderID) + "/\(name)", operation: "orders.\(name)", isSafeToRetry: true))
    }

    /// Sends `request` with a bearer token, renewing the token once on 401.
    private func send(_ request: OutboundRequest) async throws -> OutboundResponse {
        let http = http
        return try await tokens.withToken { token in
            var request = request
            request.headers.append((name: "Authorization", value: "Bearer \(token)"))
            return try await http.redacting([token]).send(request, errorReader: Self.readError)
        }
    }

    private static func requestToken(
        clientID: String, clientSecret: String, http: ProviderHTTPClient
    ) async throws -> (token: String, expiresIn: Duration) {
        struct TokenResponse: Decodable {
            var accessToken: String
            var type: String?
            var expiresIn: Int
        }
        let request = OutboundRequest(
            method: "POST", path: "/authentication/v1.0/oauth/token",
            body: .form([
                (name: "grantType", value: "client_credentials"), (name: "clientId", value: clientID),
                (name: "clientSecret", value: clientSecret),
            ]), operation: "oauth.token", isSafeToRetry: true)
        let token = try await http.send(request, errorReader: readError).decode(TokenResponse.self)
        return (token.accessToken, .seconds(token.expiresIn))
    }

    /// iFood's error bodies: `{"error":{"code","message"}}` or `{"code","message"}`.
    static func readError(_ response: OutboundResponse) -> ProviderErrorBody {
        struct Detail: Decodable {
            var code: String?
            var message: String?
            var description: String?
        }
        struct Envelope: Decodable { var error: Detail }
        let data = Data(response.body)
        let detail = (try? JSONDecoder().decode(Envelope.self, from: data).error) ?? (try? JSONDecoder().decode(Detail.self, from: data))
        guard let detail, detail.code != nil || detail.message != nil || detail.description != nil else {
            return ProviderErrorBody(message: "HTTP \(response.status) without an iFood error body")
        }
        return ProviderErrorBody(
            code: detail.code, message: detail.message ?? detail.description ?? "HTTP \(response.status)")
    }
}
