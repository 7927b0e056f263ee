import Foundation
import SQLiteNIO

/// SQLite's result codes as typed `StoreError`s (https://sqlite.org/rescode.html).
enum SQLiteErrors {
    static func storeError(code: Int32, message: String, sql: String) -> StoreError {
        let text = "SQLite error \(code) (\(message)) in: \(sql.prefix(120))"
        switch code {
        case 2067, 1555, 2579:  // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY, _ROWID
            return StoreError(.uniqueViolation, text, constraint: constraint(in: message))
        case 787:  // SQLITE_CONSTRAINT_FOREIGNKEY
            return StoreError(.foreignKeyViolation, text, constraint: constraint(in: message))
        case 275:  // SQLITE_CONSTRAINT_CHECK
            return StoreError(.checkViolation, text, constraint: constraint(in: message))
        case 1299:  // SQLITE_CONSTRAINT_NOTNULL
            return StoreError(.notNullViolation, text, constraint: constraint(in: message))
        default:
            break
        }
        switch code & 0xFF {
        case 5, 6:  // SQLITE_BUSY, SQLITE_LOCKED: another connection held the lock past busy_timeout
            return StoreError(.lockTimeout, text)
        case 10, 13, 14, 8, 11, 26:  // IOERR, FULL, CANTOPEN, READONLY, CORRUPT, NOTADB
            return StoreError(.unavailable, text)
        default:
            return StoreError(.other, text)
        }
    }

    /// `UNIQUE constraint failed: jobs.unique_key` names `jobs.unique_key`.
    private static func constraint(in message: String) -> String? {
        guard let colon = message.range(of: "failed: ") else { return nil }
        let name = message[colon.upperBound...].trimmingCharacters(in: .whitespaces)
        return name.isEmpty ? nil : name
    }

    /// An error of the reader or checkpointer connection (sqlite-nio's), typed.
    static func storeError(_ error: any Error, sql: String) -> any Error {
        guard let error = error as? SQLiteError else { return error }
        let text = "SQLite error (\(error.message)) in: \(sql.prefix(120))"
        switch error.reason {
        case .busy, .locked, .busyTimeout, .busyInRecovery, .busyInSnapshot:
            return StoreError(.lockTimeout, text)
        case .ioError, .cantOpen, .full, .corrupt, .notADatabase, .readOnly:
            return StoreError(.unavailable, text)
        default:
            return StoreError(.other, text)
        }
    }
}
