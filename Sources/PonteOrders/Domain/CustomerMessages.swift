import PonteCore
/// The WhatsApp messages a customer gets about an order, in Portuguese as seed 003 writes
/// them, and the filling of their placeholders.
///
/// Templates (the store's own, `OrderConfig.notificationTemplates`, or these defaults) may
/// use `{order_id}`, `{total}` (as `R$ 44,80`) and `{delivery_time}` (`em breve` while unknown).
/// Any other `{…}` is left as written.
public enum CustomerMessages {
    /// The values a template's placeholders stand for.
    public struct Values: Sendable, Equatable {
        public var orderID: String
        /// The order's total in centavos.
        public var total: Int
        /// The estimated delivery or pickup time as the store gave it (`19:40`, `40 minutos`);
        /// nil or blank while unknown.
        public var deliveryTime: String?

        public init(orderID: String, total: Int, deliveryTime: String? = nil) {
            self.orderID = orderID
            self.total = total
            self.deliveryTime = deliveryTime
        }
    }

    /// What `{delivery_time}` says while the time is unknown.
    public static let unknownDeliveryTime = "em breve"

    // MARK: Status changes

    /// The default message for an order that reached `status` (seed 003's example templates).
    public static func defaultTemplate(for status: OrderStatus) -> String {
        switch status {
        case .pending: "Seu pedido #{order_id} foi recebido e está aguardando confirmação do restaurante."
        case .confirmed: "Seu pedido #{order_id} foi confirmado! Estamos preparando tudo com muito carinho."
        case .preparing: "Seu pedido #{order_id} está sendo preparado. Logo estará pronto!"
        case .ready: "Seu pedido #{order_id} está pronto! Em breve sairá para entrega."
        case .delivering: "Seu pedido #{order_id} saiu para entrega e chegará em aproximadamente {delivery_time}."
        case .delivered: "Seu pedido #{order_id} foi entregue. Bom apetite!"
        case .completed: "Seu pedido #{order_id} foi concluído. Obrigado pela preferência!"
        case .cancelled: "Seu pedido #{order_id} foi cancelado."
        case .refunded: "Seu pedido #{order_id} foi cancelado e o valor de {total} foi reembolsado."
        }
    }

    /// The message for an order that reached `status`: the store's template for it when it
    /// has one, else the default, filled with `values`.
    public static func statusChange(to status: OrderStatus, templates: [OrderStatus: String], values: Values) -> String {
        fill(templates[status] ?? defaultTemplate(for: status), with: values)
    }

    // MARK: Payments

    public static let paymentConfirmedTemplate = "Seu pagamento para o pedido #{order_id} foi confirmado! Obrigado."
    public static let paymentFailedTemplate =
        "Houve um problema com seu pagamento para o pedido #{order_id}. Por favor, tente novamente ou escolha outro método de pagamento."
    public static let paymentRefundedTemplate =
        "Seu pedido #{order_id} foi cancelado e o valor de {total} foi reembolsado. O restaurante não pôde confirmar seu pedido no momento. Pedimos desculpas pelo inconveniente."

    /// The payment was received.
    public static func paymentConfirmed(_ values: Values) -> String { fill(paymentConfirmedTemplate, with: values) }
    /// The payment failed (the charge went overdue).
    public static func paymentFailed(_ values: Values) -> String { fill(paymentFailedTemplate, with: values) }
    /// The order was cancelled and its payment returned.
    public static func paymentRefunded(_ values: Values) -> String { fill(paymentRefundedTemplate, with: values) }

    // MARK: Filling

    /// `template` with each known placeholder replaced by its value, in one pass: a value is
    /// never read again for placeholders, so an order id or delivery time that contains
    /// `{total}` stays as it is.
    public static func fill(_ template: String, with values: Values) -> String {
        let deliveryTime = values.deliveryTime.flatMap { $0.allSatisfy(\.isWhitespace) ? nil : $0 } ?? unknownDeliveryTime
        let replacements = [
            "order_id": values.orderID,
            "total": BRL.format(centavos: values.total),
            "delivery_time": deliveryTime,
        ]
        var message = ""
        var rest = template[...]
        while let open = rest.firstIndex(of: "{") {
            message += rest[..<open]
            let name = rest[rest.index(after: open)...]
            if let close = name.firstIndex(of: "}"), let value = replacements[String(name[..<close])] {
                message += value
                rest = name[name.index(after: close)...]
            } else {
                message.append("{")
                rest = name
            }
        }
        return message + rest
    }
}
