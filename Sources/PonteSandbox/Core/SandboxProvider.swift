/// A provider the sandbox simulates; its raw value is the URL prefix it is served under
/// (`/stripe/v1/...`) and the `{provider}` of the hub's `/webhooks/{provider}`.
public enum SandboxProvider: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    case stripe
    case asaas
    case ifood
    case twilio
    case square
    case mailchimp
    case quickbooks

    public var description: String { rawValue }
}
