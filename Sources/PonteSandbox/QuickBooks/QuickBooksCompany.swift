import Foundation
import PonteCore

/// The one QuickBooks Online company of the sandbox: whoever connects an app, it is this realm.
enum QuickBooksCompany {
    static let realmID = "9130350000000001"
    static let name = "Ponte Sandbox Company_US_1"
    /// 2026-01-05T12:00:00Z.
    static let createdAt = Date(timeIntervalSince1970: 1_767_614_400)

    /// `{"CompanyInfo": {...}, "time": "..."}`, the entity's names as the Accounting API spells
    /// them (CompanyInfo reference on developer.intuit.com; `domain`, `sparse`, `Id`,
    /// `SyncToken` and `MetaData` are on every entity).
    static func companyInfo(at now: Date) -> JSONValue {
        let address: JSONValue = .object([
            "Id": "1", "Line1": "2600 Marine Way", "City": "Mountain View", "CountrySubDivisionCode": "CA",
            "PostalCode": "94043",
        ])
        let created = JSONValue.string(QuickBooksTime.string(createdAt))
        let company: [String: JSONValue] = [
            "CompanyName": .string(name), "LegalName": .string(name), "CompanyAddr": address,
            "CustomerCommunicationAddr": address, "LegalAddr": address,
            "PrimaryPhone": .object(["FreeFormNumber": "(650) 555-0100"]),
            "CompanyStartDate": .string(QuickBooksTime.day(createdAt)), "FiscalYearStartMonth": "January",
            "Country": "US", "Email": .object(["Address": "owner@ponte-sandbox.example"]), "WebAddr": .object([:]),
            "SupportedLanguages": "en",
            "NameValue": .array([
                .object(["Name": "NeoEnabled", "Value": "true"]),
                .object(["Name": "IndustryType", "Value": "Restaurant"]),
            ]),
            "domain": "QBO", "sparse": false, "Id": "1", "SyncToken": "0",
            "MetaData": .object(["CreateTime": created, "LastUpdatedTime": created]),
        ]
        return .object(["CompanyInfo": .object(company), "time": .string(QuickBooksTime.string(now))])
    }

    /// The OpenID userinfo of the user who connected (Intuit's claim names: `sub`, `email`,
    /// `emailVerified`, `givenName`, `familyName`).
    static let userInfo: JSONValue = .object([
        "sub": "8f3e5a2c-0d41-4c6e-9d6b-5a7c1e2b3f40", "email": "owner@ponte-sandbox.example", "emailVerified": true,
        "givenName": "Ponte", "familyName": "Sandbox",
    ])

    /// Intuit's sandbox discovery document with every URL on `base` (the sandbox's
    /// `/quickbooks`). intuit/oauth-pythonclient reads `authorization_endpoint`,
    /// `token_endpoint`, `revocation_endpoint`, `issuer`, `jwks_uri` and `userinfo_endpoint`
    /// from it (`intuitlib/client.py`); the path of each is Intuit's own (PROVIDERS.md 3.4).
    static func discovery(base: String) -> JSONValue {
        .object([
            "issuer": .string(base + "/op/v1"),
            "authorization_endpoint": .string(base + "/connect/oauth2"),
            "token_endpoint": .string(base + "/oauth2/v1/tokens/bearer"),
            "userinfo_endpoint": .string(base + "/v1/openid_connect/userinfo"),
            "revocation_endpoint": .string(base + "/v2/oauth2/tokens/revoke"),
            "jwks_uri": .string(base + "/op/v1/jwks"),
            "response_types_supported": .array(["code"]),
            "subject_types_supported": .array(["public"]),
            "scopes_supported": .array([
                "com.intuit.quickbooks.accounting", "com.intuit.quickbooks.payment", "openid", "profile", "email",
                "phone", "address",
            ]),
            "token_endpoint_auth_methods_supported": .array(["client_secret_basic"]),
        ])
    }
}
