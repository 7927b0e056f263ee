import Foundation
import HTTPTypes
import Hummingbird
import PonteProviders

extension Request {
    /// The sandbox's own base URL as the caller reached it: `http://<Host>`, or `https://` when a
    /// proxy says so in `X-Forwarded-Proto` (HTTP/1 requests carry `Host` as the authority).
    /// Simulators put it in the URLs they hand out.
    var sandboxBaseURL: String {
        let host = head.authority ?? "127.0.0.1"
        let proto = headers.first { $0.name.canonicalName == "x-forwarded-proto" }?.value.lowercased()
        return "\(proto == "https" ? "https" : "http")://\(host)"
    }

    /// The query string's parameters, decoded (`+` is a space).
    var queryPairs: [(name: String, value: String)] {
        FormURLEncoded.queryParameters(ofURL: uri.description)
    }

    /// The credential after `scheme` in the `Authorization` header (the scheme matched without
    /// regard to case), or nil.
    func authorizationCredential(scheme: String) -> String? {
        guard let header = headers[.authorization], header.count > scheme.count,
            header.prefix(scheme.count + 1).lowercased() == scheme.lowercased() + " "
        else { return nil }
        let credential = header.dropFirst(scheme.count + 1).trimmingCharacters(in: .whitespaces)
        return credential.isEmpty ? nil : credential
    }

    /// The user and password of a `Basic` `Authorization` header.
    var basicCredentials: (user: String, password: String)? {
        guard let encoded = authorizationCredential(scheme: "Basic"), let data = Data(base64Encoded: encoded),
            let decoded = String(data: data, encoding: .utf8), let colon = decoded.firstIndex(of: ":")
        else { return nil }
        return (String(decoded[..<colon]), String(decoded[decoded.index(after: colon)...]))
    }
}
