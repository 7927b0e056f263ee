import Crypto
import Foundation
import PonteKit
import PonteProviders

/// Store API keys, for a store's POS: `ponte_sk_` and 32 random bytes in hex, shown once and
/// kept only as their SHA-256. A POS sends it as `Authorization: Bearer <key>` and is then the
/// caller of role `store`, limited to its store.
enum StoreKeys {
    static let prefix = "ponte_sk_"
    static let role = "store"
    static let scope = "store_id"

    /// A new key and its stored hash.
    static func generate() -> (key: String, hash: String) {
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        let key = prefix + Hex.string(bytes)
        return (key, hash(key))
    }

    static func hash(_ key: String) -> String {
        sha256(Data(key.utf8))
    }

    /// The SHA-256 of `data`, in lowercase hex.
    static func sha256(_ data: Data) -> String {
        Hex.string(SHA256.hash(data: data))
    }

    /// The first characters of a key, to tell keys apart in lists and logs.
    static func displayPrefix(_ key: String) -> String { String(key.prefix(prefix.count + 6)) }
}

/// What a caller may see: everything (admins), or one store's orders and stream (a store key).
struct OrdersAccess {
    let caller: Caller

    init(_ context: APIRequestContext) throws {
        caller = try context.requireCaller()
        guard caller.isAdmin || caller.scopes[StoreKeys.scope] != nil else {
            throw APIError.forbidden("this endpoint needs role 'admin' or a store API key; the credential has role '\(caller.role)'")
        }
    }

    /// The store the caller is limited to, if any.
    var storeID: String? { caller.isAdmin ? nil : caller.scopes[StoreKeys.scope] }

    func mayAccess(storeID: String) -> Bool { self.storeID == nil || self.storeID == storeID }
}
