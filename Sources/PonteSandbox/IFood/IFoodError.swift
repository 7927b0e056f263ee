import HTTPTypes
import Hummingbird

/// An iFood Merchant API error answer: `{"error":{"code":"...","message":"..."}}`.
struct IFoodError: Error, Equatable {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    static func badRequest(_ message: String) -> IFoodError { IFoodError(.badRequest, "BadRequest", message) }
    static func unauthorized(_ message: String) -> IFoodError { IFoodError(.unauthorized, "Unauthorized", message) }
    static let orderNotFound = IFoodError(.notFound, "NotFound", "Order not found")

    var response: Response {
        .sandboxJSON(["error": ["code": code, "message": message]], status: status, headers: headers)
    }
}
