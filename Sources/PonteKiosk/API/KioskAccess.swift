import PonteKit

/// Who may use the kiosk's routes: admins; kiosk terminals (role `kiosk`: payment sessions);
/// and the service desks' operators (role `operator`: tickets and the queue). Tokens:
/// `ponte token create --role kiosk`.
enum KioskAccess {
    static let roles: Set<String> = [Caller.adminRole, "kiosk", "operator"]

    static func check(_ context: APIRequestContext) throws {
        let caller = try context.requireCaller()
        guard roles.contains(caller.role) else {
            throw APIError.forbidden("the kiosk API needs role admin, kiosk or operator; the credential has role '\(caller.role)'")
        }
    }
}
