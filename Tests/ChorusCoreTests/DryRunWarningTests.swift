import Foundation
import Testing
@testable import ChorusCore

/// `rules test`'s warning about two rules posting to one account: precise (only accounts both rules
/// actually draft for in the event) and once per pair of rules in the run.
struct DryRunWarningTests {
    static func draft(_ participant: String, _ channel: Channel, _ language: String, handle: String) -> Draft {
        Draft(participant: participant, participantName: participant, country: "DE", handle: handle, channel: channel,
              language: language, text: "\(participant) \(language)", length: 10, limit: 280, state: .pending, problem: nil,
              isDrill: false)
    }

    static func match(_ rule: String, _ drafts: [Draft]) -> DryRunReport.MatchResult {
        DryRunReport.MatchResult(rule: rule, alternative: 0, reasons: [], bundle: CorrelationTests.plan(drafts))
    }

    static func result(_ id: String, _ matches: [DryRunReport.MatchResult]) -> DryRunReport.EventResult {
        DryRunReport.EventResult(event: Event(id: id), matches: matches, warnings: [], why: nil)
    }

    @Test func oneWarningAPairNamingEachSharedAccountOnce() {
        let office = [Self.draft("de-foreign-office", .x, "de", handle: "@AuswaertigesAmt"),
                      Self.draft("de-foreign-office", .x, "en", handle: "@AuswaertigesAmt")]
        let embassy = [Self.draft("de-embassy-israel", .x, "he", handle: "@GermanyinIsrael")]
        let french = [Self.draft("fr-foreign-ministry", .x, "fr", handle: "@francediplo")]
        var results = [
            Self.result("e1", [Self.match("a", office + embassy), Self.match("b", office), Self.match("c", french)]),
            Self.result("e2", [Self.match("a", office), Self.match("b", office)]),
            Self.result("e3", [Self.match("a", embassy), Self.match("b", office)]),
        ]
        DryRunReport.addOverlaps(to: &results)
        #expect(results[0].warnings == [
            "rules a and b would both post to 1 account about this event: de-foreign-office x (@AuswaertigesAmt); again for event e2: "
                + "keep one, or make their conditions exclusive",
        ])
        // Once a pair: not again on e2; e3's rules post to different accounts: no warning; c shares none.
        #expect(results[1].warnings.isEmpty && results[2].warnings.isEmpty)
    }
}
