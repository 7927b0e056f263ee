/// Who changed an order's status, as recorded in its status history (`by`).
public enum StatusChangeActor: String, Sendable, CaseIterable, Codable, Hashable {
    /// The store, from its POS or the dashboard.
    case restaurant = "RESTAURANT"
    /// The customer, through the WhatsApp bot (a cancellation).
    case customer = "CUSTOMER"
    /// Ponte itself: creation, automatic confirmation, a deadline, a payment event.
    case system = "SYSTEM"
    /// iFood, for orders that came from it.
    case ifood = "IFOOD"
}
