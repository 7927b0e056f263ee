import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension Response {
    /// A response whose body is the given JSON text.
    public static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }

    /// A response whose body is `value` encoded as JSON (keys sorted, slashes unescaped).
    public static func json(encoding value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: try APIJSON.encode(value)))
        )
    }
}

/// How the API writes and reads JSON.
public enum APIJSON {
    /// `value` as JSON bytes: keys sorted, slashes unescaped. Field names are the coding keys
    /// as written: every API type spells them in snake_case.
    public static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    public static func string(_ value: some Encodable) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }
}
