import PonteCore
import Testing

@testable import PonteOrders

/// `OrderStatus`: seed 003's statuses and its transition table.
@Suite struct OrderStatusTests {
    /// Seed 003's `_get_valid_status_transitions`, written out again by hand.
    static let seedTable: [String: [String]] = [
        "PENDING": ["CONFIRMED", "CANCELLED", "REFUNDED"],
        "CONFIRMED": ["PREPARING", "CANCELLED", "REFUNDED"],
        "PREPARING": ["READY", "CANCELLED", "REFUNDED"],
        "READY": ["DELIVERING", "COMPLETED", "CANCELLED", "REFUNDED"],
        "DELIVERING": ["DELIVERED", "CANCELLED", "REFUNDED"],
        "DELIVERED": ["COMPLETED"],
        "COMPLETED": [],
        "CANCELLED": ["REFUNDED"],
        "REFUNDED": [],
    ]

    @Test func theStatusesAreTheSeedsNineWithTheirJSONValues() throws {
        #expect(Set(OrderStatus.allCases.map(\.rawValue)) == Set(Self.seedTable.keys))
        #expect(OrderStatus(rawValue: "COMPLETED") == .completed)
        #expect(OrderStatus(rawValue: "pending") == nil)
    }

    @Test func everyPairOfStatusesIsDecidedAsTheSeedsTableSays() throws {
        var allowedCount = 0
        for from in OrderStatus.allCases {
            let allowed = try #require(Self.seedTable[from.rawValue])
            #expect(from.allowedNextStatuses.map(\.rawValue) == allowed)
            for to in OrderStatus.allCases {
                let decision = from.change(to: to)
                if to == from {
                    #expect(decision == .unchanged, "\(from) → \(to)")
                } else if allowed.contains(to.rawValue) {
                    #expect(decision == .allowed, "\(from) → \(to)")
                    allowedCount += 1
                } else {
                    #expect(decision == .invalid(from: from, to: to, allowed: from.allowedNextStatuses), "\(from) → \(to)")
                }
            }
        }
        #expect(allowedCount == 18)
    }

    @Test(arguments: [
        (OrderStatus.pending, OrderStatus.preparing), (.pending, .delivered), (.confirmed, .pending), (.ready, .preparing),
        (.delivering, .ready), (.delivered, .refunded), (.delivered, .cancelled), (.cancelled, .confirmed),
        (.completed, .refunded), (.refunded, .cancelled), (.refunded, .pending),
    ])
    func aChangeOutsideTheTableIsRefusedWith409(from: OrderStatus, to: OrderStatus) throws {
        let refusal = try #require(from.change(to: to).refusal)
        #expect(refusal.code == "INVALID_STATUS_TRANSITION")
        #expect(refusal.httpStatus == 409)
        #expect(refusal.field == "status")
        #expect(refusal.message.contains(from.rawValue) && refusal.message.contains(to.rawValue))
        #expect(
            refusal.details
                == .object([
                    "field": .string("status"), "from": .string(from.rawValue), "to": .string(to.rawValue),
                    "allowed": .array(from.allowedNextStatuses.map { .string($0.rawValue) }),
                ]))
    }

    @Test func theSameStatusAgainIsUnchangedEvenWhenFinal() {
        #expect(OrderStatus.refunded.change(to: .refunded) == .unchanged)
        #expect(OrderStatus.completed.change(to: .completed) == .unchanged)
        #expect(OrderStatus.pending.change(to: .pending).refusal == nil)
    }

    @Test func onlyCompletedAndRefundedAreFinal() {
        #expect(OrderStatus.allCases.filter(\.isFinal) == [.completed, .refunded])
        #expect(OrderStatus.completed.change(to: .cancelled) == .invalid(from: .completed, to: .cancelled, allowed: []))
        #expect(OrderStatus.refunded.change(to: .cancelled).refusal?.message.contains("final") == true)
    }

    @Test func actorsAreTheSeedsWithIFood() {
        #expect(StatusChangeActor.allCases.map(\.rawValue) == ["RESTAURANT", "CUSTOMER", "SYSTEM", "IFOOD"])
    }
}
