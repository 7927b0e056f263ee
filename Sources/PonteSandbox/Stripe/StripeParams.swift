import PonteProviders

/// The parameters of a Stripe API request, decoded from a form body or a query string.
///
/// Stripe's SDKs send nested objects as bracketed keys (`metadata[order_id]=A-17`,
/// `shipping[address][city]=...`) and lists as indexed keys (`payment_method_types[0]=card`);
/// other clients send `expand[]=...`. Brackets may be literal or percent-encoded (`%5B`/`%5D`):
/// the form decoding turns both into the same name before the name is split here.
struct StripeParams: Sendable, Equatable {
    /// One parameter: a string, or a hash of nested parameters. A list is a hash whose keys
    /// are indices (`[0]`, `[1]`; `[]` appends the next index).
    indirect enum Value: Sendable, Equatable {
        case string(String)
        case hash([String: Value])
    }

    /// The top-level parameters.
    private(set) var values: [String: Value]
    /// The decoded pairs, sorted: what an idempotency fingerprint compares.
    let canonicalForm: String

    /// Parameters from form-encoded bytes (a request body or a query string).
    static func decode(_ bytes: some Collection<UInt8>) throws(StripeError) -> StripeParams {
        try StripeParams(pairs: FormURLEncoded.parse(bytes))
    }

    init(pairs: [(name: String, value: String)]) throws(StripeError) {
        var root: [String: Value] = [:]
        for (name, value) in pairs {
            let path = Self.path(of: name)
            guard let first = path.first, !first.isEmpty else { continue }
            root[first] = try Self.inserting(value, at: path.dropFirst(), into: root[first], name: first)
        }
        values = root
        canonicalForm = pairs.map { "\($0.name)=\($0.value)" }.sorted().joined(separator: "&")
    }

    /// `a[b][c]` → `["a", "b", "c"]`; `a[]` → `["a", ""]`. A name whose brackets do not
    /// pair up is taken whole.
    static func path(of name: String) -> [String] {
        guard let open = name.firstIndex(of: "[") else { return [name] }
        var path = [String(name[..<open])]
        var rest = name[open...]
        while !rest.isEmpty {
            guard rest.first == "[", let close = rest.firstIndex(of: "]") else { return [name] }
            path.append(String(rest[rest.index(after: rest.startIndex)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return path
    }

    private static func inserting(
        _ value: String, at path: ArraySlice<String>, into node: Value?, name: String
    ) throws(StripeError) -> Value {
        guard let key = path.first else {
            if case .hash = node { throw StripeError.invalidHash(name) }
            return .string(value)
        }
        var children: [String: Value]
        switch node {
        case nil: children = [:]
        case .hash(let existing): children = existing
        case .string: throw StripeError.invalidHash(name)
        }
        let slot = key.isEmpty ? String(children.count) : key
        children[slot] = try inserting(value, at: path.dropFirst(), into: children[slot], name: "\(name)[\(slot)]")
        return .hash(children)
    }

    // MARK: Reading parameters

    var names: Set<String> { Set(values.keys) }

    func contains(_ name: String) -> Bool { values[name] != nil }

    /// Refuses any top-level parameter outside `allowed`, as Stripe does.
    func requireOnly(_ allowed: Set<String>) throws(StripeError) {
        if let unknown = values.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw StripeError.unknownParameter(unknown)
        }
    }

    func string(_ name: String) throws(StripeError) -> String? {
        switch values[name] {
        case nil: return nil
        case .string(let value): return value
        case .hash: throw StripeError.invalidString(name)
        }
    }

    func requiredString(_ name: String) throws(StripeError) -> String {
        guard let value = try string(name), !value.isEmpty else { throw StripeError.missing(name) }
        return value
    }

    /// An integer (`amount`, `limit`); Stripe refuses decimals and anything else that is not digits.
    func int(_ name: String) throws(StripeError) -> Int? {
        guard let text = try string(name) else { return nil }
        guard let value = Int(text) else { throw StripeError.invalidInteger(name, text) }
        return value
    }

    func bool(_ name: String) throws(StripeError) -> Bool? {
        guard let text = try string(name) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: throw StripeError.invalidBoolean(name, text)
        }
    }

    /// One of `allowed`, or nil when absent.
    func choice(_ name: String, in allowed: [String]) throws(StripeError) -> String? {
        guard let value = try string(name) else { return nil }
        guard allowed.contains(value) else { throw StripeError.notOneOf(name, allowed) }
        return value
    }

    /// A list of strings, sent indexed (`a[0]=x`) or appended (`a[]=x`).
    func strings(_ name: String) throws(StripeError) -> [String]? {
        switch values[name] {
        case nil: return nil
        case .string(let value): return value.isEmpty ? [] : [value]
        case .hash(let items):
            var indexed: [(Int, String)] = []
            for (key, item) in items {
                guard let index = Int(key), case .string(let value) = item else { throw StripeError.invalidArray(name) }
                indexed.append((index, value))
            }
            return indexed.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// Changes to `metadata`: a value per key, nil for a key sent empty (which Stripe
    /// deletes). `metadata=` (empty) clears every key, reported as `clearAll`.
    func metadata(_ name: String = "metadata") throws(StripeError) -> (clearAll: Bool, changes: [String: String?])? {
        switch values[name] {
        case nil: return nil
        case .string(let value):
            guard value.isEmpty else { throw StripeError.invalidHash(name) }
            return (true, [:])
        case .hash(let items):
            var changes: [String: String?] = [:]
            for (key, item) in items {
                guard case .string(let value) = item else { throw StripeError.invalidHash("\(name)[\(key)]") }
                changes.updateValue(value.isEmpty ? nil : value, forKey: key)
            }
            return (false, changes)
        }
    }

    /// A nested hash as JSON strings (`address`, `shipping`), for objects kept as sent.
    func json(_ name: String) -> StripeJSON? {
        func convert(_ value: Value) -> StripeJSON {
            switch value {
            case .string(let text): return .string(text)
            case .hash(let items): return .object(items.mapValues(convert))
            }
        }
        return values[name].map(convert)
    }
}

extension [String: String] {
    /// These metadata after `update` (see `StripeParams.metadata`).
    func applying(_ update: (clearAll: Bool, changes: [String: String?])?) -> [String: String] {
        guard let update else { return self }
        var result = update.clearAll ? [:] : self
        for (key, value) in update.changes { result[key] = value }
        return result
    }
}
