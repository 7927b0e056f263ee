import Testing

@testable import PonteOrders

/// `CustomerMessages`: the seed's texts and the filling of their placeholders.
@Suite struct CustomerMessagesTests {
    static let order = CustomerMessages.Values(orderID: "order_3f9a1c2b7d4e", total: 4480)

    @Test func theDefaultStatusTextsAreTheSeeds() {
        let expected: [OrderStatus: String] = [
            .pending: "Seu pedido #order_3f9a1c2b7d4e foi recebido e está aguardando confirmação do restaurante.",
            .confirmed: "Seu pedido #order_3f9a1c2b7d4e foi confirmado! Estamos preparando tudo com muito carinho.",
            .preparing: "Seu pedido #order_3f9a1c2b7d4e está sendo preparado. Logo estará pronto!",
            .ready: "Seu pedido #order_3f9a1c2b7d4e está pronto! Em breve sairá para entrega.",
            .delivering: "Seu pedido #order_3f9a1c2b7d4e saiu para entrega e chegará em aproximadamente em breve.",
            .delivered: "Seu pedido #order_3f9a1c2b7d4e foi entregue. Bom apetite!",
            .completed: "Seu pedido #order_3f9a1c2b7d4e foi concluído. Obrigado pela preferência!",
            .cancelled: "Seu pedido #order_3f9a1c2b7d4e foi cancelado.",
            .refunded: "Seu pedido #order_3f9a1c2b7d4e foi cancelado e o valor de R$ 44,80 foi reembolsado.",
        ]
        for status in OrderStatus.allCases {
            #expect(CustomerMessages.statusChange(to: status, templates: [:], values: Self.order) == expected[status], "\(status)")
        }
    }

    @Test func theStoresTemplateWinsForItsStatusOnly() {
        let templates: [OrderStatus: String] = [.ready: "Pedido {order_id} pronto, total {total}. Retire no balcão!"]
        #expect(
            CustomerMessages.statusChange(to: .ready, templates: templates, values: Self.order)
                == "Pedido order_3f9a1c2b7d4e pronto, total R$ 44,80. Retire no balcão!")
        #expect(
            CustomerMessages.statusChange(to: .cancelled, templates: templates, values: Self.order)
                == "Seu pedido #order_3f9a1c2b7d4e foi cancelado.")
    }

    @Test func theDeliveryTimeIsEmBreveUntilKnown() {
        var values = Self.order
        let template = CustomerMessages.defaultTemplate(for: .delivering)
        #expect(CustomerMessages.fill(template, with: values).hasSuffix("aproximadamente em breve."))
        values.deliveryTime = "  "
        #expect(CustomerMessages.fill(template, with: values).hasSuffix("aproximadamente em breve."))
        values.deliveryTime = "40 minutos"
        #expect(CustomerMessages.fill(template, with: values).hasSuffix("aproximadamente 40 minutos."))
    }

    @Test func thePaymentTextsAreTheSeeds() {
        #expect(
            CustomerMessages.paymentConfirmed(Self.order)
                == "Seu pagamento para o pedido #order_3f9a1c2b7d4e foi confirmado! Obrigado.")
        #expect(
            CustomerMessages.paymentFailed(Self.order)
                == "Houve um problema com seu pagamento para o pedido #order_3f9a1c2b7d4e. Por favor, tente novamente ou escolha outro método de pagamento.")
        // Seed 003 §7.3 shows this message with "R$ 44,80": a comma, not the "44.80" of its `:.2f`.
        #expect(
            CustomerMessages.paymentRefunded(Self.order)
                == "Seu pedido #order_3f9a1c2b7d4e foi cancelado e o valor de R$ 44,80 foi reembolsado. O restaurante não pôde confirmar seu pedido no momento. Pedimos desculpas pelo inconveniente.")
    }

    @Test func unknownPlaceholdersAndStrayBracesStayAsWritten() {
        let values = CustomerMessages.Values(orderID: "42", total: 123_450, deliveryTime: "19:40")
        #expect(
            CustomerMessages.fill("Oi {cliente}! #{order_id}: {total} às {delivery_time} {status}", with: values)
                == "Oi {cliente}! #42: R$ 1.234,50 às 19:40 {status}")
        #expect(CustomerMessages.fill("{ {order_id} {order_id", with: values) == "{ 42 {order_id")
        #expect(CustomerMessages.fill("{{order_id}}", with: values) == "{42}")
        #expect(CustomerMessages.fill("}{", with: values) == "}{")
        #expect(CustomerMessages.fill("", with: values) == "")
        #expect(CustomerMessages.fill("{order_id}{order_id}", with: values) == "4242")
    }

    @Test func valuesAreNotReadAgainForPlaceholders() {
        let values = CustomerMessages.Values(orderID: "{total}", total: 100, deliveryTime: "{order_id}")
        #expect(CustomerMessages.fill("#{order_id} em {delivery_time}", with: values) == "#{total} em {order_id}")
    }
}
