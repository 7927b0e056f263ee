/// A storage failure, typed by what callers can do about it: a violated constraint is the
/// caller's mistake (an API answers it with a 4xx), a serialization failure, deadlock or lock
/// timeout is worth retrying at once, an unavailable database is an outage.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is. New kinds may be added.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case uniqueViolation = "unique_violation"
            case foreignKeyViolation = "foreign_key_violation"
            case checkViolation = "check_violation"
            case notNullViolation = "not_null_violation"
            case serializationFailure = "serialization_failure"
            case deadlock
            case lockTimeout = "lock_timeout"
            case unavailable
            case other
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A row with the same value of a unique key or primary key exists.
        public static let uniqueViolation = Kind(.uniqueViolation)
        /// A reference to a row that does not exist, or a delete of a referenced row.
        public static let foreignKeyViolation = Kind(.foreignKeyViolation)
        /// A value outside what a `CHECK` constraint allows.
        public static let checkViolation = Kind(.checkViolation)
        /// A missing value in a `NOT NULL` column.
        public static let notNullViolation = Kind(.notNullViolation)
        /// The transaction could not be serialised with a concurrent one (retry it).
        public static let serializationFailure = Kind(.serializationFailure)
        /// The transaction was chosen as a deadlock's victim (retry it).
        public static let deadlock = Kind(.deadlock)
        /// A lock was not granted in time (retry it).
        public static let lockTimeout = Kind(.lockTimeout)
        /// The database cannot be reached, is closing, or failed to write.
        public static let unavailable = Kind(.unavailable)
        /// Anything else: a bug, or data that is not what the code expects.
        public static let other = Kind(.other)

        public var description: String { base.rawValue }
    }

    public let kind: Kind
    public let message: String
    /// The constraint (or, on SQLite, the columns) the database named, when it named one.
    public let constraint: String?

    public init(_ kind: Kind, _ message: String, constraint: String? = nil) {
        self.kind = kind
        self.message = message
        self.constraint = constraint
    }

    /// A failure of kind `other`.
    public init(_ message: String) {
        self.init(.other, message)
    }

    /// True for the kinds a transaction may simply be run again for.
    public var isRetryable: Bool {
        kind == .serializationFailure || kind == .deadlock || kind == .lockTimeout
    }

    /// True for violated constraints: the data asked for cannot be stored as it is.
    public var isConstraintViolation: Bool {
        kind == .uniqueViolation || kind == .foreignKeyViolation || kind == .checkViolation || kind == .notNullViolation
    }

    public var description: String { message }
}
