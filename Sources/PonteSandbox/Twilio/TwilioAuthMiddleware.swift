import Foundation
import Hummingbird
import PonteProviders

/// Twilio's HTTP Basic auth: `AccountSid:AuthToken`, and the `{AccountSid}` of the path must
/// be that account.
///
/// Missing or wrong credentials get 401 with code 20003; another account's path gets 404
/// with code 20404, as a resource the caller cannot see.
struct TwilioAuthMiddleware: RouterMiddleware {
    typealias Context = SandboxContext

    let accountSID: String
    let authToken: String

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let (user, password) = Self.basicCredentials(request.headers[.authorization]),
            ConstantTime.secretsEqual(user, accountSID), ConstantTime.secretsEqual(password, authToken)
        else { throw TwilioAPIError.authenticate }
        guard context.parameters.get("AccountSid") == accountSID else {
            throw TwilioAPIError.notFound(path: TwilioSimulator.apiPath(of: request))
        }
        return try await next(request, context)
    }

    /// The user and password of a `Basic` Authorization header.
    static func basicCredentials(_ header: String?) -> (String, String)? {
        guard let header, header.count > 6, header.prefix(6).lowercased() == "basic " else { return nil }
        let encoded = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard let data = Data(base64Encoded: encoded), let decoded = String(data: data, encoding: .utf8),
            let colon = decoded.firstIndex(of: ":")
        else { return nil }
        return (String(decoded[..<colon]), String(decoded[decoded.index(after: colon)...]))
    }
}
