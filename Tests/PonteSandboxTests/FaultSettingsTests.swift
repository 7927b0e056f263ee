import Foundation
import Testing

@testable import PonteSandbox

@Suite struct FaultSettingsTests {
    @Test func missingFieldsKeepTheirDefaults() throws {
        let settings = try JSONDecoder().decode(FaultSettings.self, from: Data(#"{"error_rate": 0.3}"#.utf8))
        #expect(settings.errorRate == 0.3)
        #expect(settings.retryAfterSeconds == 1)
        #expect(settings.problems().isEmpty)
    }

    @Test func ratesOutsideZeroToOneAreRefused() {
        var settings = FaultSettings()
        settings.errorRate = 0.7
        settings.timeoutRate = 0.5
        settings.webhookDropRate = -0.1
        let problems = settings.problems()
        #expect(problems.contains { $0.contains("webhook_drop_rate") })
        #expect(problems.contains { $0.contains("must not exceed 1") })
    }

    @Test func seededDiceAreReproducibleAndHonourTheRates() {
        var settings = FaultSettings()
        settings.errorRate = 0.1
        settings.rateLimitRate = 0.1
        settings.timeoutRate = 0.1
        func roll() -> [APIFault] {
            let book = FaultBook(seed: 42)
            book.set(settings, for: .stripe)
            return (0..<3_000).map { _ in book.apiFault(for: .stripe) }
        }
        let first = roll()
        #expect(first == roll())
        let faulty = first.filter { $0 != .none }.count
        #expect((700...1_100).contains(faulty), "about 30% of 3,000 requests should fail, got \(faulty)")
        #expect(FaultBook(seed: 1).apiFault(for: .asaas) == .none)
    }
}
