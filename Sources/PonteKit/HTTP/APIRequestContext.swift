import Hummingbird
import Logging

/// Per-request state: Hummingbird's core context (with its request id, `id`, which is in every
/// log line of the request and returned as `X-Request-Id`) plus, once authenticated, the caller.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var caller: Caller?
    /// The client's IP address, for audit records (nil when the transport has none).
    public let clientAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.caller = nil
        self.clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The authenticated caller (routes under `/api/v1` always have one).
    public func requireCaller() throws -> Caller {
        guard let caller else { throw APIError.unauthorized("this route needs a bearer token") }
        return caller
    }
}

/// Who is calling: the subject of their credential, their role and, for roles limited to one
/// tenant, which (e.g. `["store_id": "st_…"]` for a POS key, `["venue_id": "…"]` for a venue user).
public struct Caller: Sendable, Equatable {
    public var subject: String
    public var role: String
    public var scopes: [String: String]

    public init(subject: String, role: String, scopes: [String: String] = [:]) {
        self.subject = subject
        self.role = role
        self.scopes = scopes
    }

    public static let adminRole = "admin"
    /// The scope naming a venue user's venue.
    public static let venueScope = "venue_id"

    /// Admins see and change everything.
    public var isAdmin: Bool { role == Self.adminRole }
}

/// Who may call a route.
public enum APIAccess: Sendable, Equatable {
    /// Anyone: no credential is read (webhooks, health, the API document).
    case open
    /// Callers with role `admin`.
    case admin
    /// Any authenticated caller; the handler limits what each sees by `Caller.scopes`.
    case authenticated
}
