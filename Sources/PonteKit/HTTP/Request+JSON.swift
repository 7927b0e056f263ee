import Foundation
import Hummingbird
import NIOCore
import PonteCore

extension Request {
    /// The body decoded as `T`, or `400 INVALID_JSON` saying what is wrong and, in `details`,
    /// at which field. A body over `limit` bytes is `413 PAYLOAD_TOO_LARGE`.
    public func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int = 256 * 1024, expected: String? = nil) async throws -> T {
        try APIJSON.decodeBody(T.self, from: try await self.body.collect(upTo: limit), expected: expected)
    }
}

extension APIJSON {
    /// A request body already collected, decoded as `T` (see `Request.decodeJSON`).
    public static func decodeBody<T: Decodable>(_ type: T.Type, from body: ByteBuffer, expected: String? = nil) throws -> T {
        let hint = expected.map { "; expected \($0)" } ?? ""
        guard body.readableBytes > 0 else {
            throw APIError.badRequest("INVALID_JSON", "the body is empty; it must be a JSON object\(hint)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
        } catch let error as DecodingError {
            let (message, field) = RequestBodyProblem.describe(error)
            throw APIError.badRequest(
                "INVALID_JSON", message + hint, details: field.map { .object(["field": .string($0)]) }
            )
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.badRequest("INVALID_JSON", "the body is not valid JSON\(hint)")
        }
    }
}

/// Says which field of a request body could not be read, and why.
enum RequestBodyProblem {
    static func describe(_ error: DecodingError) -> (message: String, field: String?) {
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return ("\(field) is required", field)
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            return ("\(field.isEmpty ? "the body" : field) must be \(describe(type))", field.isEmpty ? nil : field)
        case .valueNotFound(let type, let context):
            let field = path(context.codingPath)
            return ("\(field.isEmpty ? "the body" : field) must be \(describe(type)), not null", field.isEmpty ? nil : field)
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if field.isEmpty { return ("the body is not valid JSON", nil) }
            return ("\(field) is invalid: \(context.debugDescription)", field)
        @unknown default:
            return ("the body is not what this route expects", nil)
        }
    }

    /// `items[0].quantity`.
    static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                if !text.isEmpty { text += "." }
                text += key.stringValue
            }
        }
        return text
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: return "a whole number"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "an object"
        }
    }
}
