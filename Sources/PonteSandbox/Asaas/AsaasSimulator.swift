import Foundation
import HTTPTypes
import Hummingbird
import PonteProviders

/// Asaas's API v3 under `/asaas/v3/...`: customers, charges (PIX, boleto, card), refunds,
/// the PIX QR code, and the sandbox's own `POST /v3/sandbox/payment/{id}/confirm|overdue`.
///
/// Every call needs the `access_token` header; charge changes send Asaas webhooks with the
/// `asaas-access-token` header. Control routes under `/_sandbox/asaas`:
/// `POST payments/{id}/pay` and `POST payments/{id}/fail` (overdue for PIX and boleto, a
/// refused capture for a card).
public struct AsaasSimulator: ProviderSimulator {
    public let provider = SandboxProvider.asaas
    let account: AsaasAccount
    private let environment: SandboxEnvironment

    public init(environment: SandboxEnvironment) {
        self.environment = environment
        let account = AsaasAccount(environment: environment)
        self.account = account
        environment.clock.onAdvance { now in account.sweepOverdue(now: now) }
    }

    public func addRoutes(to group: RouterGroup<SandboxContext>) {
        group.post("v3/customers", use: api(createCustomer))
        group.get("v3/customers", use: api(listCustomers))
        group.get("v3/customers/:id", use: api(getCustomer))
        group.post("v3/payments", use: api(createPayment))
        group.get("v3/payments", use: api(listPayments))
        group.get("v3/payments/:id", use: api(getPayment))
        group.delete("v3/payments/:id", use: api(deletePayment))
        group.get("v3/payments/:id/status", use: api(paymentStatus))
        group.get("v3/payments/:id/identificationField", use: api(identificationField))
        group.get("v3/payments/:id/pixQrCode", use: api(pixQrCode))
        group.post("v3/payments/:id/refund", use: api(refund))
        group.post("v3/sandbox/payment/:id/confirm", use: api(sandboxConfirm))
        group.post("v3/sandbox/payment/:id/overdue", use: api(sandboxOverdue))
    }

    public func addControlRoutes(to group: RouterGroup<SandboxContext>) {
        group.post("payments/:id/pay") { _, context in
            control { () throws(AsaasError) in try account.pay(context.parameters.get("id") ?? "") }
        }
        group.post("payments/:id/fail") { _, context in
            control { () throws(AsaasError) in
                let id = context.parameters.get("id") ?? ""
                guard let payment = account.payment(id) else { throw .notFound("Cobrança") }
                return try payment.billingType == .creditCard ? account.refuseCard(id) : account.makeOverdue(id)
            }
        }
    }

    public func faultResponse(_ fault: APIFault) -> Response {
        switch fault {
        case .rateLimited(let seconds):
            var headers = HTTPFields()
            headers[.retryAfter] = String(seconds)
            return AsaasError(
                .tooManyRequests, "rate_limit_exceeded", "Limite de requisições excedido. Tente novamente mais tarde.",
                headers: headers
            ).response
        default:
            return AsaasError(.internalServerError, "internal_error", "Ocorreu um erro interno. Tente novamente.")
                .response
        }
    }

    // MARK: Plumbing

    /// Checks `access_token`, then runs `handler`, turning its Asaas errors into answers.
    private func api(
        _ handler: @escaping @Sendable (Request, SandboxContext) async throws -> Response
    ) -> @Sendable (Request, SandboxContext) async throws -> Response {
        let key = environment.credentials.asaasAPIKey
        return { request, context in
            guard let token = request.headers.first(where: { $0.name.canonicalName == "access_token" })?.value,
                !token.isEmpty
            else {
                return AsaasError(
                    .unauthorized, "access_token_not_found",
                    "O cabeçalho de autenticação 'access_token' é obrigatório e não foi encontrado na requisição."
                ).response
            }
            guard ConstantTime.secretsEqual(token, key) else {
                return AsaasError(.unauthorized, "invalid_access_token", "A chave de API fornecida é inválida").response
            }
            do {
                return try await handler(request, context)
            } catch let error as AsaasError {
                return error.response
            }
        }
    }

    private func control(_ body: () throws(AsaasError) -> AsaasPayment) -> Response {
        do {
            return .sandboxJSON(try body())
        } catch {
            let code = error.status == .notFound ? "NOT_FOUND" : "INVALID_STATE"
            return controlError(
                error.status == .notFound ? .notFound : .conflict, code,
                error.errors.map(\.description).joined(separator: "; ")
            )
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let bytes = try await SandboxJSON.body(of: request)
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes.isEmpty ? Array("{}".utf8) : bytes))
        } catch {
            throw AsaasError.invalid("invalid_object", "O corpo da requisição não é um JSON válido para esta operação.")
        }
    }

    private static func query(_ request: Request) -> [(name: String, value: String)] {
        FormURLEncoded.parse(Array((request.uri.query ?? "").utf8))
    }

    private func id(_ context: SandboxContext) -> String {
        context.parameters.get("id") ?? ""
    }
}

// MARK: Handlers

extension AsaasSimulator {
    @Sendable func createCustomer(_ request: Request, context: SandboxContext) async throws -> Response {
        let creation = try await Self.decode(AsaasCustomer.Creation.self, from: request)
        return .sandboxJSON(try account.createCustomer(creation))
    }

    @Sendable func getCustomer(_ request: Request, context: SandboxContext) async throws -> Response {
        guard let customer = account.customer(id(context)) else { throw AsaasError.notFound("Cliente") }
        return .sandboxJSON(customer)
    }

    @Sendable func listCustomers(_ request: Request, context: SandboxContext) async throws -> Response {
        let query = Self.query(request)
        func value(_ name: String) -> String? {
            FormURLEncoded.first(name, in: query).flatMap { $0.isEmpty ? nil : $0 }
        }
        let name = value("name")?.lowercased()
        let taxID = value("cpfCnpj").map { $0.filter(\.isNumber) }
        let customers = account.customers { customer in
            (name.map { customer.name.lowercased().contains($0) } ?? true)
                && (value("email").map { customer.email == $0 } ?? true)
                && (taxID.map { customer.taxID == $0 } ?? true)
                && (value("groupName").map { customer.groupName == $0 } ?? true)
                && (value("externalReference").map { customer.externalReference == $0 } ?? true)
        }
        return try page(customers, query: query)
    }

    @Sendable func createPayment(_ request: Request, context: SandboxContext) async throws -> Response {
        let creation = try await Self.decode(AsaasPaymentRequest.self, from: request)
        return .sandboxJSON(try account.createPayment(creation))
    }

    @Sendable func getPayment(_ request: Request, context: SandboxContext) async throws -> Response {
        .sandboxJSON(try payment(context))
    }

    @Sendable func paymentStatus(_ request: Request, context: SandboxContext) async throws -> Response {
        .sandboxJSON(["status": try payment(context).status.rawValue])
    }

    @Sendable func listPayments(_ request: Request, context: SandboxContext) async throws -> Response {
        let query = Self.query(request)
        func value(_ name: String) -> String? {
            FormURLEncoded.first(name, in: query).flatMap { $0.isEmpty ? nil : $0 }
        }
        if let status = value("status"), !AsaasPayment.documentedStatuses.contains(status) {
            throw AsaasError.invalid("invalid_status", "O status informado é inválido.")
        }
        if let type = value("billingType"), AsaasPayment.BillingType(rawValue: type) == nil {
            throw AsaasError.invalid("invalid_billingType", "A forma de pagamento informada é inválida.")
        }
        func within(_ date: String?, _ field: String) -> Bool {
            if let low = value("\(field)[ge]"), (date ?? "") < low { return false }
            if let high = value("\(field)[le]"), date.map({ $0 > high }) ?? true { return false }
            return true
        }
        let payments = account.payments { payment in
            (value("customer").map { payment.customer == $0 } ?? true)
                && (value("billingType").map { payment.billingType.rawValue == $0 } ?? true)
                && (value("status").map { payment.status.rawValue == $0 } ?? true)
                && (value("externalReference").map { payment.externalReference == $0 } ?? true)
                && (value("paymentDate").map { payment.paymentDate == $0 } ?? true)
                && within(payment.dateCreated, "dateCreated") && within(payment.dueDate, "dueDate")
                && within(payment.paymentDate, "paymentDate")
        }
        return try page(payments, query: query)
    }

    @Sendable func deletePayment(_ request: Request, context: SandboxContext) async throws -> Response {
        let payment = try account.delete(id(context))
        return .sandboxJSON(Deleted(deleted: true, id: payment.id))
    }

    @Sendable func identificationField(_ request: Request, context: SandboxContext) async throws -> Response {
        let payment = try payment(context)
        guard let line = payment.identificationField, let nossoNumero = payment.nossoNumero else {
            throw AsaasError.invalid("invalid_billingType", "Esta cobrança não possui boleto.")
        }
        let barcode = Boleto(bank: "461", dueDate: payment.dueDate, centavos: payment.value, freeField: nossoNumero)
            .barcode
        return .sandboxJSON(["identificationField": line, "nossoNumero": nossoNumero, "barCode": barcode])
    }

    @Sendable func refund(_ request: Request, context: SandboxContext) async throws -> Response {
        struct Body: Decodable {
            var value: Decimal?
            var description: String?
        }
        let body = try await Self.decode(Body.self, from: request)
        var centavos: Int?
        if let value = body.value {
            guard let amount = AsaasMoney.centavos(value) else {
                throw AsaasError.invalid(
                    "invalid_value", "O valor do estorno deve ser maior que zero e ter no máximo duas casas decimais.")
            }
            centavos = amount
        }
        let description = body.description.flatMap { $0.isEmpty ? nil : $0 }
        return .sandboxJSON(try account.refund(id(context), centavos: centavos, description: description))
    }

    @Sendable func sandboxConfirm(_ request: Request, context: SandboxContext) async throws -> Response {
        .sandboxJSON(try account.pay(id(context)))
    }

    @Sendable func sandboxOverdue(_ request: Request, context: SandboxContext) async throws -> Response {
        .sandboxJSON(try account.makeOverdue(id(context)))
    }

    private func payment(_ context: SandboxContext) throws -> AsaasPayment {
        guard let payment = account.payment(id(context)) else { throw AsaasError.notFound("Cobrança") }
        return payment
    }

    /// Asaas's list envelope, `offset` and `limit` (default 10, at most 100) from the query.
    private func page<Item: Encodable>(_ items: [Item], query: [(name: String, value: String)]) throws -> Response {
        let offsetText = FormURLEncoded.first("offset", in: query) ?? ""
        let limitText = FormURLEncoded.first("limit", in: query) ?? ""
        guard let offset = offsetText.isEmpty ? 0 : Int(offsetText), offset >= 0 else {
            throw AsaasError.invalid("invalid_offset", "O offset deve ser um número inteiro maior ou igual a zero.")
        }
        guard let limit = limitText.isEmpty ? 10 : Int(limitText), (1...100).contains(limit) else {
            throw AsaasError.invalid("invalid_limit", "O limit deve ser um número inteiro entre 1 e 100.")
        }
        let slice = Array(items.dropFirst(offset).prefix(limit))
        return .sandboxJSON(
            AsaasList(
                hasMore: offset + slice.count < items.count, totalCount: items.count, limit: limit, offset: offset,
                data: slice)
        )
    }
}

struct Deleted: Encodable {
    var deleted: Bool
    var id: String
}

/// `{"object":"list","hasMore":…,"totalCount":…,"limit":…,"offset":…,"data":[…]}`
struct AsaasList<Item: Encodable>: Encodable {
    var object = "list"
    var hasMore: Bool
    var totalCount: Int
    var limit: Int
    var offset: Int
    var data: [Item]
}
