import PonteCore
import PonteKit

/// The OpenAPI schemas of the kiosk API, by the names its operations refer to.
enum KioskSchemas {
    static let money = JSONSchema.integer("Centavos", minimum: 0)

    static let printer = JSONSchema.object(
        [
            "type": .oneOf(Printer.Kind.allCases.map(\.rawValue), "tcp: a network printer on raw TCP (port 9100); file: bytes appended to path; stdout"),
            "host": JSONSchema.string("tcp").optional, "port": JSONSchema.integer("tcp; default 9100", minimum: 1, maximum: 65535).optional,
            "connect_timeout_ms": JSONSchema.integer("tcp; default 2000", minimum: 50, maximum: 60000).optional,
            "write_timeout_ms": JSONSchema.integer("tcp; default 5000", minimum: 50, maximum: 60000).optional,
            "path": JSONSchema.string("file: an absolute path").optional,
            "code_page": JSONSchema.oneOf(PrinterCodePage.allCases.map(\.rawValue), "Default CP860 (Portuguese)").optional,
        ], "Where the location's tickets print")

    static func add(to routes: inout APIRoutes) {
        routes.schema(
            "KioskLocation",
            .object([
                "id": .string(), "name": .string(), "time_zone": .string("IANA time zone; ticket numbers restart each local day"),
                "printer": printer, "created_at": .timestamp(), "updated_at": .timestamp(),
            ]))
        routes.schema(
            "KioskService",
            .object([
                "id": .string(), "location_id": .string(), "name": .string(), "price": money,
                "ticket_prefix": .string("1 to 3 capital letters: A → A001", pattern: "^[A-Z]{1,3}$"), "active": .boolean(),
                "created_at": .timestamp(), "updated_at": .timestamp(),
            ]))
        let statusChange = JSONSchema.object([
            "status": .oneOf(SessionStatus.allCases.map(\.rawValue)), "at": .timestamp(), "reason": JSONSchema.string().optional,
        ])
        let ticketSummary = JSONSchema.object([
            "id": .string(), "ticket_number": .string(), "status": .oneOf(TicketStatus.allCases.map(\.rawValue)),
        ])
        routes.schema(
            "PaymentSession",
            .object([
                "id": .string(), "location_id": .string(), "service_id": .string(), "service_name": .string(), "ticket_prefix": .string(),
                "customer_name": .string(), "customer_cpf": .string("Formatted: 529.982.247-25"),
                "payment_method": .oneOf(KioskPaymentMethod.allCases.map(\.rawValue)), "amount": money,
                "status": .oneOf(SessionStatus.allCases.map(\.rawValue)),
                "transaction_id": JSONSchema.string("The provider's payment id (Asaas pay_…)").optional,
                "pix": JSONSchema.object([
                    "copy_paste": .string("The BR Code (PIX copia e cola)"), "qr_code_png_base64": .string("The QR code, a base64 PNG"),
                ]).optional,
                "payment_link": JSONSchema.string("Card: the provider's payment page").optional,
                "expires_at": .timestamp(), "paid_at": JSONSchema.timestamp().optional,
                "ticket": ticketSummary.optional,
                "ticket_error": JSONSchema.string("Paid, but the ticket could not be made yet (retrying)").optional,
                "charge_error": JSONSchema.string().optional,
                "refund": JSONSchema.object([
                    "reason": .string(), "requested_at": .timestamp(), "refunded_at": JSONSchema.timestamp().optional,
                    "error": JSONSchema.string().optional,
                ], "A payment that arrived after the session had failed, been cancelled or expired, sent back").optional,
                "status_history": .array(statusChange),
                "created_at": .timestamp(), "updated_at": .timestamp(),
            ]))
        routes.schema(
            "Ticket",
            .object([
                "id": .string(), "location_id": .string(), "session_id": .string(), "service_id": .string(), "service_name": .string(),
                "ticket_number": .string("Prefix and the day's sequence: A001"), "ticket_prefix": .string(),
                "service_day": .string("The location's local day (YYYY-MM-DD)"), "sequence": .integer(minimum: 1),
                "customer_first_name": .string(), "status": .oneOf(TicketStatus.allCases.map(\.rawValue)),
                "desk": JSONSchema.string().optional, "called_at": JSONSchema.timestamp().optional, "recalls": .integer(minimum: 0),
                "print_error": JSONSchema.string("Why the last print failed").optional,
                "prints": .integer("Successful prints", minimum: 0), "reprints": .integer("Prints an operator asked for", minimum: 0),
                "history": .array(
                    .object([
                        "status": .oneOf(TicketStatus.allCases.map(\.rawValue)), "at": .timestamp(), "desk": JSONSchema.string().optional,
                        "notes": JSONSchema.string().optional,
                    ])),
                "print_attempts": .array(
                    .object([
                        "number": .integer(minimum: 1), "reprint": .boolean(), "started_at": .timestamp(),
                        "finished_at": JSONSchema.timestamp().optional,
                        "outcome": .oneOf(["sending", "printed", "failed", "interrupted"]),
                        "error": JSONSchema.string().optional, "printer_status": JSONSchema.string().optional,
                        "bytes": JSONSchema.integer(minimum: 0).optional,
                    ])),
                "created_at": .timestamp(), "updated_at": .timestamp(),
            ]))
    }
}
