import Foundation

/// Which database Ponte uses: an embedded SQLite file, or a PostgreSQL server.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresURL)

    /// `postgres://` and `postgresql://` values select PostgreSQL; anything else is a SQLite path.
    public init(parsing value: String) throws(DatabaseLocationError) {
        let lowered = value.lowercased()
        if lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") {
            self = .postgres(try PostgresURL(parsing: value))
        } else {
            guard !value.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw DatabaseLocationError(message: "the database path is empty")
            }
            self = .sqlite(path: value)
        }
    }

    /// The location with any password replaced, safe to print and log.
    public var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let url): return url.redacted
        }
    }
}

/// A database location that cannot be used, with the reason.
public struct DatabaseLocationError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// The parts of a `postgres://user:password@host:port/database?sslmode=…` URL.
public struct PostgresURL: Sendable, Equatable {
    public enum TLSMode: String, Sendable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public init(parsing value: String) throws(DatabaseLocationError) {
        guard let components = URLComponents(string: value), let host = components.host, !host.isEmpty else {
            throw DatabaseLocationError(message: "cannot read the PostgreSQL URL; expected postgres://user[:password]@host[:port]/database")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = components.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        self.password = components.password.flatMap { $0.removingPercentEncoding }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.database = path.isEmpty ? self.username : path
        let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer"
        switch mode {
        case "disable", "allow": self.tls = .disable
        case "prefer": self.tls = .prefer
        case "require", "verify-ca", "verify-full": self.tls = .require
        default:
            throw DatabaseLocationError(message: "unknown sslmode '\(mode)'; use disable, prefer or require")
        }
    }

    /// The URL without its password.
    public var redacted: String {
        let credentials = password == nil ? username : "\(username):***"
        return "postgres://\(credentials)@\(host):\(port)/\(database)"
    }
}
