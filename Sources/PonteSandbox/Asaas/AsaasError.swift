import Foundation
import HTTPTypes
import Hummingbird

/// An Asaas error answer: `{"errors":[{"code":"invalid_value","description":"..."}]}`, the
/// shape of every 4xx of Asaas's API (descriptions in Portuguese, as Asaas writes them).
struct AsaasError: Error, Equatable {
    struct Item: Codable, Equatable {
        var code: String
        var description: String
    }

    var status: HTTPResponse.Status
    var errors: [Item]
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ code: String, _ description: String, headers: HTTPFields = [:]) {
        self.status = status
        self.errors = [Item(code: code, description: description)]
        self.headers = headers
    }

    /// A 400 with one `code` and `description`.
    static func invalid(_ code: String, _ description: String) -> AsaasError {
        AsaasError(.badRequest, code, description)
    }

    /// A 404 for an id this account does not have. (The body of Asaas's own 404 is not
    /// documented; this keeps the error shape so clients read it like any other error.)
    static func notFound(_ what: String) -> AsaasError {
        AsaasError(.notFound, "not_found", "\(what) não encontrado(a).")
    }

    var response: Response {
        .sandboxJSON(["errors": errors], status: status, headers: headers)
    }
}
