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
        func configured(_ value: String?) -> String? { value.flatMap { $0.isEmpty ? nil : $0 } }
        if let id = configured(api.squareAppID), let secret = configured(api.squareAppSecret) {
            oauthApps[.square] = api.squareBaseURL.map { .square(clientID: id, clientSecret: secret, base: $0) } ?? .square(clientID: id, clientSecret: secret)
        }
        if let id = configured(api.mailchimpClientID), let secret = configured(api.mailchimpClientSecret) {
            oauthApps[.mailchimp] = api.mailchimpBaseURL.map { .mailchimp(clientID: id, clientSecret: secret, base: $0) }
                ?? .mailchimp(clientID: id, clientSecret: secret)
        }
        if let id = configured(api.quickbooksClientID), let secret = configured(api.quickbooksClientSecret) {
            oauthApps[.quickbooks] = .quickbooks(clientID: id, clientSecret: secret, base: api.quickbooksBaseURL)
        }
    }
}
