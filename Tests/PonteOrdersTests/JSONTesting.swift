import Foundation

/// JSON helpers shared by the suites.
enum JSONTesting {
    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// The top-level object of `text`.
    static func object(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
    }

    /// Where a decoding error happened and what it says, the path written as the API
    /// writes it (`accepted_payment_methods[1]`); nil when decoding succeeded.
    static func decodingProblem<T: Decodable>(_ type: T.Type, _ text: String) -> (field: String, message: String)? {
        do {
            _ = try decode(type, text)
            return nil
        } catch DecodingError.dataCorrupted(let context) {
            return (path(context.codingPath), context.debugDescription)
        } catch {
            return ("", "\(error)")
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text
    }
}
