import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PonteCore
import Testing

@testable import PonteSandbox

/// Drives the Asaas simulator through the sandbox's real router, on a fixed sandbox clock
/// (2026-03-10 12:00 in Brasília).
private struct AsaasHarness {
    let sandbox: Sandbox
    let client: any TestClientProtocol

    struct Answer {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var text: String
        var object: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        }
        var errorCodes: [String] { (object["errors"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String } }
    }

    static func run(_ test: @Sendable (AsaasHarness) async throws -> Void) async throws {
        try await withSandboxRouter(label: "asaas-test") { sandbox, client in
            try await test(AsaasHarness(sandbox: sandbox, client: client))
        }
    }

    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ path: String, _ json: String? = nil,
        key: String? = SandboxCredentials.defaults.asaasAPIKey
    ) async throws -> Answer {
        var headers = HTTPFields()
        if let key { headers[HTTPField.Name("access_token")!] = key }
        if json != nil { headers[.contentType] = "application/json" }
        let response = try await client.execute(
            uri: path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }
        )
        return Answer(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }

    func customer() async throws -> String {
        let answer = try await call(.post, "/asaas/v3/customers", #"{"name":"Maria Silva","cpfCnpj":"52998224725"}"#)
        return try #require(answer.object["id"] as? String)
    }

    func payment(_ body: String) async throws -> Answer {
        try await call(.post, "/asaas/v3/payments", body)
    }

    func pixPayment(value: String = "129.90", reference: String = "order-42") async throws -> String {
        let customer = try await customer()
        let answer = try await payment(
            #"{"customer":"\#(customer)","billingType":"PIX","value":\#(value),"dueDate":"2026-03-12","externalReference":"\#(reference)"}"#
        )
        #expect(answer.status == .ok, "\(answer.text)")
        return try #require(answer.object["id"] as? String)
    }

    var events: [String] { sandbox.environment.webhooks.deliveries().filter { $0.provider == .asaas }.map(\.eventType) }
    var ledger: [Ledger.Entry] { sandbox.environment.ledger.all().filter { $0.provider == .asaas } }
}

private let card =
    #""creditCard":{"holderName":"MARIA SILVA","number":"4444444444444448","expiryMonth":"12","expiryYear":"2030","ccv":"123"},"creditCardHolderInfo":{"name":"Maria Silva","email":"maria@example.com","cpfCnpj":"52998224725","postalCode":"01310200","addressNumber":"1578","phone":"11999990000"}"#

@Suite struct AsaasSimulatorTests {
    @Test func missingOrWrongKeyIsRefusedWithTheCause() async throws {
        try await AsaasHarness.run { asaas in
            let missing = try await asaas.call(.get, "/asaas/v3/customers", key: nil)
            #expect(missing.status == .unauthorized)
            #expect(missing.errorCodes == ["access_token_not_found"])
            let wrong = try await asaas.call(.get, "/asaas/v3/customers", key: "$aact_hmlg_not_the_key")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.errorCodes == ["invalid_access_token"])
        }
    }

    @Test func customersNeedANameAndAValidCPFOrCNPJ() async throws {
        try await AsaasHarness.run { asaas in
            let badDigits = try await asaas.call(
                .post, "/asaas/v3/customers", #"{"name":"Ana","cpfCnpj":"52998224726"}"#)
            #expect(badDigits.status == .badRequest)
            #expect(badDigits.errorCodes == ["invalid_cpfCnpj"])
            let noName = try await asaas.call(.post, "/asaas/v3/customers", #"{"cpfCnpj":"52998224725"}"#)
            #expect(noName.errorCodes == ["invalid_name"])
            let company = try await asaas.call(
                .post, "/asaas/v3/customers",
                #"{"name":"Loja","cpfCnpj":"11.222.333/0001-81","externalReference":"store-7"}"#)
            #expect(company.status == .ok)
            #expect(company.object["cpfCnpj"] as? String == "11222333000181")
            #expect(company.object["personType"] as? String == "JURIDICA")
            #expect((company.object["id"] as? String)?.hasPrefix("cus_") == true)
            let id = try #require(company.object["id"] as? String)
            #expect(try await asaas.call(.get, "/asaas/v3/customers/\(id)").object["name"] as? String == "Loja")
            #expect(try await asaas.call(.get, "/asaas/v3/customers/cus_000000000000").status == .notFound)

            let list = try await asaas.call(.get, "/asaas/v3/customers?externalReference=store-7")
            #expect(list.object["object"] as? String == "list")
            #expect(list.object["totalCount"] as? Int == 1)
            #expect(list.object["hasMore"] as? Bool == false)
            #expect((list.object["data"] as? [Any])?.count == 1)
        }
    }

    @Test func paymentValidationReportsEveryProblemAndCreatesNothing() async throws {
        try await AsaasHarness.run { asaas in
            let customer = try await asaas.customer()
            let answer = try await asaas.payment(
                #"{"customer":"\#(customer)","billingType":"PIX","dueDate":"2026-03-09"}"#)
            #expect(answer.status == .badRequest)
            #expect(Set(answer.errorCodes) == ["invalid_value", "invalid_dueDate"])
            let tooPrecise = try await asaas.payment(
                #"{"customer":"\#(customer)","billingType":"PIX","value":10.005,"dueDate":"2026-03-10"}"#)
            #expect(tooPrecise.errorCodes == ["invalid_value"])
            let unknownCustomer = try await asaas.payment(
                #"{"customer":"cus_999","billingType":"BOLETO","value":10,"dueDate":"2026-03-10"}"#)
            #expect(unknownCustomer.errorCodes == ["invalid_customer"])
            let badType = try await asaas.payment(
                #"{"customer":"\#(customer)","billingType":"CASH","value":10,"dueDate":"2026-03-10"}"#)
            #expect(badType.errorCodes == ["invalid_billingType"])
            #expect(try await asaas.call(.get, "/asaas/v3/payments").object["totalCount"] as? Int == 0)
        }
    }

    @Test func pixChargeIsReceivedWhenTheSandboxConfirmsIt() async throws {
        try await AsaasHarness.run { asaas in
            let id = try await asaas.pixPayment()
            let created = try await asaas.call(.get, "/asaas/v3/payments/\(id)")
            #expect(created.text.contains(#""value":129.9"#))
            #expect(created.object["status"] as? String == "PENDING")
            #expect(created.object["paymentDate"] is NSNull)

            let paid = try await asaas.call(.post, "/asaas/v3/sandbox/payment/\(id)/confirm", "{}")
            #expect(paid.object["status"] as? String == "RECEIVED")
            #expect(paid.object["paymentDate"] as? String == "2026-03-10")
            #expect(paid.object["clientPaymentDate"] as? String == "2026-03-10")
            #expect(
                try await asaas.call(.get, "/asaas/v3/payments/\(id)/status").object["status"] as? String == "RECEIVED")
            // Paying twice is refused and moves no more money.
            #expect(try await asaas.call(.post, "/asaas/v3/sandbox/payment/\(id)/confirm", "{}").status == .badRequest)

            #expect(asaas.events == ["PAYMENT_CREATED", "PAYMENT_RECEIVED"])
            #expect(asaas.ledger.count == 1)
            #expect(asaas.ledger.first?.amount == 12_990)
            #expect(asaas.ledger.first?.kind == .charge)
            #expect(asaas.ledger.first?.reference == "order-42")
        }
    }

    @Test func cardChargeIsConfirmedAtOnceUnlessTheCardIsADeclinedOne() async throws {
        try await AsaasHarness.run { asaas in
            let customer = try await asaas.customer()
            let approved = try await asaas.payment(
                #"{"customer":"\#(customer)","billingType":"CREDIT_CARD","value":50,"dueDate":"2026-03-10",\#(card)}"#)
            #expect(approved.status == .ok, "\(approved.text)")
            #expect(approved.object["status"] as? String == "CONFIRMED")
            let cardInfo = approved.object["creditCard"] as? [String: Any]
            #expect(cardInfo?["creditCardNumber"] as? String == "4448")
            #expect(cardInfo?["creditCardBrand"] as? String == "VISA")

            let declinedCard = card.replacingOccurrences(of: "4444444444444448", with: "5184019740373151")
            let declined = try await asaas.payment(
                #"{"customer":"\#(customer)","billingType":"CREDIT_CARD","value":50,"dueDate":"2026-03-10",\#(declinedCard)}"#
            )
            #expect(declined.status == .badRequest)
            #expect(declined.errorCodes == ["invalid_creditCard"])

            let badLuhn = card.replacingOccurrences(of: "4444444444444448", with: "4444444444444444")
            #expect(
                try await asaas.payment(
                    #"{"customer":"\#(customer)","billingType":"CREDIT_CARD","value":50,"dueDate":"2026-03-10",\#(badLuhn)}"#
                ).errorCodes == ["invalid_creditCard"])

            #expect(try await asaas.call(.get, "/asaas/v3/payments").object["totalCount"] as? Int == 1)
            #expect(asaas.events == ["PAYMENT_CREATED", "PAYMENT_CONFIRMED"])
            #expect(asaas.ledger.map(\.amount) == [5_000])
        }
    }

    @Test func refundsAddUpToTheValueAndNeverBeyond() async throws {
        try await AsaasHarness.run { asaas in
            let id = try await asaas.pixPayment(value: "100")
            let early = try await asaas.call(.post, "/asaas/v3/payments/\(id)/refund", "{}")
            #expect(early.status == .badRequest, "an unpaid charge has nothing to refund")
            try await asaas.call(.post, "/asaas/v3/sandbox/payment/\(id)/confirm")

            let first = try await asaas.call(
                .post, "/asaas/v3/payments/\(id)/refund", #"{"value":30.5,"description":"refund-a"}"#)
            #expect(first.object["status"] as? String == "RECEIVED")
            #expect((first.object["refunds"] as? [Any])?.count == 1)
            let over = try await asaas.call(.post, "/asaas/v3/payments/\(id)/refund", #"{"value":69.51}"#)
            #expect(over.status == .badRequest)
            #expect(over.errorCodes == ["invalid_value"])
            let rest = try await asaas.call(.post, "/asaas/v3/payments/\(id)/refund", #"{"description":"refund-b"}"#)
            #expect(rest.object["status"] as? String == "REFUNDED")
            #expect(try await asaas.call(.post, "/asaas/v3/payments/\(id)/refund", "{}").status == .badRequest)

            #expect(
                asaas.events == [
                    "PAYMENT_CREATED", "PAYMENT_RECEIVED", "PAYMENT_PARTIALLY_REFUNDED", "PAYMENT_REFUNDED",
                ])
            let refunds = asaas.ledger.filter { $0.kind == .refund }
            #expect(refunds.map(\.amount) == [3_050, 6_950])
            #expect(refunds.map(\.reference) == ["refund-a", "refund-b"])
            #expect(asaas.sandbox.environment.ledger.duplicatedReferences().isEmpty)
        }
    }

    @Test func pendingChargesBecomeOverdueWhenTheClockPassesTheDueDate() async throws {
        try await AsaasHarness.run { asaas in
            let id = try await asaas.pixPayment()
            asaas.sandbox.environment.clock.advance(by: 86_400)
            #expect(try await asaas.call(.get, "/asaas/v3/payments/\(id)").object["status"] as? String == "PENDING")
            asaas.sandbox.environment.clock.advance(by: 2 * 86_400)
            #expect(try await asaas.call(.get, "/asaas/v3/payments/\(id)").object["status"] as? String == "OVERDUE")
            #expect(asaas.events == ["PAYMENT_CREATED", "PAYMENT_OVERDUE"])
            // An overdue charge can still be paid.
            let paid = try await asaas.call(.post, "/_sandbox/asaas/payments/\(id)/pay", key: nil)
            #expect(paid.object["status"] as? String == "RECEIVED")
        }
    }

    @Test func onlyUnpaidChargesCanBeDeleted() async throws {
        try await AsaasHarness.run { asaas in
            let pending = try await asaas.pixPayment(reference: "a")
            let deleted = try await asaas.call(.delete, "/asaas/v3/payments/\(pending)")
            #expect(deleted.object["deleted"] as? Bool == true)
            #expect(deleted.object["id"] as? String == pending)
            #expect(try await asaas.call(.get, "/asaas/v3/payments").object["totalCount"] as? Int == 0)

            let paid = try await asaas.pixPayment(reference: "b")
            try await asaas.call(.post, "/asaas/v3/sandbox/payment/\(paid)/confirm")
            #expect(try await asaas.call(.delete, "/asaas/v3/payments/\(paid)").errorCodes == ["invalid_action"])
            #expect(asaas.events.filter { $0 == "PAYMENT_DELETED" }.count == 1)
        }
    }

    @Test func paymentListsFilterAndPage() async throws {
        try await AsaasHarness.run { asaas in
            for reference in ["r1", "r2", "r3"] { _ = try await asaas.pixPayment(reference: reference) }
            let one = try await asaas.call(.get, "/asaas/v3/payments?externalReference=r2")
            #expect(one.object["totalCount"] as? Int == 1)
            let page = try await asaas.call(.get, "/asaas/v3/payments?status=PENDING&billingType=PIX&limit=2&offset=0")
            #expect(page.object["totalCount"] as? Int == 3)
            #expect(page.object["hasMore"] as? Bool == true)
            #expect((page.object["data"] as? [Any])?.count == 2)
            #expect(
                try await asaas.call(.get, "/asaas/v3/payments?dueDate%5Bge%5D=2026-03-13").object["totalCount"] as? Int
                    == 0)
            #expect(try await asaas.call(.get, "/asaas/v3/payments?limit=101").status == .badRequest)
            #expect(try await asaas.call(.get, "/asaas/v3/payments?status=PAID").errorCodes == ["invalid_status"])
        }
    }

    @Test func boletoChargesCarryALinhaDigitavel() async throws {
        try await AsaasHarness.run { asaas in
            let customer = try await asaas.customer()
            let answer = try await asaas.payment(
                #"{"customer":"\#(customer)","billingType":"BOLETO","value":42.23,"dueDate":"2026-03-20"}"#)
            let id = try #require(answer.object["id"] as? String)
            #expect(answer.object["bankSlipUrl"] as? String != nil)
            #expect(answer.object["nossoNumero"] as? String != nil)
            let field = try await asaas.call(.get, "/asaas/v3/payments/\(id)/identificationField")
            let line = try #require(field.object["identificationField"] as? String)
            let barcode = try #require(field.object["barCode"] as? String)
            #expect(line.count == 47 && barcode.count == 44)
            #expect(
                barcode.hasSuffix(
                    String(format: "%010d", 4_223) + String(repeating: "0", count: 17)
                        + (answer.object["nossoNumero"] as? String ?? "")))
        }
    }

    @Test func pixQrCodeCarriesAValidBRCodeAndAPNG() async throws {
        try await AsaasHarness.run { asaas in
            let id = try await asaas.pixPayment(value: "10.5")
            let qr = try await asaas.call(.get, "/asaas/v3/payments/\(id)/pixQrCode")
            #expect(qr.status == .ok, "\(qr.text)")
            let payload = try #require(qr.object["payload"] as? String)
            let code = try BRCode(parsing: payload)
            #expect(code.amountInCents == 1_050)
            #expect(code.isDynamic)
            #expect(qr.object["expirationDate"] as? String == "2027-03-12 23:59:59")
            let png = try #require(Data(base64Encoded: qr.object["encodedImage"] as? String ?? ""))
            #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])

            try await asaas.call(.post, "/asaas/v3/sandbox/payment/\(id)/confirm")
            #expect(try await asaas.call(.get, "/asaas/v3/payments/\(id)/pixQrCode").status == .badRequest)
        }
    }

    @Test func controlFailMakesPixOverdueAndRefusesACardCapture() async throws {
        try await AsaasHarness.run { asaas in
            let pix = try await asaas.pixPayment()
            #expect(
                try await asaas.call(.post, "/_sandbox/asaas/payments/\(pix)/fail", key: nil).object["status"]
                    as? String == "OVERDUE")
            let customer = try await asaas.customer()
            let pendingCard = try await asaas.payment(
                #"{"customer":"\#(customer)","billingType":"CREDIT_CARD","value":10,"dueDate":"2026-03-10"}"#)
            let cardID = try #require(pendingCard.object["id"] as? String)
            let refused = try await asaas.call(.post, "/_sandbox/asaas/payments/\(cardID)/fail", key: nil)
            #expect(refused.object["status"] as? String == "PENDING")
            #expect(asaas.events.contains("PAYMENT_CREDIT_CARD_CAPTURE_REFUSED"))
            #expect(try await asaas.call(.post, "/_sandbox/asaas/payments/pay_nope/pay", key: nil).status == .notFound)
        }
    }

    @Test func rateLimitFaultAnswers429WithRetryAfterInAsaasShape() async throws {
        try await AsaasHarness.run { asaas in
            var settings = FaultSettings()
            settings.rateLimitRate = 1
            settings.retryAfterSeconds = 7
            asaas.sandbox.environment.faults.set(settings, for: .asaas)
            let answer = try await asaas.call(.get, "/asaas/v3/customers")
            #expect(answer.status == .tooManyRequests)
            #expect(answer.headers[.retryAfter] == "7")
            #expect(answer.errorCodes.count == 1)
        }
    }
}

@Suite struct BrazilianDocumentTests {
    @Test func cpfAndCnpjCheckDigits() {
        #expect(BrazilianTaxID("529.982.247-25") == .cpf("52998224725"))
        #expect(BrazilianTaxID("11.222.333/0001-81") == .cnpj("11222333000181"))
        #expect(BrazilianTaxID("52998224724") == nil)
        #expect(BrazilianTaxID("11111111111") == nil)
        #expect(BrazilianTaxID("1122233300018") == nil)
        #expect(BrazilianTaxID("5299822472a") == nil)
    }

    @Test func boletoMatchesThePublishedVectors() {
        #expect(Boleto.mod11("0019386000000040000000001207113000900020618") == 5)
        #expect(Boleto.mod11("2379316800000001002949060000000000300065800") == 6)
        #expect(Boleto.mod11("3999597400000001002461722000000001934404542") == 1)
        #expect(Boleto.mod10("237929490") == 9)
        #expect(Boleto.mod10("0300065800") == 9)
        #expect(Boleto.dueDateFactor("2006-06-10") == 3168)
        #expect(Boleto.dueDateFactor("2025-02-21") == 9999)
        #expect(Boleto.dueDateFactor("2025-02-22") == 1000)
        let boleto = Boleto(bank: "237", dueDate: "2006-06-10", centavos: 100, freeField: "2949060000000000300065800")
        #expect(boleto.barcode == "23796316800000001002949060000000000300065800")
        #expect(boleto.linhaDigitavel == "23792949096000000000403000658009631680000000100")
    }
}
