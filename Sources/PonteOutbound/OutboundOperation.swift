import PonteCore
import PonteProviders

/// One kind of provider call that Ponte makes as a job (`stripe.refund.create`, ...).
///
/// The same `plan` checks the parameters when the operation is requested (a bad request is
/// refused with 400 before anything is queued) and builds the call when the job runs. The call
/// gets a key that stays the same on every attempt of the job: it is the idempotency key of
/// the provider request, so a retried job never charges, refunds or creates twice.
struct OutboundOperation: Sendable {
    /// The call to make, given the provider clients and the operation's stable key; returns
    /// what the provider made (ids, status), kept as the job's result.
    typealias Call = @Sendable (ProviderClients, _ key: String) async throws -> JSONValue

    /// Also the job kind.
    let name: String
    let provider: String
    let summary: String
    /// Parameter names and what they hold, for `GET /api/v1/operations`.
    let parameters: [String: String]
    let plan: @Sendable (OperationParameters) throws(OperationParameterError) -> Call
}

/// Raised by a call whose provider has no credentials in this hub.
struct ProviderNotConfigured: Error, CustomStringConvertible {
    let provider: String
    var description: String {
        "\(provider) is not configured in this hub (set its credentials, or run `ponte serve --sandbox`)"
    }
}

extension ProviderClients {
    func stripeClient() throws -> StripeClient {
        guard let stripe else { throw ProviderNotConfigured(provider: "stripe") }
        return stripe
    }

    func asaasClient() throws -> AsaasClient {
        guard let asaas else { throw ProviderNotConfigured(provider: "asaas") }
        return asaas
    }

    func ifoodClient() throws -> IFoodClient {
        guard let ifood else { throw ProviderNotConfigured(provider: "ifood") }
        return ifood
    }

    func twilioClient() throws -> TwilioClient {
        guard let twilio else { throw ProviderNotConfigured(provider: "twilio") }
        return twilio
    }
}
