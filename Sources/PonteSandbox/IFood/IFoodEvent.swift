import Foundation

/// An order event as iFood's polling and webhooks carry it.
struct IFoodEvent: Sendable, Codable, Equatable {
    var id: String
    var code: String
    var fullCode: String
    var orderId: String
    var merchantId: String
    var createdAt: String
    var salesChannel: String
    var metadata: [String: String]?

    /// The short code of each order-status event the simulator produces.
    static let codes: [String: String] = [
        "PLACED": "PLC", "CONFIRMED": "CFM", "PREPARATION_STARTED": "PRS", "READY_TO_PICKUP": "RTP",
        "DISPATCHED": "DSP", "CONCLUDED": "CON", "CANCELLED": "CAN", "CANCELLATION_REQUEST_FAILED": "CARF",
    ]

    /// `2023-02-20T18:19:03.201Z`
    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0,
            parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0, (parts.nanosecond ?? 0) / 1_000_000
        )
    }
}
