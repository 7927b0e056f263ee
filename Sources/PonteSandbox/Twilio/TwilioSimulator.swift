import Foundation
import Hummingbird
import PonteProviders

/// Twilio's Programmable Messaging API (2010-04-01), served under `/twilio`:
///
/// - `POST /twilio/2010-04-01/Accounts/{AccountSid}/Messages.json` — send (form fields)
/// - `GET  /twilio/2010-04-01/Accounts/{AccountSid}/Messages.json` — list, filters `To`, `From`
/// - `GET  /twilio/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json` — fetch
///
/// and the control route `POST /_sandbox/twilio/inbound`, which plays a customer writing in.
///
/// A sent message moves `queued → sent → delivered` (`accepted` first with a Messaging
/// Service), one step every `stepInterval` of sandbox time; each change after the first
/// is POSTed, signed with `X-Twilio-Signature`, to the message's `StatusCallback`. Steps
/// happen in real time, and all at once when the sandbox clock is advanced past them.
/// Twilio's magic test numbers are refused as Twilio documents; `TwilioTestNumbers` lists
/// them and the two numbers whose delivery fails later.
public struct TwilioSimulator: ProviderSimulator {
    public let provider = SandboxProvider.twilio
    let environment: SandboxEnvironment
    let book: TwilioMessageBook
    /// Sandbox time between two status changes.
    let stepInterval: Duration
    /// Whether status changes also happen as real time passes, or only when the clock is advanced.
    let followsRealTime: Bool

    /// - Parameters:
    ///   - stepInterval: sandbox time between two status changes (200 ms by default).
    ///   - followsRealTime: false makes status changes happen only when the sandbox clock
    ///     is advanced, which tests use to see each status for as long as they like.
    public init(
        environment: SandboxEnvironment, stepInterval: Duration = .milliseconds(200), followsRealTime: Bool = true
    ) {
        self.environment = environment
        self.book = TwilioMessageBook()
        self.stepInterval = stepInterval
        self.followsRealTime = followsRealTime
        let settle = Self.settler(book: book, webhooks: environment.webhooks)
        environment.clock.onAdvance { now in settle(now) }
    }

    public func addRoutes(to group: RouterGroup<SandboxContext>) {
        let account = group.group("2010-04-01/Accounts/{AccountSid}")
            .add(
                middleware: TwilioAuthMiddleware(
                    accountSID: environment.credentials.twilioAccountSID, authToken: environment.credentials.twilioAuthToken
                )
            )
        account.post("Messages.json", use: createMessage)
        account.get("Messages.json", use: listMessages)
        account.get("Messages/{MessageSid}.json", use: fetchMessage)
    }

    public func addControlRoutes(to group: RouterGroup<SandboxContext>) {
        group.post("inbound", use: receiveInbound)
    }

    public func faultResponse(_ fault: APIFault) -> Response {
        switch fault {
        case .rateLimited(let seconds): TwilioAPIError.tooManyRequests(retryAfterSeconds: seconds).response()
        default: TwilioAPIError.internalError.response()
        }
    }

    // MARK: Status changes

    /// Applies the status changes due now and sends their status callbacks.
    func settle() {
        Self.settler(book: book, webhooks: environment.webhooks)(environment.clock.now())
    }

    /// Applies the changes due by a given time and queues a status callback for each change
    /// of a message that has a `StatusCallback`.
    static func settler(book: TwilioMessageBook, webhooks: WebhookOutbox) -> @Sendable (Date) -> Void {
        { now in
            book.settle(now: now) { message in
                if let callback = statusCallback(for: message) { webhooks.send(callback) }
            }
        }
    }

    /// The status callback of `message` in its current status: a form POST to its
    /// `StatusCallback` URL; nil without one.
    static func statusCallback(for message: TwilioMessage) -> SandboxWebhook? {
        guard let url = message.statusCallback else { return nil }
        var fields: [(name: String, value: String)] = [
            ("SmsSid", message.sid),
            ("SmsStatus", message.status),
            ("MessageStatus", message.status),
            ("To", message.to),
            ("MessageSid", message.sid),
            ("AccountSid", message.accountSID),
            ("From", message.from ?? ""),
            ("ApiVersion", TwilioMessage.apiVersion),
        ]
        if let service = message.messagingServiceSID { fields.append(("MessagingServiceSid", service)) }
        if let code = message.errorCode { fields.append(("ErrorCode", String(code))) }
        return SandboxWebhook(
            provider: .twilio, eventID: "\(message.sid):\(message.status)", eventType: "message.\(message.status)",
            body: .form(fields), url: url
        )
    }

    /// Settles `count` steps in real time, one every `stepInterval`, on the sandbox's timers.
    /// Settling is idempotent: a step the clock already applied is simply not found.
    func followInRealTime(steps count: Int) {
        guard followsRealTime, count > 0 else { return }
        let settle = Self.settler(book: book, webhooks: environment.webhooks)
        let clock = environment.clock
        for step in 1...count {
            environment.timers.after(stepInterval * step) { settle(clock.now()) }
        }
    }

    // MARK: Helpers

    /// The request's path as Twilio would name it, without the sandbox's `/twilio` prefix.
    static func apiPath(of request: Request) -> String {
        let path = request.uri.path
        let prefix = "/\(SandboxProvider.twilio.rawValue)"
        return path.hasPrefix(prefix + "/") ? String(path.dropFirst(prefix.count)) : path
    }
}
