import PostgresNIO

/// PostgreSQL's errors as typed `StoreError`s, by SQLSTATE
/// (https://www.postgresql.org/docs/current/errcodes-appendix.html).
enum PostgresErrors {
    static func storeError(_ error: any Error) -> any Error {
        if error is StoreError || error is CancellationError { return error }
        if let transaction = error as? PostgresTransactionError {
            return storeError(transaction.closureError ?? transaction.beginError ?? transaction.commitError ?? transaction.rollbackError ?? error)
        }
        guard let error = error as? PSQLError else { return error }
        guard let info = error.serverInfo, let state = info[.sqlState] else {
            // No answer from the server: the connection failed, closed or the pool is shutting down.
            return StoreError(.unavailable, "PostgreSQL is unavailable: \(error.code)")
        }
        let message = info[.message] ?? "\(error.code)"
        let detail = info[.detail].map { " (\($0))" } ?? ""
        let text = "PostgreSQL error \(state): \(message)\(detail)"
        let constraint = info[.constraintName]
        switch state {
        case "23505": return StoreError(.uniqueViolation, text, constraint: constraint)
        case "23503": return StoreError(.foreignKeyViolation, text, constraint: constraint)
        case "23514": return StoreError(.checkViolation, text, constraint: constraint)
        case "23502": return StoreError(.notNullViolation, text, constraint: constraint ?? info[.columnName])
        case "40001": return StoreError(.serializationFailure, text)
        case "40P01": return StoreError(.deadlock, text)
        case "55P03": return StoreError(.lockTimeout, text)
        default:
            // Class 08 (connection), 53 (resources), 57P (shutdown, crash recovery), 58 (system).
            if state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57P") || state.hasPrefix("58") {
                return StoreError(.unavailable, text)
            }
            return StoreError(.other, text)
        }
    }
}
