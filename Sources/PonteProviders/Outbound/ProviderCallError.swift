import Foundation

/// Why a call to a provider failed, in the terms a job handler needs: retry later (and
/// when), or fail for good.
///
/// Messages never hold credentials: they are built from the status, the provider's own
/// error code and message (with any configured secret masked), never from headers.
public enum ProviderCallError: Error, Sendable, Equatable {
    /// 429 (or the provider's equivalent): try again after `retryAfter`, when it said.
    case rateLimited(retryAfter: Duration?)
    /// No connection could be opened: the request certainly did not reach the provider.
    case connectionFailed(detail: String)
    /// A 5xx (`status`), or the connection broke after the request was sent (`status` nil,
    /// so the outcome is unknown).
    case unavailable(status: Int?, detail: String)
    /// No answer in time. The request may or may not have taken effect.
    case timedOut(detail: String)
    /// A 4xx the provider means: repeating the same request gives the same answer.
    case rejected(status: Int, error: ProviderErrorBody)
    /// 401: the credential is missing, wrong or expired.
    case unauthorized(status: Int, message: String)
    /// The provider's circuit is open after repeated failures; nothing was sent.
    case circuitOpen(retryAt: Date)
    /// The provider answered 2xx with a body Ponte cannot read.
    case invalidResponse(detail: String)

    /// Whether trying again later may succeed (schedule a retry) rather than never (fail the job).
    public var isRetryable: Bool {
        switch self {
        case .rateLimited, .connectionFailed, .unavailable, .timedOut, .circuitOpen: true
        case .rejected, .unauthorized, .invalidResponse: false
        }
    }

    /// Whether the request may have taken effect although the call failed; a job retrying
    /// a call that is not idempotent must check before repeating it.
    public var outcomeUnknown: Bool {
        switch self {
        case .timedOut: true
        case .unavailable(let status, _): status == nil
        default: false
        }
    }

    /// The wait the provider asked for (429 `Retry-After`) or the circuit imposes.
    public func retryDelay(now: Date) -> Duration? {
        switch self {
        case .rateLimited(let retryAfter): return retryAfter
        case .circuitOpen(let retryAt):
            let seconds = max(0, retryAt.timeIntervalSince(now))
            return .milliseconds(Int64((seconds * 1000).rounded(.up)))
        default: return nil
        }
    }

    /// The wait the provider asked for with `Retry-After`.
    public var retryAfter: Duration? {
        if case .rateLimited(let retryAfter) = self { return retryAfter }
        return nil
    }
}

/// A provider's error body, read into the fields every provider has in some form.
public struct ProviderErrorBody: Sendable, Equatable {
    /// The provider's error code (Stripe `code`, Asaas `errors[0].code`, Twilio `code`).
    public var code: String?
    /// The provider's human-readable message (all of Asaas's `errors`, joined).
    public var message: String
    /// Stripe's `type` (`card_error`, `invalid_request_error`, `idempotency_error`, `api_error`).
    public var type: String?
    /// Stripe's `decline_code` on card errors.
    public var declineCode: String?
    /// Stripe's `param`: the offending parameter.
    public var param: String?

    public init(code: String? = nil, message: String, type: String? = nil, declineCode: String? = nil, param: String? = nil) {
        self.code = code
        self.message = message
        self.type = type
        self.declineCode = declineCode
        self.param = param
    }
}

extension ProviderCallError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .rateLimited(let retryAfter):
            return "rate limited" + (retryAfter.map { ", retry after \($0)" } ?? "")
        case .connectionFailed(let detail): return "connection failed: \(detail)"
        case .unavailable(let status, let detail):
            return "unavailable" + (status.map { " (HTTP \($0))" } ?? " (connection lost)") + ": \(detail)"
        case .timedOut(let detail): return "timed out: \(detail)"
        case .rejected(let status, let error):
            let kinds = [error.type, error.code, error.declineCode].compactMap { $0 }
            return "rejected (HTTP \(status))" + (kinds.isEmpty ? "" : " " + kinds.joined(separator: "/")) + ": \(error.message)"
        case .unauthorized(let status, let message): return "unauthorized (HTTP \(status)): \(message)"
        case .circuitOpen(let retryAt): return "circuit open until \(retryAt)"
        case .invalidResponse(let detail): return "invalid response: \(detail)"
        }
    }
}
