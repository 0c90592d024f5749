import ChorusCore
import Foundation
import Testing

/// ``Correlation`` — what an event does to a bundle — over every combination of how the bundle was found,
/// what kind of message the event is, each draft state, edited or not, redrafted to the same or another text
/// or not at all, with or without changed facts. The expectations are tables written out here, not a second
/// copy of the function.
struct CorrelationTests {
    static let opened = Date(timeIntervalSince1970: 1_483_875_900)
    static let slot = DraftSlot(participant: "de-foreign-office", channel: .x, language: "de")

    /// The event that opened the bundle: four killed, seventeen injured, in Jerusalem.
    static func alert() -> Event {
        Event(id: "alert-1", source: "ops", kind: "terror_attack", incident: "jerusalem-2017-01-08", sentAt: opened,
              occurredAt: opened, countries: ["IL"], place: "Jerusalem", severity: .severe, certainty: .observed,
              fatalities: 4, injured: 17)
    }

    static func event(_ type: Event.MessageType, factsChanged: Bool, sentLater: Bool = true, id: String = "follow-1") -> Event {
        var event = alert()
        event.id = id
        event.msgType = type
        event.references = type == .alert ? [] : ["alert-1"]
        event.sentAt = opened.addingTimeInterval(sentLater ? 3600 : -3600)
        // A new headline is not a fact: it alone changes nothing.
        event.headline = ["en": "Jerusalem attack: figures revised"]
        if factsChanged { event.injured = 15 }
        return event
    }

    static func draft(_ slot: DraftSlot = slot, text: String) -> Draft {
        Draft(participant: slot.participant, participantName: slot.participant, country: "DE", handle: "@AuswaertigesAmt",
              channel: slot.channel, language: slot.language, text: text, length: text.count, limit: 280, state: .pending,
              problem: nil, isDrill: false)
    }

    static func plan(_ drafts: [Draft]) -> BundlePlan {
        BundlePlan(ruleID: "deadly-attack", ruleSetVersion: "v1", eventID: "follow-1", msgType: .update, references: ["alert-1"],
                   isDrill: false, incidentKey: "jerusalem-2017-01-08",
                   suppression: SuppressionKey(key: "k", windowSeconds: 60, until: opened), 
                   release: ReleasePlan(policy: .all, notBefore: opened, expiresAt: opened.addingTimeInterval(3600)),
                   drafts: drafts, actionItems: [], draftedAt: opened)
    }

    static func bundle(_ drafts: [DraftSnapshot], feed: String = "ops") -> CorrelatedBundle {
        CorrelatedBundle(id: 7, incidentKey: "jerusalem-2017-01-08", current: alert(), currentFeed: feed, drafts: drafts)
    }

    static let text = "Wir sind erschüttert über den Anschlag in Israel."

    /// How the plan treats the draft's slot.
    enum Redraft: String, CaseIterable {
        /// The plan has no draft for the slot (a cancel; a rule that no longer names the participant).
        case absent
        /// The same words for the new facts.
        case same
        /// Other words.
        case different
    }

    // MARK: What the event is to the bundle

    /// link, message type, same feed, same incident → relation (the event sent after the bundle's facts).
    static let relations: [(CorrelationLink, Event.MessageType, Bool, Bool, EventRelation)] = [
        (.reference, .alert, true, true, .update), (.reference, .alert, false, false, .update),
        (.reference, .update, true, true, .update), (.reference, .update, false, false, .update),
        (.reference, .cancel, true, true, .cancel), (.reference, .cancel, false, false, .cancel),
        (.incident, .alert, true, true, .update), (.incident, .alert, false, true, .report),
        (.incident, .alert, true, false, .report), (.incident, .alert, false, false, .report),
        (.incident, .update, true, true, .update), (.incident, .update, false, false, .update),
        (.incident, .cancel, true, true, .cancel), (.incident, .cancel, false, false, .cancel),
        (.suppression, .alert, true, true, .report), (.suppression, .alert, false, false, .report),
        (.suppression, .update, true, true, .report), (.suppression, .update, false, false, .report),
        (.suppression, .cancel, true, true, .unrelated), (.suppression, .cancel, false, false, .unrelated),
    ]

    @Test func everyLinkAndMessageTypeHasItsRelation() {
        var seen = Set<String>()
        for (link, type, sameFeed, sameIncident, expected) in Self.relations {
            var event = Self.event(type, factsChanged: false)
            if !sameIncident { event.incident = "another-incident" }
            let relation = Correlation.relation(of: event, feed: sameFeed ? "ops" : "newswire", link: link, to: Self.bundle([]))
            #expect(relation == expected, "\(link) \(type) sameFeed=\(sameFeed) sameIncident=\(sameIncident)")
            seen.insert("\(link)|\(type)")
        }
        #expect(seen.count == CorrelationLink.allCases.count * Event.MessageType.allCases.count)
    }

    @Test(arguments: CorrelationLink.allCases, Event.MessageType.allCases)
    func anEventOlderThanTheBundlesFactsNeverChangesThem(link: CorrelationLink, type: Event.MessageType) {
        let stale = Self.event(type, factsChanged: true, sentLater: false)
        let relation = Correlation.relation(of: stale, feed: "ops", link: link, to: Self.bundle([]))
        switch (link, type) {
        case (.suppression, .cancel): #expect(relation == .unrelated)
        case (_, .cancel): #expect(relation == .cancel, "a cancel is a cancel, whenever it was sent")
        default: #expect(relation == .report)
        }
    }

    @Test func theRoleRecordedForEachRelation() {
        #expect(EventRelation.update.role == .update)
        #expect(EventRelation.cancel.role == .cancel)
        #expect(EventRelation.report.role == .correlated)
        #expect(EventRelation.unrelated.role == nil)
    }

    // MARK: An update, for one draft in every state

    /// (edited, redraft, facts changed) → what happens to a pending, needs-edit or approved draft.
    static let unreleased: [String: String] = [
        "fresh absent same": "keep", "fresh absent changed": "restate",
        "fresh same same": "keep", "fresh same changed": "restate",
        "fresh different same": "supersede", "fresh different changed": "supersede",
        "edited absent same": "keep", "edited absent changed": "restate",
        "edited same same": "keep", "edited same changed": "restate",
        "edited different same": "keep", "edited different changed": "restate",
    ]

    /// The same for a released draft: it cannot change; reviewers are told when its words or facts would.
    static let released: [String: String] = [
        "fresh absent same": "keep", "fresh absent changed": "flag",
        "fresh same same": "keep", "fresh same changed": "flag",
        "fresh different same": "flag", "fresh different changed": "flag",
        "edited absent same": "keep", "edited absent changed": "flag",
        "edited same same": "keep", "edited same changed": "flag",
        "edited different same": "flag", "edited different changed": "flag",
    ]

    static func outcome(_ decision: CorrelationDecision, draft id: Int) -> String {
        let mine = decision.drafts.filter { $0.draftID == id }
        guard let only = mine.first else { return "keep" }
        guard mine.count == 1 else { return "twice" }
        switch only {
        case .insert: return "insert"
        case .supersede: return "supersede"
        case .restate: return "restate"
        case .withdraw: return "withdraw"
        case .flag: return "flag"
        }
    }

    @Test(arguments: DraftState.allCases, [false, true])
    func anUpdateForEveryStateEditedOrNotRedraftedOrNotFactsChangedOrNot(state: DraftState, edited: Bool) throws {
        for redraft in Redraft.allCases {
            for factsChanged in [false, true] {
                let key = "\(edited ? "edited" : "fresh") \(redraft.rawValue) \(factsChanged ? "changed" : "same")"
                let snapshot = DraftSnapshot(id: 11, slot: Self.slot, state: state, text: Self.text, revision: edited ? 2 : 1)
                let plan: BundlePlan? = switch redraft {
                case .absent: Self.plan([])
                case .same: Self.plan([Self.draft(text: Self.text)])
                case .different: Self.plan([Self.draft(text: Self.text + " Terror wird uns nicht spalten.")])
                }
                let decision = Correlation.decide(event: Self.event(.update, factsChanged: factsChanged), feed: "ops", link: .reference,
                                                  plan: plan, bundle: Self.bundle([snapshot]))
                let expected: String = switch state {
                case .pending, .needsEdit, .approved: try #require(Self.unreleased[key])
                case .released: try #require(Self.released[key])
                case .rejected, .superseded, .withdrawn, .expired: "keep"
                }
                #expect(decision.relation == .update)
                #expect(Self.outcome(decision, draft: 11) == expected, "\(state) \(key)")
                // The slot was used: whatever its draft's state, it is never drafted a second time.
                #expect(!decision.drafts.contains { if case .insert = $0 { true } else { false } }, "\(state) \(key)")
                // Only a changed text of an approved draft, a return to review or a released draft flags the bundle.
                let reviewed = decision.drafts.contains { decision in
                    switch decision {
                    case .supersede(_, _, let flag): flag != nil
                    case .restate(_, let returns): returns
                    case .flag: true
                    case .insert, .withdraw: false
                    }
                }
                #expect((decision.bundleFlag != nil) == reviewed, "\(state) \(key)")
                if case .restate(_, let returns)? = decision.drafts.first {
                    #expect(returns == (state == .approved), "only an approved draft goes back to review: \(state) \(key)")
                }
                if case .supersede(_, let by, let flag)? = decision.drafts.first {
                    #expect(by.text != Self.text)
                    #expect((flag != nil) == (state == .approved), "\(state) \(key)")
                }
                #expect(decision.movesFacts == factsChanged)
                #expect(decision.changes == (factsChanged ? [FactChange(field: .injured, before: "17", after: "15")] : []))
                #expect(decision.actionItems == .add([]))
            }
        }
    }

    @Test func anUpdateWithoutAPlanKeepsEveryTextAndMovesTheFacts() {
        let drafts = DraftState.allCases.enumerated().map { index, state in
            DraftSnapshot(id: index + 1, slot: DraftSlot(participant: "p\(index)", channel: .x, language: "en"), state: state,
                          text: Self.text, revision: 1)
        }
        let decision = Correlation.decide(event: Self.event(.update, factsChanged: true), feed: "ops", link: .reference, plan: nil,
                                          bundle: Self.bundle(drafts))
        #expect(decision.actionItems == .keep)
        #expect(decision.drafts == [
            .restate(1, returnsToReview: false),  // pending
            .restate(2, returnsToReview: false),  // needs_edit
            .restate(3, returnsToReview: true),   // approved
            .flag(4),                             // released
        ])
        #expect(decision.bundleFlag == "event follow-1 changed the facts: injured: 17 → 15")
    }

    // MARK: A cancel, a report, an unrelated event

    @Test(arguments: DraftState.allCases, CorrelationLink.allCases)
    func aCancelWithdrawsEveryUnreleasedDraftAndFlagsWhatWentOut(state: DraftState, link: CorrelationLink) {
        var cancel = Self.event(.cancel, factsChanged: false)
        // A cancel carries no figures: it applies whatever its own fields say.
        cancel.fatalities = nil
        cancel.injured = nil
        cancel.kind = "other"
        let snapshot = DraftSnapshot(id: 5, slot: Self.slot, state: state, text: Self.text, revision: 1)
        let decision = Correlation.decide(event: cancel, feed: "newswire", link: link,
                                          plan: Self.plan([Self.draft(text: "other words")]), bundle: Self.bundle([snapshot]))
        guard link != .suppression else {
            #expect(decision.relation == .unrelated)
            #expect(decision.drafts.isEmpty && decision.actionItems == .keep && decision.bundleFlag == nil)
            return
        }
        #expect(decision.relation == .cancel)
        #expect(decision.actionItems == .withdraw)
        #expect(decision.changes.isEmpty && !decision.movesFacts)
        switch state {
        case .pending, .needsEdit, .approved: #expect(decision.drafts == [.withdraw(5)])
        case .released: #expect(decision.drafts == [.flag(5)])
        case .rejected, .superseded, .withdrawn, .expired: #expect(decision.drafts.isEmpty)
        }
        #expect((decision.bundleFlag != nil) == (state == .approved || state == .released))
    }

    @Test(arguments: DraftState.allCases, [false, true])
    func aReportChangesNothing(state: DraftState, factsChanged: Bool) {
        var report = Self.event(.alert, factsChanged: factsChanged, id: "newswire-1")
        report.source = "newswire"
        let snapshot = DraftSnapshot(id: 5, slot: Self.slot, state: state, text: Self.text, revision: 1)
        for link in [CorrelationLink.incident, .suppression] {
            let decision = Correlation.decide(event: report, feed: "newswire", link: link,
                                              plan: Self.plan([Self.draft(text: "other words"), Self.draft(DraftSlot(participant: "new", channel: .x, language: "en"), text: "x")]),
                                              bundle: Self.bundle([snapshot]))
            #expect(decision.relation == .report)
            #expect(decision.drafts.isEmpty && decision.changes.isEmpty && decision.actionItems == .keep && decision.bundleFlag == nil)
        }
    }

    // MARK: Slots

    @Test func aSlotTheBundleNeverHadIsDraftedOnceAndUsedSlotsNever() {
        let used = DraftState.allCases.enumerated().map { index, state in
            DraftSnapshot(id: index + 1, slot: DraftSlot(participant: "used-\(index)", channel: .x, language: "en"), state: state,
                          text: "t", revision: 1)
        }
        let fresh = DraftSlot(participant: "fresh", channel: .facebook, language: "fr")
        let plan = Self.plan(used.map { Self.draft($0.slot, text: "t") } + [Self.draft(fresh, text: "a"), Self.draft(fresh, text: "b")])
        let decision = Correlation.decide(event: Self.event(.update, factsChanged: false), feed: "ops", link: .incident, plan: plan,
                                          bundle: Self.bundle(used))
        #expect(decision.drafts == [.insert(Self.draft(fresh, text: "a"))])
        #expect(decision.bundleFlag == nil)
    }

    @Test func theNewestLiveDraftOfASlotIsTheOneDecidedOn() {
        let older = DraftSnapshot(id: 3, slot: Self.slot, state: .pending, text: Self.text, revision: 1)
        let newer = DraftSnapshot(id: 9, slot: Self.slot, state: .approved, text: Self.text, revision: 1)
        let bundle = Self.bundle([newer, older])
        #expect(bundle.liveDrafts == [newer])
        let decision = Correlation.decide(event: Self.event(.update, factsChanged: true), feed: "ops", link: .reference,
                                          plan: Self.plan([Self.draft(text: Self.text)]), bundle: bundle)
        #expect(decision.drafts == [.restate(9, returnsToReview: true)])
    }

    @Test func theStoryOfTheReferenceCase() {
        // Germany's statement was approved; Israel's embassy's Arabic line was edited by a reviewer and
        // approved; the British statement went out; the French one is still pending; the update revises
        // the injured and the English text names the new place.
        let de = DraftSnapshot(id: 1, slot: Self.slot, state: .approved, text: Self.text, revision: 1)
        let ar = DraftSnapshot(id: 2, slot: DraftSlot(participant: "il-embassy-germany", channel: .x, language: "ar"),
                               state: .approved, text: "نقف مع ألمانيا", revision: 2)
        let gb = DraftSnapshot(id: 3, slot: DraftSlot(participant: "gb-fcdo", channel: .x, language: "en"), state: .released,
                               text: "We are shocked by the attack in Jerusalem.", revision: 1)
        let fr = DraftSnapshot(id: 4, slot: DraftSlot(participant: "fr-foreign-ministry", channel: .x, language: "fr"),
                               state: .pending, text: "Nous sommes bouleversés.", revision: 1)
        var update = Self.event(.update, factsChanged: true)
        update.place = "Armon Hanatziv, Jerusalem"
        let plan = Self.plan([
            Self.draft(text: Self.text),
            Self.draft(ar.slot, text: "نقف مع إسرائيل"),
            Self.draft(gb.slot, text: "We are shocked by the attack in Armon Hanatziv, Jerusalem."),
            Self.draft(fr.slot, text: "Nous sommes bouleversés."),
        ])
        let decision = Correlation.decide(event: update, feed: "ops", link: .reference, plan: plan, bundle: Self.bundle([de, ar, gb, fr]))
        #expect(decision.changes.map(\.field) == [.place, .injured])
        #expect(decision.changes.summary == "place: Jerusalem → Armon Hanatziv, Jerusalem; injured: 17 → 15")
        #expect(decision.drafts == [
            .restate(1, returnsToReview: true),     // same words, new facts: approve again
            .restate(2, returnsToReview: true),     // the reviewer's own words are kept, and approved again
            .flag(3),                               // out already: a correction is the reviewers' to write
            .restate(4, returnsToReview: false),    // still pending, now on the new facts
        ])
        #expect(decision.reason == "event follow-1 changed the facts: place: Jerusalem → Armon Hanatziv, Jerusalem; injured: 17 → 15")
    }

    // MARK: Facts

    @Test func everyFactIsComparedAndWordingIsNot() {
        let before = IncidentFacts(Self.alert())
        var event = Self.alert()
        event.headline = ["en": "new"]
        event.description = ["en": "new"]
        event.tags = ["new"]
        event.link = "https://example.org"
        event.location = .init(lat: 1, lon: 2)
        #expect(before.changes(to: IncidentFacts(event)).isEmpty)
        event.kind = "shooting"
        event.countries = ["IL", "PS"]
        event.actors = ["DE"]
        event.name = "Daniel"
        event.place = nil
        event.occurredAt = Self.opened.addingTimeInterval(60)
        event.severity = .extreme
        event.certainty = .likely
        event.alertLevel = .red
        event.magnitude = 6.5
        event.fatalities = 5
        event.injured = nil
        // Fact tags are facts (a motive the authorities established, a figure that is a minimum); other tags are not.
        event.tags = ["new", "motive:islamist", "fatalities:minimum"]
        let changes = before.changes(to: IncidentFacts(event))
        #expect(changes.map(\.field) == FactChange.Field.allCases)
        #expect(changes.map(\.description) == [
            "kind: terror_attack → shooting", "countries: IL → IL,PS", "actors: unknown → DE", "name: unknown → Daniel",
            "place: Jerusalem → unknown",
            "occurredAt: 2017-01-08T11:45:00Z → 2017-01-08T11:46:00Z", "severity: severe → extreme", "certainty: observed → likely",
            "alertLevel: unknown → red", "magnitude: unknown → 6.5", "fatalities: 4 → 5", "injured: 17 → unknown",
            "facts: unknown → fatalities:minimum,motive:islamist",
        ])
    }

    @Test func factsSurviveTheirJSON() throws {
        var event = Self.alert()
        event.magnitude = 7.25
        event.alertLevel = .orange
        let facts = IncidentFacts(event)
        #expect(try IncidentFacts.decode(jsonText: try facts.jsonText()) == facts)
    }
}
