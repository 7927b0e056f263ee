import Foundation
import HTTPTypes
import Hummingbird
import PonteProviders

/// iFood's Merchant API under `/ifood/...`: the OAuth token
/// (`authentication/v1.0/oauth/token`), event polling and acknowledgement (both the
/// `events/v1.0` module and the legacy `order/v1.0` paths) and the order API.
///
/// Control route: `POST /_sandbox/ifood/orders` places an order (optional JSON body:
/// `merchantId`, `merchantName`, `customerName`, `orderType`, `items[{name, externalCode,
/// quantity, unitPrice}]`, `deliveryFee`; amounts in reais) and answers with it.
public struct IFoodSimulator: ProviderSimulator {
    public let provider = SandboxProvider.ifood
    let merchantAPI: IFoodMerchantAPI

    public init(environment: SandboxEnvironment) {
        let merchantAPI = IFoodMerchantAPI(environment: environment)
        self.merchantAPI = merchantAPI
        environment.clock.onAdvance { now in merchantAPI.sweep(now: now) }
    }

    public func addRoutes(to group: RouterGroup<SandboxContext>) {
        group.post("authentication/v1.0/oauth/token", use: token)
        for base in ["events/v1.0", "order/v1.0"] {
            group.get("\(base)/events:polling", use: authorized(poll))
            group.post("\(base)/events/acknowledgment", use: authorized(acknowledge))
        }
        group.get("order/v1.0/orders/:id", use: authorized(getOrder))
        for action in IFoodMerchantAPI.Action.allCases {
            group.post(
                "order/v1.0/orders/:id/\(action.rawValue)",
                use: authorized { request, context in
                    try merchantAPI.perform(action, on: context.parameters.get("id") ?? "")
                    return Response(status: .accepted)
                })
        }
        group.get("order/v1.0/orders/:id/cancellationReasons", use: authorized(cancellationReasons))
        group.post("order/v1.0/orders/:id/requestCancellation", use: authorized(requestCancellation))
    }

    public func addControlRoutes(to group: RouterGroup<SandboxContext>) {
        group.post("orders") { request, _ in
            let bytes = try await SandboxJSON.body(of: request)
            let placement: IFoodOrder.Placement
            do {
                placement = try JSONDecoder().decode(
                    IFoodOrder.Placement.self, from: Data(bytes.isEmpty ? Array("{}".utf8) : bytes))
            } catch {
                return controlError(
                    .badRequest, "INVALID_JSON", "the body must be a JSON object describing the order: \(error)")
            }
            do {
                return .sandboxJSON(try merchantAPI.place(placement), status: .created)
            } catch let error as IFoodError {
                return controlError(.badRequest, "INVALID_ORDER", error.message)
            }
        }
    }

    public func faultResponse(_ fault: APIFault) -> Response {
        switch fault {
        case .rateLimited(let seconds):
            var headers = HTTPFields()
            headers[.retryAfter] = String(seconds)
            return IFoodError(.tooManyRequests, "TooManyRequests", "Rate limit exceeded", headers: headers).response
        default:
            return IFoodError(.internalServerError, "InternalServerError", "Internal server error").response
        }
    }

    // MARK: Handlers

    @Sendable func token(_ request: Request, context: SandboxContext) async throws -> Response {
        let form = FormURLEncoded.parse(try await SandboxJSON.body(of: request))
        let grantType = FormURLEncoded.first("grantType", in: form) ?? ""
        guard grantType == "client_credentials" else {
            return IFoodError.badRequest(
                grantType.isEmpty ? "grantType is required" : "Unsupported grantType '\(grantType)'"
            ).response
        }
        guard
            let token = merchantAPI.issueToken(
                clientID: FormURLEncoded.first("clientId", in: form) ?? "",
                clientSecret: FormURLEncoded.first("clientSecret", in: form) ?? ""
            )
        else {
            return IFoodError.unauthorized("Invalid client credentials").response
        }
        return .sandboxJSON(TokenAnswer(accessToken: token, type: "bearer", expiresIn: IFoodMerchantAPI.tokenLifetime))
    }

    @Sendable func poll(_ request: Request, context: SandboxContext) async throws -> Response {
        let header = request.headers.first { $0.name.canonicalName == "x-polling-merchants" }?.value
        let merchants = header.map { value in
            Set(value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        let events = merchantAPI.pending(merchants: merchants)
        return events.isEmpty ? Response(status: .noContent) : .sandboxJSON(events)
    }

    @Sendable func acknowledge(_ request: Request, context: SandboxContext) async throws -> Response {
        struct Acknowledged: Decodable { var id: String }
        let bytes = try await SandboxJSON.body(of: request)
        guard let items = try? JSONDecoder().decode([Acknowledged].self, from: Data(bytes)) else {
            throw IFoodError.badRequest(
                "The body must be a JSON array of objects with the event id: [{\"id\": \"...\"}]")
        }
        merchantAPI.acknowledge(items.map(\.id))
        return Response(status: .accepted)
    }

    @Sendable func getOrder(_ request: Request, context: SandboxContext) async throws -> Response {
        .sandboxJSON(try merchantAPI.order(context.parameters.get("id") ?? ""))
    }

    @Sendable func cancellationReasons(_ request: Request, context: SandboxContext) async throws -> Response {
        let order = try merchantAPI.order(context.parameters.get("id") ?? "")
        guard order.status != .cancelled, order.status != .dispatched else { return Response(status: .noContent) }
        return .sandboxJSON(
            IFoodMerchantAPI.cancellationReasons.map { ["cancelCodeId": $0.code, "description": $0.description] })
    }

    @Sendable func requestCancellation(_ request: Request, context: SandboxContext) async throws -> Response {
        struct Body: Decodable {
            var reason: String?
            var cancellationCode: String?
        }
        let bytes = try await SandboxJSON.body(of: request)
        guard let body = try? JSONDecoder().decode(Body.self, from: Data(bytes)), let code = body.cancellationCode
        else {
            throw IFoodError.badRequest("The body must be {\"reason\": \"...\", \"cancellationCode\": \"...\"}")
        }
        try merchantAPI.requestCancellation(of: context.parameters.get("id") ?? "", code: code, reason: body.reason)
        return Response(status: .accepted)
    }

    // MARK: Plumbing

    /// Requires a valid `Authorization: Bearer` token, then runs `handler`, turning its iFood
    /// errors into answers.
    private func authorized(
        _ handler: @escaping @Sendable (Request, SandboxContext) async throws -> Response
    ) -> @Sendable (Request, SandboxContext) async throws -> Response {
        { [merchantAPI] request, context in
            let header = request.headers[.authorization] ?? ""
            guard header.lowercased().hasPrefix("bearer "), merchantAPI.isValid(token: String(header.dropFirst(7)))
            else {
                return IFoodError.unauthorized(header.isEmpty ? "Missing bearer token" : "Invalid or expired token")
                    .response
            }
            do {
                return try await handler(request, context)
            } catch let error as IFoodError {
                return error.response
            }
        }
    }
}

struct TokenAnswer: Encodable {
    var accessToken: String
    var type: String
    var expiresIn: Int
}
