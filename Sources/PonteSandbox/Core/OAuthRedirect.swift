import Foundation
import HTTPTypes
import Hummingbird
import PonteProviders

/// The browser redirect an authorize page ends with.
enum OAuthRedirect {
    /// `302` to `redirectURI` with `parameters`, then `state` when the request had one, added to
    /// its query (after any it already has).
    static func to(_ redirectURI: String, _ parameters: [(String, String)], state: String?) -> Response {
        var pairs = parameters.map { (name: $0.0, value: $0.1) }
        if let state { pairs.append((name: "state", value: state)) }
        var base = redirectURI
        if let hash = base.firstIndex(of: "#") { base = String(base[..<hash]) }
        let separator = base.contains("?") ? (base.hasSuffix("?") || base.hasSuffix("&") ? "" : "&") : "?"
        var headers = HTTPFields()
        headers[.location] = base + separator + FormURLEncoded.encode(pairs)
        headers[.cacheControl] = "no-store"
        return Response(status: .found, headers: headers)
    }

    /// Whether `uri` can be redirected to: an absolute `http` or `https` URL with a host.
    static func isUsable(_ uri: String) -> Bool {
        guard let url = URL(string: uri), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme)
        else { return false }
        return !(url.host ?? "").isEmpty
    }
}
