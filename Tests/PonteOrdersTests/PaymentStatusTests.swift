import Testing

@testable import PonteOrders

/// Payment statuses, Asaas's events and the rule that a payment never moves backwards.
@Suite struct PaymentStatusTests {
    static func event(_ name: String) -> AsaasPaymentEvent { AsaasPaymentEvent(rawValue: name) }

    /// Replays `events` from `start`, as webhook deliveries in that order.
    static func replay(_ events: [String], from start: PaymentStatus = .pending) -> (status: PaymentStatus, changes: [PaymentStatus?]) {
        var status = start
        var changes: [PaymentStatus?] = []
        for name in events {
            let next = status.next(after: event(name))
            changes.append(next)
            if let next { status = next }
        }
        return (status, changes)
    }

    @Test func asaasEventsMapAsTheSeedSays() {
        #expect(Self.event("PAYMENT_CONFIRMED").paymentStatus == .paid)
        #expect(Self.event("PAYMENT_RECEIVED").paymentStatus == .paid)
        #expect(Self.event("PAYMENT_OVERDUE").paymentStatus == .failed)
        #expect(Self.event("PAYMENT_DELETED").paymentStatus == .cancelled)
        #expect(Self.event("PAYMENT_REFUNDED").paymentStatus == .refunded)
        #expect(AsaasPaymentEvent.paymentReceived == Self.event("PAYMENT_RECEIVED"))
    }

    @Test(arguments: ["PAYMENT_CREATED", "PAYMENT_UPDATED", "PAYMENT_REFUND_FAILED", "PAYMENT_PARTIALLY_REFUNDED", "payment_received", ""])
    func otherEventsChangeNothing(name: String) {
        #expect(Self.event(name).paymentStatus == nil)
        for status in PaymentStatus.allCases {
            #expect(status.next(after: Self.event(name)) == nil)
        }
    }

    @Test func aPaymentMovesOnlyForwardByTheDocumentedRules() {
        let forward: Set<[PaymentStatus]> = [
            [.pending, .failed], [.pending, .cancelled], [.pending, .paid], [.pending, .refunded],
            [.failed, .cancelled], [.failed, .paid], [.failed, .refunded],
            [.cancelled, .paid], [.cancelled, .refunded],
            [.paid, .refunded],
        ]
        for from in PaymentStatus.allCases {
            for to in PaymentStatus.allCases {
                #expect(from.advanced(to: to) == (forward.contains([from, to]) ? to : nil), "\(from) → \(to)")
            }
        }
    }

    @Test func theHappyPathAndItsDuplicates() {
        let run = Self.replay(["PAYMENT_CONFIRMED", "PAYMENT_RECEIVED", "PAYMENT_RECEIVED"])
        #expect(run.status == .paid)
        #expect(run.changes == [.paid, nil, nil])
    }

    @Test func aLateConfirmationAfterTheRefundChangesNothing() {
        let run = Self.replay(["PAYMENT_RECEIVED", "PAYMENT_REFUNDED", "PAYMENT_CONFIRMED", "PAYMENT_RECEIVED", "PAYMENT_OVERDUE"])
        #expect(run.status == .refunded)
        #expect(run.changes == [.paid, .refunded, nil, nil, nil])
    }

    @Test func aRefundThatArrivesFirstIsFinal() {
        let run = Self.replay(["PAYMENT_REFUNDED", "PAYMENT_RECEIVED"])
        #expect(run.status == .refunded)
        #expect(run.changes == [.refunded, nil])
    }

    @Test func anOverduePixPaidLateIsPaid() {
        let run = Self.replay(["PAYMENT_OVERDUE", "PAYMENT_OVERDUE", "PAYMENT_RECEIVED"])
        #expect(run.status == .paid)
        #expect(run.changes == [.failed, nil, .paid])
    }

    @Test func anOverdueNoticeOrDeletionDeliveredAfterThePaymentChangesNothing() {
        let run = Self.replay(["PAYMENT_RECEIVED", "PAYMENT_OVERDUE", "PAYMENT_DELETED"])
        #expect(run.status == .paid)
        #expect(run.changes == [.paid, nil, nil])
    }

    @Test func aDeletedChargeIsNotOverdueButMoneyReceivedStillCounts() {
        #expect(Self.replay(["PAYMENT_OVERDUE", "PAYMENT_DELETED"]).status == .cancelled)
        #expect(Self.replay(["PAYMENT_DELETED", "PAYMENT_OVERDUE"]).changes == [.cancelled, nil])
        #expect(Self.replay(["PAYMENT_DELETED", "PAYMENT_RECEIVED"]).status == .paid)
    }

    @Test func aCashOrderIgnoresEveryPaymentEvent() {
        let run = Self.replay(["PAYMENT_RECEIVED", "PAYMENT_OVERDUE", "PAYMENT_REFUNDED"], from: .notApplicable)
        #expect(run.status == .notApplicable)
        #expect(run.changes == [nil, nil, nil])
    }

    @Test func onlyCashIsPaidOffline() {
        #expect(PaymentMethod.allCases.filter(\.isOnline) == [.pix, .credit, .debit])
        #expect(PaymentMethod.pix.initialPaymentStatus == .pending)
        #expect(PaymentMethod.cash.initialPaymentStatus == .notApplicable)
        #expect(PaymentMethod.allCases.map(\.rawValue) == ["PIX", "CREDIT", "DEBIT", "CASH"])
        #expect(
            PaymentStatus.allCases.map(\.rawValue) == ["PENDING", "PAID", "FAILED", "CANCELLED", "REFUNDED", "NOT_APPLICABLE"])
    }
}
