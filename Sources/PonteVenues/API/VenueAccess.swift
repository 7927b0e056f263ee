import HTTPTypes
import PonteKit
import PonteStore

/// Who may do what with a venue's data. Admins: everything. A venue user's bearer token
/// names their venue (`venue_id` claim): role `venue_admin` may connect, disconnect and
/// configure that venue's integrations, role `user` may read them. Anyone else — another
/// venue's user, any other role — gets the same `403 VENUE_FORBIDDEN` whether or not the
/// venue exists, and so learns nothing of it.
enum VenueAccess {
    static let venueAdminRole = "venue_admin"
    static let userRole = "user"

    enum Need {
        case read, manage
    }

    /// The venue `venueID` if the caller may `need` it.
    static func venue(_ venueID: String?, for need: Need, _ context: APIRequestContext, on database: any StoreDatabase) async throws -> Venue {
        let caller = try context.requireCaller()
        guard let venueID, !venueID.isEmpty else {
            throw APIError.badRequest("VENUE_ID_REQUIRED", "venue_id is required: the venue whose integrations these are")
        }
        if caller.isAdmin {
            guard let venue = try await VenuesStorage.venue(venueID, on: database) else {
                throw APIError.notFound("VENUE_NOT_FOUND", "no venue \(venueID); create it with POST /api/v1/venues")
            }
            return venue
        }
        let roles: Set<String> = need == .manage ? [venueAdminRole] : [venueAdminRole, userRole]
        guard roles.contains(caller.role), caller.scopes[Caller.venueScope] == venueID,
            let venue = try await VenuesStorage.venue(venueID, on: database)
        else {
            if caller.role == userRole, need == .manage, caller.scopes[Caller.venueScope] == venueID {
                throw APIError(.forbidden, code: "VENUE_FORBIDDEN", message: "role user may read this venue's integrations; changing them needs role venue_admin")
            }
            throw forbidden
        }
        return venue
    }

    static let forbidden = APIError(.forbidden, code: "VENUE_FORBIDDEN", message: "this credential does not own that venue")
}
