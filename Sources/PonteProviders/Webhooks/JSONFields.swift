import Foundation

/// Reads the few JSON fields a verifier needs from a verified body.
enum JSONFields {
    /// The top-level string members `names` of the JSON object `body` (nil when absent or
    /// null); any failure is a `.payloadInvalid` naming what was wrong.
    static func strings(_ names: [String], in body: [UInt8]) throws(WebhookRejection) -> [String?] {
        do {
            return try JSONTopLevel.strings(names, in: body)
        } catch .notAString(let name) {
            throw .payloadInvalid("body field \"\(name)\" has an unexpected type")
        } catch .notAnObject {
            throw .payloadInvalid("body field \"(root)\" has an unexpected type")
        } catch {
            throw .payloadInvalid("body is not valid JSON")
        }
    }

    /// Decodes `body` as `T`; any failure is a `.payloadInvalid` naming what was wrong.
    static func decode<T: Decodable>(_ type: T.Type, from body: [UInt8]) throws(WebhookRejection) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch let DecodingError.typeMismatch(_, context) {
            throw .payloadInvalid("body field \(path(context.codingPath)) has an unexpected type")
        } catch let DecodingError.valueNotFound(_, context) {
            throw .payloadInvalid("body field \(path(context.codingPath)) is null")
        } catch let DecodingError.keyNotFound(key, context) {
            throw .payloadInvalid("body field \(path(context.codingPath + [key])) is missing")
        } catch {
            throw .payloadInvalid("body is not valid JSON")
        }
    }

    /// `value` if it is a non-empty string, else a `.payloadInvalid` naming `field`.
    static func required(_ value: String?, _ field: String) throws(WebhookRejection) -> String {
        guard let value, !value.isEmpty else {
            throw .payloadInvalid("body has no \"\(field)\" field")
        }
        return value
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        let joined = codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return "\"\(joined.isEmpty ? "(root)" : joined)\""
    }
}
