@testable import ChorusCLI
import ChorusCore
@testable import ChorusStore
import Foundation
import Testing

/// How `chorus review watch` groups audit rows into lines.
struct ReviewWatchRunsTests {
    func row(_ id: Int, draft: Int, _ action: AuditAction, note: String? = nil, actor: String = "chorus") -> AuditRecord {
        AuditRecord(id: id, draftId: draft, actor: actor, action: action, note: note, beforeText: nil, afterText: nil,
                    beforeFacts: nil, afterFacts: nil, at: Date(timeIntervalSince1970: 1_800_000_000))
    }

    @Test func aBundleOpenedWithDraftsThatNeedAnEditIsOneRun() {
        // A draft over its limit is drafted with its problem as the note.
        let runs = ReviewWatchCommand.runs([
            (7, row(1, draft: 11, .drafted)),
            (7, row(2, draft: 12, .drafted, note: "301 characters, over the limit of 280")),
            (7, row(3, draft: 13, .drafted)),
            (8, row(4, draft: 21, .drafted)),
        ])
        #expect(runs.map(\.bundle) == [7, 8])
        #expect(runs[0].rows.compactMap(\.draftId) == [11, 12, 13])
    }

    @Test func otherActionsStillSplitByNoteAndActor() {
        let runs = ReviewWatchCommand.runs([
            (7, row(1, draft: 11, .rejected, note: "tone", actor: "alice")),
            (7, row(2, draft: 12, .rejected, note: "facts", actor: "alice")),
            (7, row(3, draft: 13, .approved, actor: "alice")),
            (7, row(4, draft: 14, .approved, actor: "bob")),
            (7, row(5, draft: 15, .approved, actor: "bob")),
        ])
        #expect(runs.map { $0.rows.compactMap(\.draftId) } == [[11], [12], [13], [14, 15]])
    }
}
