/// One line of an order, as seed 003 writes it: what was ordered, how many, at what price,
/// with the customer's changes and notes. Prices are integer centavos.
///
/// ```json
/// {"item_id": "burger_cheese_bacon", "name": "Cheese Bacon", "quantity": 1,
///  "unit_price": 3290, "total_price": 3290,
///  "customizations": {"adicionar": ["cebola caramelizada"], "remover": ["tomate"]},
///  "notes": "Bem passado"}
/// ```
public struct OrderItem: Sendable, Equatable {
    /// The customer's changes to the item; the JSON keys are the seed's Portuguese ones.
    public struct Customizations: Sendable, Equatable {
        /// Extras to put in (`adicionar`).
        public var add: [String]
        /// Ingredients to leave out (`remover`).
        public var remove: [String]

        public init(add: [String] = [], remove: [String] = []) {
            self.add = add
            self.remove = remove
        }
    }

    /// The store's catalogue id (`item_id`).
    public var itemID: String
    public var name: String
    /// How many; at least 1.
    public var quantity: Int
    /// The price of one, in centavos (`unit_price`); 0 for a free item.
    public var unitPrice: Int
    /// `quantity × unit_price` in centavos (`total_price`). A caller may send it, and then it
    /// must agree; nil when left to Ponte. The items of `OrderTotals` always have it.
    public var totalPrice: Int?
    public var customizations: Customizations
    public var notes: String?

    public init(
        itemID: String, name: String, quantity: Int, unitPrice: Int, totalPrice: Int? = nil,
        customizations: Customizations = Customizations(), notes: String? = nil
    ) {
        self.itemID = itemID
        self.name = name
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.totalPrice = totalPrice
        self.customizations = customizations
        self.notes = notes
    }
}

// MARK: - JSON

extension OrderItem: Codable {
    enum CodingKeys: String, CodingKey {
        case itemID = "item_id"
        case name
        case quantity
        case unitPrice = "unit_price"
        case totalPrice = "total_price"
        case customizations
        case notes
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        itemID = try container.decode(String.self, forKey: .itemID)
        name = try container.decode(String.self, forKey: .name)
        quantity = try container.decode(Int.self, forKey: .quantity)
        unitPrice = try container.decode(Int.self, forKey: .unitPrice)
        totalPrice = try container.decodeIfPresent(Int.self, forKey: .totalPrice)
        customizations = try container.decodeIfPresent(Customizations.self, forKey: .customizations) ?? Customizations()
        notes = try container.decodeIfPresent(String.self, forKey: .notes)
    }
}

extension OrderItem.Customizations: Codable {
    enum CodingKeys: String, CodingKey {
        case add = "adicionar"
        case remove = "remover"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        add = try container.decodeIfPresent([String].self, forKey: .add) ?? []
        remove = try container.decodeIfPresent([String].self, forKey: .remove) ?? []
    }
}
