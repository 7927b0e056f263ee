import Foundation
import Testing

@testable import PonteOrders

/// `OrderConfig`: the seed's defaults, snake_case JSON, and validation naming the field.
@Suite struct OrderConfigTests {
    /// Seed 003 §5.2's example, in snake_case and centavos.
    static let example = """
        {
          "requires_confirmation": true,
          "auto_confirmation_timeout": 15,
          "refund_unconfirmed_orders": true,
          "refund_timeout": 30,
          "notify_customer_on_status_change": true,
          "notification_templates": {
            "PENDING": "Seu pedido #{order_id} foi recebido e está aguardando confirmação do restaurante.",
            "REFUNDED": "Seu pedido #{order_id} foi cancelado e o valor de {total} foi reembolsado."
          },
          "accepted_payment_methods": ["PIX", "CREDIT", "DEBIT", "CASH"],
          "minimum_order_value": 2000,
          "operating_hours_check": true,
          "updated_at": "2025-05-24T15:30:45Z"
        }
        """

    @Test func defaultsAreTheSeeds() {
        let config = OrderConfig.defaults
        #expect(config.requiresConfirmation == false)
        #expect(config.autoConfirmationTimeout == 0)
        #expect(config.refundUnconfirmedOrders == true)
        #expect(config.refundTimeout == 60)
        #expect(config.notifyCustomerOnStatusChange == true)
        #expect(config.notificationTemplates.isEmpty)
        #expect(config.acceptedPaymentMethods == [.pix, .credit, .debit, .cash])
        #expect(config.minimumOrderValue == 0)
        #expect(config.operatingHoursCheck == false)
        #expect(config.updatedAt == nil)
        #expect(config.validationProblem() == nil)
        #expect(config.accepts(.cash))
    }

    @Test func anEmptyDocumentIsTheDefaultsAndMissingFieldsTakeTheirs() throws {
        #expect(try JSONTesting.decode(OrderConfig.self, "{}") == .defaults)
        let partial = try JSONTesting.decode(OrderConfig.self, #"{"refund_timeout": 45, "minimum_order_value": null}"#)
        #expect(partial == OrderConfig(refundTimeout: 45))
    }

    @Test func theSeedsExampleDecodes() throws {
        let config = try JSONTesting.decode(OrderConfig.self, Self.example)
        #expect(config.requiresConfirmation)
        #expect(config.autoConfirmationTimeout == 15)
        #expect(config.refundTimeout == 30)
        #expect(config.minimumOrderValue == 2000)
        #expect(config.operatingHoursCheck)
        #expect(config.notificationTemplates.keys.sorted { $0.rawValue < $1.rawValue } == [.pending, .refunded])
        #expect(config.notificationTemplates[.refunded]?.contains("{total}") == true)
        #expect(config.updatedAt == Date(timeIntervalSince1970: 1_748_100_645))
        #expect(config.validationProblem() == nil)
    }

    @Test func encodesEveryFieldInSnakeCaseAndRoundTrips() throws {
        let config = try JSONTesting.decode(OrderConfig.self, Self.example)
        let json = try JSONTesting.encode(config)
        let object = try JSONTesting.object(json)
        #expect(
            Set(object.keys) == [
                "requires_confirmation", "auto_confirmation_timeout", "refund_unconfirmed_orders", "refund_timeout",
                "notify_customer_on_status_change", "notification_templates", "accepted_payment_methods",
                "minimum_order_value", "operating_hours_check", "updated_at",
            ])
        #expect(object["updated_at"] as? String == "2025-05-24T15:30:45.000Z")
        #expect(object["accepted_payment_methods"] as? [String] == ["PIX", "CREDIT", "DEBIT", "CASH"])
        #expect((object["notification_templates"] as? [String: String])?["PENDING"]?.hasPrefix("Seu pedido") == true)
        #expect(try JSONTesting.decode(OrderConfig.self, json) == config)

        let defaults = try JSONTesting.object(JSONTesting.encode(OrderConfig.defaults))
        #expect(defaults["updated_at"] == nil)
        #expect(defaults["notification_templates"] as? [String: String] == [:])
        #expect(try JSONTesting.decode(OrderConfig.self, JSONTesting.encode(OrderConfig.defaults)) == .defaults)
    }

    @Test func timestampsWithFractionsOrOffsetsAreRead() throws {
        let fraction = try JSONTesting.decode(OrderConfig.self, #"{"updated_at": "2025-05-24T15:30:45.250Z"}"#)
        #expect(fraction.updatedAt == Date(timeIntervalSince1970: 1_748_100_645.25))
        let offset = try JSONTesting.decode(OrderConfig.self, #"{"updated_at": "2025-05-24T12:30:45-03:00"}"#)
        #expect(offset.updatedAt == Date(timeIntervalSince1970: 1_748_100_645))
    }

    // MARK: Refused when decoding

    @Test func anUnknownPaymentMethodIsRefusedAtItsIndex() throws {
        let problem = try #require(
            JSONTesting.decodingProblem(OrderConfig.self, #"{"accepted_payment_methods": ["PIX", "BOLETO"]}"#))
        #expect(problem.field == "accepted_payment_methods[1]")
        #expect(problem.message.contains("BOLETO is not a payment method"))
    }

    @Test func aTemplateForAnUnknownStatusIsRefusedAtItsKey() throws {
        let problem = try #require(
            JSONTesting.decodingProblem(OrderConfig.self, #"{"notification_templates": {"CONFIRMED": "ok", "SHIPPED": "x"}}"#))
        #expect(problem.field == "notification_templates.SHIPPED")
        #expect(problem.message.contains("SHIPPED is not an order status"))
    }

    @Test func theSeedsCamelCaseIsRefusedWithTheFieldItMeans() throws {
        let problem = try #require(
            JSONTesting.decodingProblem(OrderConfig.self, #"{"requiresConfirmation": true}"#))
        #expect(problem.field == "requiresConfirmation")
        #expect(problem.message.contains("did you mean requires_confirmation?"))
        let other = try #require(JSONTesting.decodingProblem(OrderConfig.self, #"{"store_id": "s1"}"#))
        #expect(other.field == "store_id")
        #expect(!other.message.contains("did you mean"))
    }

    @Test func aTimestampThatIsNotRFC3339IsRefused() throws {
        let problem = try #require(JSONTesting.decodingProblem(OrderConfig.self, #"{"updated_at": "24/05/2025"}"#))
        #expect(problem.field == "updated_at")
    }

    // MARK: Validation

    static let invalid: [(OrderConfig, String, String)] = [
        (OrderConfig(autoConfirmationTimeout: -1), "auto_confirmation_timeout", "must not be negative"),
        (OrderConfig(autoConfirmationTimeout: 1441), "auto_confirmation_timeout", "at most 1440"),
        (OrderConfig(refundTimeout: -5), "refund_timeout", "must not be negative"),
        (OrderConfig(refundTimeout: 1441), "refund_timeout", "at most 1440"),
        (OrderConfig(refundUnconfirmedOrders: true, refundTimeout: 0), "refund_timeout", "more than 0 minutes"),
        (OrderConfig(notificationTemplates: [.confirmed: " \n"]), "notification_templates.CONFIRMED", "must not be empty"),
        (OrderConfig(notificationTemplates: [.refunded: ""]), "notification_templates.REFUNDED", "must not be empty"),
        (OrderConfig(acceptedPaymentMethods: []), "accepted_payment_methods", "at least one"),
        (OrderConfig(acceptedPaymentMethods: [.pix, .cash, .pix]), "accepted_payment_methods[2]", "PIX a second time"),
        (OrderConfig(minimumOrderValue: -1), "minimum_order_value", "must not be negative"),
    ]

    @Test(arguments: 0..<invalid.count)
    func eachInvalidValueIsNamed(index: Int) throws {
        let (config, field, reason) = Self.invalid[index]
        let problem = try #require(config.validationProblem())
        #expect(problem.field == field)
        #expect(problem.reason.contains(reason), "\(problem)")
        #expect(problem.description.hasPrefix(field + " "))
        #expect(OrderConfigProblem.code == "INVALID_ORDER_CONFIG")
    }

    @Test func theLimitsThemselvesAreValid() {
        #expect(OrderConfig(autoConfirmationTimeout: 1440, refundTimeout: 1440).validationProblem() == nil)
        #expect(OrderConfig(refundUnconfirmedOrders: false, refundTimeout: 0).validationProblem() == nil)
        #expect(OrderConfig(acceptedPaymentMethods: [.cash]).validationProblem() == nil)
        #expect(OrderConfig(notificationTemplates: [.ready: "Pronto!"]).validationProblem() == nil)
    }

    @Test func theFirstProblemInFieldOrderIsReported() {
        let config = OrderConfig(autoConfirmationTimeout: -1, refundTimeout: -1, acceptedPaymentMethods: [], minimumOrderValue: -1)
        #expect(config.validationProblem()?.field == "auto_confirmation_timeout")
        let later = OrderConfig(acceptedPaymentMethods: [], minimumOrderValue: -1)
        #expect(later.validationProblem()?.field == "accepted_payment_methods")
    }
}
