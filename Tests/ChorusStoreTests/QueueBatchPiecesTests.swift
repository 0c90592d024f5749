import ChorusCore
import ChorusStore
import Foundation
import Testing

/// Cutting batches into pieces: order kept, cursor and rejections with the last piece, nothing dropped.
struct QueueBatchPiecesTests {
    static func batch(events: Int, plansEach: [Int], rejections: Int) -> QueueBatch {
        let plan = BundlePlan(ruleID: "r", ruleSetVersion: "v", eventID: "e", msgType: .alert, references: [], isDrill: false,
                              incidentKey: "i", suppression: SuppressionKey(key: "k", windowSeconds: 1, until: Date()),
                              release: ReleasePlan(policy: .each, notBefore: Date(), expiresAt: Date()), drafts: [], actionItems: [],
                              draftedAt: Date())
        return QueueBatch(
            source: "s",
            events: (0..<events).map { PlannedEvent(event: Event(id: "e\($0)"), plans: Array(repeating: plan, count: plansEach[$0 % plansEach.count])) },
            rejections: (0..<rejections).map { RejectedInput(item: "r\($0)", reason: "x", raw: nil) },
            cursor: "c")
    }

    @Test(arguments: [(10, [1], 0, 4), (10, [0], 3, 4), (7, [2, 0, 5], 2, 3), (1, [9], 1, 1), (0, [1], 5, 1000)])
    func chunksAreBoundedAndComplete(events: Int, plans: [Int], rejections: Int, maximum: Int) {
        let batch = Self.batch(events: events, plansEach: plans, rejections: rejections)
        let pieces = batch.chunked(maximumPlans: maximum)
        #expect(pieces.flatMap(\.events).map(\.event.id) == batch.events.map(\.event.id))
        #expect(pieces.flatMap(\.rejections).map(\.item) == batch.rejections.map(\.item))
        #expect(pieces.last?.cursor == "c" && pieces.dropLast().allSatisfy { $0.cursor == nil && $0.rejections.isEmpty })
        #expect(pieces.allSatisfy { $0.planCount <= maximum || $0.events.count == 1 })
    }

    @Test(arguments: [(2, 0), (0, 2), (5, 3), (1, 1), (1000, 7)])
    func halvesSplitEveryItemOnce(events: Int, rejections: Int) throws {
        let batch = Self.batch(events: events, plansEach: [1], rejections: rejections)
        let (first, rest) = try #require(batch.halves())
        #expect(first.itemCount >= 1 && rest.itemCount >= 1)
        #expect((first.events + rest.events).map(\.event.id) == batch.events.map(\.event.id))
        #expect((first.rejections + rest.rejections).map(\.item) == batch.rejections.map(\.item))
        #expect(first.cursor == nil && rest.cursor == "c")
    }
}
