import PonteJobs
import PonteKit

/// Calls to providers as durable jobs: Stripe, Asaas, iFood and Twilio operations, each a job
/// kind on the `providers` queue, requested through `POST /api/v1/outbound`.
public struct OutboundModule: HubModule {
    public let name = "outbound"

    public init() {}

    public func install(into module: inout ModuleInstallation, context: ModuleContext) throws {
        module.queue(OutboundJobs.queue)
        for operation in OutboundOperations.all {
            module.job(OutboundJobs.kind(of: operation)) { payload, job in
                try await OutboundJobs.run(operation, payload: payload, job: job, clients: context.providers)
            }
        }
        OutboundController(queue: context.jobs).addRoutes(to: &module.routes)
    }
}
