import Testing

@testable import PonteCore

@Suite struct IntegrationHealthTests {
    private func classify(
        configured: Bool = true, test: Bool? = nil, rate: Double? = nil, latency: Double? = nil, open: Bool = false
    ) -> IntegrationHealth {
        IntegrationHealth.classify(
            .init(configured: configured, connectionTestPassed: test, successRate: rate, latencySeconds: latency, circuitOpen: open)
        )
    }

    @Test func thresholdsOfTheIntegrationService() {
        #expect(classify(rate: 0.95, latency: 0.2) == .healthy)
        #expect(classify(rate: 0.90, latency: 4.99) == .healthy)
        #expect(classify(rate: 0.89, latency: 0.2) == .degraded)
        #expect(classify(rate: 0.95, latency: 5.0) == .degraded)
        #expect(classify(rate: 0.50, latency: 9.9) == .degraded)
        #expect(classify(rate: 0.49, latency: 0.2) == .unhealthy)
        #expect(classify(rate: 1.0, latency: 10.5) == .unhealthy)
    }

    @Test func aFailedConnectionTestOrAnOpenCircuitIsUnhealthy() {
        #expect(classify(test: false, rate: 1.0, latency: 0.1) == .unhealthy)
        #expect(classify(rate: 1.0, latency: 0.1, open: true) == .unhealthy)
        #expect(classify(test: true, latency: 0.1) == .healthy)
    }

    @Test func withoutCredentialsOrEvidence() {
        #expect(classify(configured: false, test: true, rate: 1) == .notConfigured)
        #expect(classify() == .unknown)
    }
}
