import HTTPTypes
import PonteKit
import PonteProviders

/// Tests a provider API key by calling the provider with it: Stripe's `GET /v1/account`.
struct APIKeyCheck: Sendable {
    let providers: ProviderClients

    /// Why a key could not be shown to work: the provider refused it (401 to the caller), or
    /// could not be asked (502).
    struct Failure: Error {
        let message: String
        let unavailable: Bool

        var apiError: APIError {
            unavailable
                ? APIError(.badGateway, code: "PROVIDER_UNAVAILABLE", message: "\(message); nothing was stored, try again")
                : APIError(.unauthorized, code: "CONNECTION_TEST_FAILED", message: "\(message); nothing was stored")
        }
    }

    /// The account `key` belongs to.
    func test(_ provider: VenueProvider, key: String) async throws -> Connection.Account {
        switch provider {
        case .stripe:
            do {
                let account = try await providers.stripe(secretKey: key).retrieveAccount()
                return Connection.Account(id: account.id, name: account.email)
            } catch let error as ProviderCallError {
                switch error {
                case .unauthorized, .rejected:
                    throw Failure(message: "Stripe refused the key: \(error)", unavailable: false)
                default:
                    throw Failure(message: "Stripe could not be reached to test the key: \(error)", unavailable: true)
                }
            }
        case .square, .mailchimp, .quickbooks:
            throw APIError.badRequest("PROVIDER_NOT_SUPPORTED", "\(provider.rawValue) connects by OAuth: it has no API key to test")
        }
    }
}
