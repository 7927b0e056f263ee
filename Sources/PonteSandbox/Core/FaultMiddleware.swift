import Hummingbird
import Logging

/// Applies the provider's API faults to every request of its simulator: added latency,
/// 500s and 429s answered before the request is handled, and timeouts that handle the
/// request and then hold the answer.
struct FaultMiddleware: RouterMiddleware {
    typealias Context = SandboxContext

    let simulator: any ProviderSimulator
    let faults: FaultBook

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let provider = simulator.provider
        let latency = faults.settings(for: provider).latencyMilliseconds
        if latency > 0 { try await Task.sleep(for: .milliseconds(latency)) }
        let fault = faults.apiFault(for: provider)
        switch fault {
        case .none:
            return try await next(request, context)
        case .serverError, .rateLimited:
            context.logger.info("sandbox fault injected", metadata: ["provider": "\(provider)", "fault": "\(fault)"])
            return simulator.faultResponse(fault)
        case .timeout(let seconds):
            let response = try await next(request, context)
            context.logger.info(
                "sandbox fault injected: answer held back", metadata: ["provider": "\(provider)", "seconds": "\(seconds)"]
            )
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            return response
        }
    }
}
