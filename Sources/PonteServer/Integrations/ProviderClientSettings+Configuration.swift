import PonteProviders

extension ProviderClientSettings {
    /// The clients' settings from the hub's configuration: credentials, and base URLs where
    /// they are not the providers' production hosts.
    init(_ configuration: HubConfiguration) {
        let api = configuration.providerAPI
        self.init(
            stripeSecretKey: api.stripeSecretKey, asaasAPIKey: api.asaasAPIKey, ifoodClientID: api.ifoodClientID,
            ifoodClientSecret: configuration.secrets.ifood, twilioAccountSID: api.twilioAccountSID,
            twilioAuthToken: configuration.secrets.twilio
        )
        if let url = api.stripeBaseURL { stripe.baseURL = url }
        if let url = api.asaasBaseURL { asaas.baseURL = url }
        if let url = api.ifoodBaseURL { ifood.baseURL = url }
        if let url = api.twilioBaseURL { twilio.baseURL = url }
    }
}
