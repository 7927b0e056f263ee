import PonteKit
import PonteStore

/// Venue integrations (seed 004): venues — concert halls, theatres, restaurants — as tenants,
/// their users by role, their connections to their own provider accounts with the
/// credentials kept encrypted in the vault, and the audit log of every integration action.
///
/// Roles: `admin` (everything), `venue_admin` (their venue: connect, disconnect, configure),
/// `user` (their venue: read). Tokens: `ponte token create --role venue_admin --venue <id>`.
public struct VenuesModule: HubModule {
    public let name = "venues"

    public init() {}

    public var migrations: [Migration] { VenuesSchema.migrations }

    public func install(into module: inout ModuleInstallation, context: ModuleContext) throws {
        let audit = VenueAudit(context: context)
        let notices = VenueNotices(context: context)
        let oauth = OAuthFlow(context: context, audit: audit, notices: notices)
        module.queue(OAuthFlow.queue)
        module.job(OAuthFlow.refreshJob) { reference, job in try await oauth.runRefreshJob(reference, job: job) }
        module.job(VenueNotices.job) { notice, job in try await notices.send(notice, job: job) }
        VenueSchemas.add(to: &module.routes)
        VenuesAPI(context: context, audit: audit, notices: notices).addRoutes(to: &module.routes)
        IntegrationsAPI(context: context, audit: audit, keys: APIKeyCheck(providers: context.providers), oauth: oauth)
            .addRoutes(to: &module.routes)
        OAuthAPI(context: context, flow: oauth).addRoutes(to: &module.routes)
    }
}
