import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension Response {
    /// A JSON response in the given status; `body` is encoded with `encoder`.
    public static func sandboxJSON(
        _ body: some Encodable, status: HTTPResponse.Status = .ok, encoder: JSONEncoder = SandboxJSON.encoder,
        headers: HTTPFields = [:]
    ) -> Response {
        let data = (try? encoder.encode(body)) ?? Data("{}".utf8)
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A response with the given raw JSON bytes.
    public static func sandboxJSON(bytes: [UInt8], status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// The encoders and limits the simulators share.
public enum SandboxJSON {
    /// Keys sorted, slashes unescaped: stable output that diff tools and humans can read.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The largest request body a simulator reads.
    public static let maxBodyBytes = 1 << 20

    /// The request body's bytes (at most `maxBodyBytes`).
    public static func body(of request: Request) async throws -> [UInt8] {
        var request = request
        let buffer = try await request.collectBody(upTo: maxBodyBytes)
        return Array(buffer.readableBytesView)
    }
}
