import Foundation
import Hummingbird
import PonteCore

extension AsaasSimulator {
    /// `GET /v3/payments/{id}/pixQrCode`: the charge's dynamic BR Code, its QR code as a
    /// base64 PNG, and when it expires (12 months after the due date, as Asaas documents).
    @Sendable func pixQrCode(_ request: Request, context: SandboxContext) async throws -> Response {
        guard let payment = account.payment(context.parameters.get("id") ?? "") else {
            throw AsaasError.notFound("Cobrança")
        }
        guard payment.billingType != .creditCard else {
            throw AsaasError.invalid(
                "invalid_billingType", "Não é possível gerar QR Code Pix para cobranças de cartão de crédito.")
        }
        guard !payment.deleted, payment.status == .pending || payment.status == .overdue else {
            throw AsaasError.invalid(
                "invalid_action", "Só é possível gerar QR Code Pix para cobranças aguardando pagamento.")
        }
        let code: BRCode
        let image: PNGImage
        do {
            code = try BRCode.dynamicCharge(
                url: "sandbox.asaas.com/qr/cobv/\(payment.id)", merchantName: "PONTE SANDBOX",
                merchantCity: "SAO PAULO", amountInCents: payment.value
            )
            image = try PNGImage(qrCode: QRCode.encode(text: code.payload, correction: .medium))
        } catch {
            throw AsaasError(.internalServerError, "internal_error", "Falha ao gerar o QR Code: \(error)")
        }
        return .sandboxJSON(
            PixQrCode(
                encodedImage: image.data.base64EncodedString(), payload: code.payload,
                expirationDate: BrazilTime.adding(years: 1, to: payment.dueDate) + " 23:59:59"
            )
        )
    }
}

struct PixQrCode: Encodable {
    var encodedImage: String
    var payload: String
    var expirationDate: String
}
