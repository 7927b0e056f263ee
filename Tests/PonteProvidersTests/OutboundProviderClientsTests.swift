import PonteProviders
import Testing

@Suite struct OutboundProviderClientsTests {
    @Test func onlyConfiguredProvidersGetClientsWithProductionHostsByDefault() {
        let settings = ProviderClientSettings(stripeSecretKey: "sk_test_1", asaasAPIKey: "", ifoodClientID: "id")
        let clients = ProviderClients(settings: settings, logger: quietLogger)
        #expect(clients.stripe != nil)
        #expect(clients.asaas == nil)
        #expect(clients.ifood == nil)
        #expect(clients.twilio == nil)
        #expect(clients.transports["stripe"]?.endpoint.baseURL == "https://api.stripe.com")
        #expect(clients.health().map(\.provider) == ["stripe"])
        #expect(clients.health().first?.circuit == .closed(consecutiveFailures: 0))
        #expect(ProviderClientSettings().asaas.baseURL == "https://api.asaas.com")
        #expect(ProviderClientSettings().ifood.baseURL == "https://merchant-api.ifood.com.br")
        #expect(ProviderClientSettings().twilio.baseURL == "https://api.twilio.com")
        #expect(ProviderClientSettings().ifood.readTimeout == .seconds(15))
    }

    @Test func sandboxSettingsPutEveryProviderUnderItsPrefix() {
        let settings = ProviderClientSettings().pointed(atSandbox: "http://127.0.0.1:8090/")
        #expect(settings.stripe.baseURL == "http://127.0.0.1:8090/stripe")
        #expect(settings.asaas.baseURL == "http://127.0.0.1:8090/asaas")
        #expect(settings.ifood.baseURL == "http://127.0.0.1:8090/ifood")
        #expect(settings.twilio.baseURL == "http://127.0.0.1:8090/twilio")
    }
}
