import Foundation
import Testing
@testable import ChorusCore

/// The gesture catalogue (`Rules/landmarks.json5`): what each landmark's owner can do, the notice it needs,
/// and the owner's own post; a gesture whose time has passed is flagged and planned ahead, never in the past.
struct GestureCatalogueTests {
    static func jerusalem() throws -> (RuleSet, Rule, Event) {
        let set = try RepositoryPaths.shipped()
        let event = try #require(set.drill(id: "jerusalem-2017")?.events().first)
        return (set, try #require(set.rule(id: "attack")), event)
    }

    @Test func aGestureDraftedInTimeIsNotLate() throws {
        let (set, rule, event) = try Self.jerusalem()
        let sent = try #require(event.sentAt)
        let item = try #require(BundlePlanner.plan(event: event, rule: rule, ruleSet: set, now: sent).actionItems.first)
        #expect(item.action == "light_landmark")
        #expect(item.late == nil)
        #expect(item.summary.hasPrefix("[DRILL] Light the Brandenburg Gate (Berlin) in the colours of the flag of Israel (blue, white) at dusk on Monday, 9 January 2017"))
        #expect(item.summary.contains("ask Senate of Berlin, who needs 12 hours’ notice. Amplify its own post: @RegBerlin (handle unverified)."))
        #expect(item.ownerAccount == "@RegBerlin (handle unverified)")
    }

    @Test func aDelayedReportIsFlaggedNotScheduled() throws {
        let (set, rule, drill) = try Self.jerusalem()
        var event = drill
        event.status = .actual
        let now = try #require(RFC3339.parse("2026-12-01T10:00:00Z"))
        let plan = BundlePlanner.plan(event: event, rule: rule, ruleSet: set, now: now)
        let item = try #require(plan.actionItems.first)
        #expect(item.late == true)
        #expect(item.localTime.hasPrefix("2017-01-09T16:5"), "a time that passed is kept, flagged, not moved")
        #expect(item.summary.hasPrefix("LATE: Monday, 9 January 2017 at 16:5"))
        #expect(item.summary.contains("has passed: nothing is scheduled"))
        // The post about the gesture waits for the gesture as planned, not for the evening that has passed.
        let gesturePosts = plan.drafts.filter { $0.phase == "gesture" }
        #expect(!gesturePosts.isEmpty && gesturePosts.allSatisfy { ($0.notBefore ?? .distantPast) >= item.at })
    }

    @Test func aReplayedDrillIsFlaggedToo() throws {
        let (set, rule, event) = try Self.jerusalem()
        let now = try #require(RFC3339.parse("2026-12-01T10:00:00Z"))
        let item = try #require(BundlePlanner.plan(event: event, rule: rule, ruleSet: set, now: now).actionItems.first)
        #expect(item.late == true)
        #expect(item.localTime.hasPrefix("2017-01-09T16:5"))
        #expect(item.summary.hasPrefix("[DRILL] LATE: Monday, 9 January 2017"))
    }

    @Test func theOwnersLeadTimeMovesTheGestureToTheNextEvening() throws {
        let (set, rule, drill) = try Self.jerusalem()
        // Reported at 10:10 in Jerusalem, the gate could be lit at dusk the same day (6 hours later), but the
        // Senate needs twelve hours' notice: the next evening, without a flag.
        var event = drill
        event.status = .actual
        event.occurredAt = RFC3339.parse("2017-01-08T08:00:00Z")
        let now = try #require(RFC3339.parse("2017-01-08T08:10:00Z"))
        let item = try #require(BundlePlanner.plan(event: event, rule: rule, ruleSet: set, now: now).actionItems.first)
        #expect(item.late == nil)
        #expect(item.localTime.hasPrefix("2017-01-09T16:5"))
        // An update keeps the time already asked for: the owner was asked at the first report.
        var update = event
        update.msgType = .update
        let kept = try #require(BundlePlanner.plan(event: update, rule: rule, ruleSet: set, now: now).actionItems.first)
        #expect(kept.localTime.hasPrefix("2017-01-08T16:5"))
    }

    @Test func telAvivProjectsTheFlag() throws {
        let set = try RepositoryPaths.shipped()
        let event = try #require(set.drill(id: "berlin-2016")?.events().first)
        let plan = try #require(BundlePlanner.plans(event: event, ruleSet: set, now: event.sentAt ?? Date()).first)
        let item = try #require(plan.actionItems.first { $0.landmark == "tel-aviv-city-hall" })
        #expect(item.action == "project_flag")
        #expect(item.summary.contains("Project the flag of Germany (black, red, gold) onto Tel Aviv City Hall (Tel Aviv-Yafo) at dusk"))
    }

    @Test func theEiffelTowerIsSwitchedOffNotLit() throws {
        let shipped = try RepositoryPaths.shipped()
        let tower = try #require(shipped.landmarks["eiffel-tower"])
        #expect(tower.display == .dark)
        let participant = Participant(id: "p", name: "P", country: "FR", languages: ["fr"], timeZone: "Europe/Paris",
                                      accounts: [Participant.Account(channel: .x, handle: "@p", languages: ["fr"])])
        let rule = Rule(id: "mourning", description: "", conditions: [RuleConditions(kinds: ["terror_attack"])],
                        senders: [RuleSender(participant: "p")],
                        templates: ["fr": LanguageTemplates(fallback: try Template("Hommage aux victimes {{where}}."), byChannel: [:])],
                        gestures: [Gesture(landmark: "eiffel-tower", time: .localTime(hour: 0, minute: 0), preparation: .seconds(3600))])
        let set = RuleSet(rules: [rule], participants: ["p": participant], landmarks: ["eiffel-tower": tower])
        let event = Event(id: "e", kind: "terror_attack", occurredAt: RFC3339.parse("2017-08-17T14:50:00Z"), countries: ["ES"], fatalities: 13)
        let occurred = try #require(event.occurredAt)
        let item = try #require(BundlePlanner.plan(event: event, rule: rule, ruleSet: set, now: occurred).actionItems.first)
        #expect(item.action == "switch_off_landmark")
        #expect(item.colours.isEmpty)
        #expect(item.summary.hasPrefix("Switch off the lights of the Eiffel Tower (Paris) in mourning for the victims in Spain at 00:00"))
        #expect(item.localTime == "2017-08-18T00:00:00+02:00")
        #expect(item.ownerAccount == "@LaTourEiffel")
    }

    @Test func whatAnOwnerCanDoIsChecked() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-landmarks-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(at: RepositoryPaths.rules, to: directory)
        let file = directory.appendingPathComponent("landmarks.json5")
        let text = try String(contentsOf: file, encoding: .utf8)
            .replacingOccurrences(of: "display: \"dark\", leadTime: \"4h\"", with: "display: \"neon\", leadTime: \"soon\"")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let problems = RuleSet.check(directory: directory).map(\.description)
        #expect(problems.contains { $0.hasPrefix("landmarks.json5:") && $0.hasSuffix("'neon' is not one of colours, flag, dark") })
    }
}
