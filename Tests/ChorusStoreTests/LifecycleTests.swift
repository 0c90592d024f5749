import ChorusCore
import ChorusStore
import Foundation
import Postgres
import Testing
import TestSupport

/// The lifecycle of migration 5 against a real server, with the roles of Deploy/roles.sql: updates and
/// cancels applied by reference, drafts whose facts changed kept from release until approved again,
/// release per government and per draft, final states reported as such, and the upgrade of older rows.
struct LifecycleTests {
    let fixture: ReviewFixture
    let alice: ReviewStore
    let bob: ReviewStore
    let daemon: Connection

    init() throws {
        fixture = try ReviewFixture()
        alice = try fixture.store(as: ReviewFixture.reviewers[0])
        bob = try fixture.store(as: ReviewFixture.reviewers[1])
        daemon = try fixture.connect(as: ReviewFixture.daemon)
    }

    /// The live event of the fixture, as stored.
    func liveEvent() throws -> Event {
        try #require(try alice.bundle(fixture.liveBundle).events.first?.event)
    }

    /// An update of the live event: sent an hour after it, `change` applied.
    func update(_ id: String = "live-jerusalem-2017-02", _ change: (inout Event) -> Void) throws -> Event {
        var event = try liveEvent()
        event.id = id
        event.msgType = .update
        event.references = ["live-jerusalem-2017-01"]
        event.sentAt = (event.sentAt ?? Date()).addingTimeInterval(3600)
        change(&event)
        return event
    }

    /// Writes `events` as the daemon would, planned now with the shipped rules (`planner: false`: without
    /// the rules, as a writer that only has the plans).
    @discardableResult
    func write(_ events: [Event], planner: Bool = true) throws -> QueueWriteSummary {
        let now = Date().addingTimeInterval(-600)
        let batch = QueueBatch(source: "test", events: events.map {
            PlannedEvent(event: $0, plans: BundlePlanner.plans(event: $0, ruleSet: fixture.ruleSet, now: now))
        }, planner: planner ? RulePlanner(ruleSet: fixture.ruleSet, now: now) : nil)
        return try QueueWriter().write([batch], on: daemon)
    }

    func settle(_ bundle: Int) throws {
        for draft in try alice.drafts(bundle: bundle) where draft.state == .needsEdit {
            try alice.reject(draft: draft.id, expectedVersion: draft.version, reason: "over the limit")
        }
    }

    func refusal(_ body: () throws -> Void) -> ReviewError? {
        do {
            try body()
            return nil
        } catch let error as ReviewError {
            return error
        } catch let error as PostgresError {
            return ReviewError(error)
        } catch {
            return nil
        }
    }

    @Test func draftsKeepWhatThePlanKnew() throws {
        let drafts = try alice.drafts(bundle: fixture.liveBundle)
        let german = try #require(drafts.first { $0.participant == "de-foreign-office" && $0.channel == .x && $0.language == "de" })
        #expect(german.handle == "@AuswaertigesAmt")
        #expect(german.country == "DE")
        #expect(drafts.allSatisfy { $0.country != nil && $0.handle != nil })
        // What the plan knew never changes, whoever asks.
        #expect(refusal { try fixture.owner.execute("UPDATE chorus.drafts SET country = 'FR' WHERE id = \(german.id)") }?.kind == .notAllowedInState)
    }

    @Test func anApprovedDraftWhoseFactsChangedIsNotReleasedUntilApprovedAgain() throws {
        try settle(fixture.liveBundle)
        let drafts = try alice.drafts(bundle: fixture.liveBundle).filter { $0.state == .pending }
        try #require(drafts.count >= 2)
        // Everything approved but one draft: policy 'all' holds the bundle.
        for draft in drafts.dropLast() { try alice.approve(draft: draft.id, expectedVersion: draft.version, note: nil) }
        let last = try #require(drafts.last)

        // The severity is revised; no shipped text states it, so every text stays the same.
        let summary = try write([try update { $0.severity = .extreme }])
        #expect(summary.draftsSuperseded == 0)
        #expect(summary.draftsReturnedToReview == drafts.count - 1)
        #expect(summary.correlations.first?.changes == [FactChange(field: .severity, before: "severe", after: "extreme")])

        // Back to review, told why; the audit has the facts before and after.
        let now = try alice.drafts(bundle: fixture.liveBundle).filter(\.state.isLive)
        #expect(now.allSatisfy { $0.state == .pending && $0.approvedBy == nil })
        #expect(now.allSatisfy { $0.flag?.contains("severity: severe → extreme") == true })
        #expect(now.allSatisfy { $0.factsChangedSinceWritten == [FactChange(field: .severity, before: "severe", after: "extreme")] })
        let returned = try alice.audit(bundle: fixture.liveBundle).filter { $0.action == .returned }
        #expect(returned.count == drafts.count - 1)
        #expect(returned.allSatisfy { $0.factChanges.summary == "severity: severe → extreme" && $0.actor == ReviewFixture.daemon })
        #expect(try alice.bundle(fixture.liveBundle).bundle.facts.severity == .extreme)

        // Approving the one that was left does not release the others: they must be approved again.
        try bob.approve(draft: last.id, expectedVersion: try bob.draft(last.id).version, note: nil)
        #expect(try alice.releaseDue() == 0)
        #expect(try alice.outbox().isEmpty)
        // A reviewer who was shown a draft before the update approves nothing.
        let shown = try #require(drafts.first)
        #expect(refusal { try bob.approve(draft: shown.id, expectedVersion: shown.version, note: nil) }?.kind == .changedSinceShown)

        // Approved again: released, and the records carry the handle and the facts they were approved for.
        for draft in try alice.drafts(bundle: fixture.liveBundle) where draft.state == .pending {
            try bob.approve(draft: draft.id, expectedVersion: draft.version, note: "facts checked again")
        }
        let outbox = try alice.outbox()
        #expect(outbox.count == drafts.count)
        #expect(outbox.allSatisfy { $0.facts.severity == .extreme && $0.handle != nil && $0.country != nil })
    }

    @Test func theDatabaseRefusesToApproveOrReleaseADraftForOtherFacts() throws {
        // Approved but held by the bundle's not-before.
        try fixture.owner.execute("""
            UPDATE chorus.bundles SET release_policy = 'each', not_before = now() + interval '1 hour' WHERE id = \(fixture.liveBundle)
            """)
        let draft = try #require(try alice.drafts(bundle: fixture.liveBundle).first { $0.state == .pending })
        try alice.approve(draft: draft.id, expectedVersion: draft.version, note: nil)
        let other = try #require(try alice.drafts(bundle: fixture.liveBundle).first { $0.state == .pending })
        // Someone moves the bundle's facts by hand, past every review function.
        try fixture.owner.execute("""
            INSERT INTO chorus.bundle_events (bundle_id, event_id, role)
            SELECT \(fixture.drillBundle), event_id, 'update' FROM chorus.bundles WHERE id = \(fixture.drillBundle) ON CONFLICT DO NOTHING
            """)
        try fixture.owner.execute("""
            UPDATE chorus.bundles SET facts_event_id = (SELECT event_id FROM chorus.bundles WHERE id = \(fixture.drillBundle))
            WHERE id = \(fixture.liveBundle)
            """)
        try fixture.owner.execute("UPDATE chorus.bundles SET not_before = now() - interval '1 second' WHERE id = \(fixture.liveBundle)")
        #expect(refusal { try bob.approve(draft: other.id, expectedVersion: other.version, note: nil) }?.kind == .factsChanged)
        #expect(refusal {
            try fixture.owner.execute("UPDATE chorus.drafts SET state = 'released', released_at = now() WHERE id = \(draft.id)")
        }?.kind == .factsChanged)
        #expect(try alice.releaseDue() == 0)
        #expect(try alice.outbox().isEmpty)
    }

    @Test func aCancelWithoutFiguresWithdrawsAndAnApprovalOfAWithdrawnDraftSaysSo() throws {
        let shown = try #require(try alice.drafts(bundle: fixture.liveBundle).first { $0.state == .pending })
        try alice.approve(draft: shown.id, expectedVersion: shown.version, note: nil)
        var cancel = try liveEvent()
        cancel = Event(id: "live-jerusalem-2017-cancel", source: cancel.source, kind: "other", msgType: .cancel,
                       references: ["live-jerusalem-2017-01"], sentAt: (cancel.sentAt ?? Date()).addingTimeInterval(60))
        let summary = try write([cancel])
        #expect(summary.correlations.map(\.relation) == [.cancel])
        #expect(try alice.drafts(bundle: fixture.liveBundle).allSatisfy { $0.state == .withdrawn || $0.state == .rejected })
        #expect(try alice.outbox().isEmpty)
        let withdrawn = try alice.draft(shown.id)
        // Approving it — with the version shown before, or the current one — is refused for its state: exit 65.
        for version in [shown.version, withdrawn.version] {
            let error = refusal { try bob.approve(draft: shown.id, expectedVersion: version, note: nil) }
            #expect(error?.kind == .notAllowedInState)
            #expect(error?.message.contains("withdrawn: the event was cancelled") == true)
        }
    }

    @Test func anApprovalOfASupersededDraftNamesItsReplacement() throws {
        // The statements that give the toll are redrafted when it is revised.
        let english = try #require(try alice.drafts(bundle: fixture.liveBundle).first {
            $0.state == .pending && $0.language == "en" && $0.text.contains("wounded 17 others")
        })
        try write([try update { $0.injured = 15 }])
        let replacement = try #require(try alice.drafts(bundle: fixture.liveBundle).first {
            $0.participant == english.participant && $0.channel == english.channel && $0.language == "en" && $0.phase == english.phase
                && $0.state == .pending
        })
        #expect(replacement.id != english.id)
        let error = refusal { try bob.approve(draft: english.id, expectedVersion: english.version, note: nil) }
        #expect(error?.kind == .notAllowedInState)
        #expect(error?.message.contains("superseded: an update of the event replaced it with d\(replacement.id)") == true)
    }

    @Test func anUpdateThatMatchesNoRuleIsRedraftedByTheBundlesRule() throws {
        // Reported in a country the attack rule does not cover: it would not match it on its own.
        let moved = try update { event in
            event.countries = ["JP"]
            event.place = nil
        }
        #expect(BundlePlanner.plans(event: moved, ruleSet: fixture.ruleSet, now: Date()).isEmpty)
        let summary = try write([moved])
        #expect(summary.correlations.map(\.bundle) == [fixture.liveBundle])
        #expect(summary.draftsSuperseded > 0, "the texts name where it happened: redrafted with the bundle's rule")
        #expect(try alice.drafts(bundle: fixture.liveBundle).contains { $0.state == .pending && $0.text.contains("in Japan") })
    }

    @Test func anUpdateThatLeavesFieldsOutKeepsTheBundlesValues() throws {
        let live = try liveEvent()
        // A duty officer revises the toll by reference only: no kind, country, place, date or headline.
        func bare(_ id: String, after hours: Double, fatalities: Int) -> Event {
            Event(id: id, kind: "other", msgType: .update, references: ["live-jerusalem-2017-01"],
                  sentAt: (live.sentAt ?? Date()).addingTimeInterval(hours * 3600), fatalities: fatalities)
        }
        let first = try write([bare("live-jerusalem-2017-02", after: 1, fatalities: 5)])
        #expect(first.correlations.map(\.changes) == [[FactChange(field: .fatalities, before: "4", after: "5")]])
        #expect(first.draftsSuperseded > 0)
        let german = { (drafts: [DraftRecord]) in
            drafts.first { $0.state == .pending && $0.participant == "de-foreign-office" && $0.channel == .x && $0.language == "de" && $0.phase == nil }
        }
        let redrafted = try #require(german(try alice.drafts(bundle: fixture.liveBundle)))
        #expect(redrafted.text.contains("in Jerusalem vom 8. Januar"), "the date and the place stay: \(redrafted.text)")
        #expect(redrafted.text.contains("fünf"))
        let facts = try alice.bundle(fixture.liveBundle).bundle.facts
        #expect(facts.place == live.place && facts.occurredAt == live.occurredAt && facts.kind == live.kind && facts.countries == ["IL"])
        #expect(facts.fatalities == 5 && facts.injured == live.injured)
        // The next bare update merges over the merged facts, not over the first update's own payload.
        let second = try write([bare("live-jerusalem-2017-03", after: 2, fatalities: 6)])
        #expect(second.correlations.map(\.changes) == [[FactChange(field: .fatalities, before: "5", after: "6")]])
        let again = try #require(german(try alice.drafts(bundle: fixture.liveBundle)))
        #expect(again.text.contains("in Jerusalem vom 8. Januar") && again.text.contains("sechs"), "\(again.text)")
        #expect(try alice.drafts(bundle: fixture.liveBundle).allSatisfy { $0.factsChangedSinceWritten?.contains { $0.field != .fatalities } != true })
        // The event's own payload stays as the feed delivered it.
        #expect(try alice.bundle(fixture.liveBundle).events.contains { $0.event.id == "live-jerusalem-2017-03" && $0.event.place == nil })
    }

    @Test func anUpdateThatChangesNothingTheDraftsUseRedraftsNothing() throws {
        // The same facts again (a feed re-sending its message under a new id, a new headline).
        let same = try update("live-jerusalem-2017-02") { $0.headline = ["en": "Jerusalem: the figures are confirmed"] }
        let before = try alice.drafts(bundle: fixture.liveBundle)
        let summary = try write([same])
        #expect(summary.correlations.map(\.relation) == [.update])
        #expect(summary.draftsSuperseded == 0 && summary.draftsCreated == 0 && summary.draftsReturnedToReview == 0)
        #expect(try alice.drafts(bundle: fixture.liveBundle).map(\.version) == before.map(\.version))
        // A bare update by reference that restates the same toll is the same.
        let bare = Event(id: "live-jerusalem-2017-03", msgType: .update, references: ["live-jerusalem-2017-01"],
                         sentAt: (same.sentAt ?? Date()).addingTimeInterval(60), fatalities: 4)
        let quiet = try write([bare])
        #expect(quiet.correlations.first?.changes == [])
        #expect(quiet.draftsSuperseded == 0 && quiet.draftsCreated == 0)
    }

    @Test func withoutTheRulesAnUpdateKeepsTheTextsAndMovesTheFacts() throws {
        // Reported in a country no rule covers, and written without the rules: nothing to redraft with.
        let summary = try write([try update { $0.place = "Armon Hanatziv, Jerusalem" ; $0.countries = ["JP"] }], planner: false)
        #expect(summary.draftsSuperseded == 0)
        #expect(summary.draftsFlagged > 0)
        #expect(try alice.bundle(fixture.liveBundle).bundle.facts.place == "Armon Hanatziv, Jerusalem")
    }

    @Test func anUpdateOlderThanTheFactsIsOnlyKeptAsAReport() throws {
        var stale = try update { $0.injured = 99 }
        stale.sentAt = try liveEvent().sentAt?.addingTimeInterval(-3600)
        let summary = try write([stale])
        #expect(summary.correlations.map(\.relation) == [.report])
        #expect(try alice.bundle(fixture.liveBundle).bundle.facts.injured == 17)
        #expect(try alice.bundle(fixture.liveBundle).events.map(\.role) == [.opened, .correlated])
    }

    @Test func perCountryReleasesEachGovernmentOnItsOwn() throws {
        try fixture.owner.execute("UPDATE chorus.bundles SET release_policy = 'perCountry' WHERE id = \(fixture.liveBundle)")
        try settle(fixture.liveBundle)
        let drafts = try alice.drafts(bundle: fixture.liveBundle).filter { $0.state == .pending }
        let countries = Set(drafts.compactMap(\.country))
        try #require(countries.count >= 3)
        let german = drafts.filter { $0.country == "DE" }
        // Germany approves all of its drafts but one: nothing of Germany's goes out.
        for draft in german.dropLast() { try alice.approve(draft: draft.id, expectedVersion: draft.version, note: nil) }
        #expect(try alice.outbox().isEmpty)
        // France approves everything: France goes out, whatever Germany does.
        for draft in drafts where draft.country == "FR" { try alice.approve(draft: draft.id, expectedVersion: draft.version, note: nil) }
        #expect(Set(try alice.outbox().compactMap(\.country)) == ["FR"])
        // Germany's last approval releases Germany's drafts together.
        let last = try #require(german.last)
        try bob.approve(draft: last.id, expectedVersion: last.version, note: nil)
        let out = try alice.outbox()
        #expect(Set(out.compactMap(\.country)) == ["FR", "DE"])
        #expect(Set(out.filter { $0.country == "DE" }.map(\.draftId)) == Set(german.map(\.id)))
        #expect(try alice.bundle(fixture.liveBundle).bundle.releasePolicy == .perCountry)
    }

    @Test func aDraftsOwnNotBeforeHoldsItBack() throws {
        var event = try liveEvent()
        event.id = "live-later-01"
        event.incident = "live-later"
        let now = Date().addingTimeInterval(-600)
        var plan = try #require(BundlePlanner.plans(event: event, ruleSet: fixture.ruleSet, now: now).first { $0.ruleID == "attack" })
        plan.release.policy = .each
        let later = Date().addingTimeInterval(3600)
        plan.drafts[0].notBefore = later
        plan.drafts[0].phase = "thanks"
        let summary = try QueueWriter().write([QueueBatch(source: "test", events: [PlannedEvent(event: event, plans: [plan])])], on: daemon)
        let bundle = try #require(summary.bundlesOpened.first)
        let drafts = try alice.drafts(bundle: bundle).filter { $0.state == .pending }
        let held = try #require(drafts.first { $0.phase == "thanks" })
        #expect(abs((held.notBefore ?? .distantPast).timeIntervalSince(later)) < 0.01)
        let other = try #require(drafts.first { $0.id != held.id })
        try alice.approve(draft: held.id, expectedVersion: held.version, note: nil)
        try alice.approve(draft: other.id, expectedVersion: other.version, note: nil)
        #expect(try alice.draft(other.id).state == .released)
        #expect(try alice.draft(held.id).state == .approved)
        #expect(try alice.releaseDue() == 0)
    }

    /// A draft inside its sender's rest period (migration 13) is not released, however it was approved, and
    /// the release loop is told when the period ends; one whose period is over goes out.
    @Test func aDraftIsNotReleasedInsideItsSendersRestPeriod() throws {
        var event = try liveEvent()
        event.id = "live-shabbat-01"
        event.incident = "live-shabbat"
        let now = Date().addingTimeInterval(-600)
        var plan = try #require(BundlePlanner.plans(event: event, ruleSet: fixture.ruleSet, now: now).first { $0.ruleID == "attack" })
        plan.release.policy = .each
        let resting = RestPeriod(start: Date().addingTimeInterval(-3600), end: Date().addingTimeInterval(1800), reasons: ["shabbat"])
        let over = RestPeriod(start: Date().addingTimeInterval(-7200), end: Date().addingTimeInterval(-3600), reasons: ["shabbat"])
        plan.drafts[0].restPeriods = [over, resting]
        plan.drafts[1].restPeriods = [over]
        let summary = try QueueWriter().write([QueueBatch(source: "test", events: [PlannedEvent(event: event, plans: [plan])])], on: daemon)
        let bundle = try #require(summary.bundlesOpened.first)
        let withPeriods = try fixture.owner.query("SELECT count(*) AS n FROM chorus.drafts WHERE bundle_id = \(bundle) AND rest_periods IS NOT NULL")
        #expect(try withPeriods.first?.decode("n", as: Int.self) == 2)
        func stored(_ planned: Draft) throws -> DraftRecord {
            try #require(try alice.drafts(bundle: bundle).first {
                $0.participant == planned.participant && $0.language == planned.language && $0.channel == planned.channel && $0.phase == planned.phase
            })
        }
        let held = try stored(plan.drafts[0]), free = try stored(plan.drafts[1])
        try alice.approve(draft: held.id, expectedVersion: held.version, note: nil)
        try alice.approve(draft: free.id, expectedVersion: free.version, note: nil)
        #expect(try alice.draft(free.id).state == .released)
        #expect(try alice.draft(held.id).state == .approved)
        #expect(try alice.releaseDue() == 0)
        let wake = try #require(try ReleaseStore(connection: daemon).nextReleaseDelay())
        #expect(wake > .seconds(1700) && wake <= .seconds(1800), "the release loop wakes when the rest period ends")
        // Once the period is over, the draft goes out.
        try fixture.owner.execute("""
            UPDATE chorus.drafts SET rest_periods = tstzmultirange(tstzrange(now() - interval '2 hours', now() - interval '1 minute'))
            WHERE id = \(held.id)
            """)
        #expect(try alice.releaseDue() == 1)
        #expect(try alice.draft(held.id).state == .released)
    }

    @Test func theUpgradeSendsDraftsApprovedBeforeAnUpdateBackAndCutsSecretsFromDeliveries() throws {
        let connection = try TestPostgres.connect()
        try Migrator(migrations: Array(Migrations.all.prefix(4))).migrate(connection)
        let events = try connection.query("""
            INSERT INTO chorus.events (source, event_id, version, kind, status, msg_type, payload)
            VALUES ('t', 'a', '1', 'terror_attack', 'actual', 'alert', '{"id":"a","kind":"terror_attack","countries":["IL"],"injured":17}'),
                   ('t', 'u', '2', 'terror_attack', 'actual', 'update', '{"id":"u","kind":"terror_attack","msgType":"update","countries":["IL"],"injured":15}')
            RETURNING id
            """).rows.map { try $0.decode("id", as: Int.self) }
        let bundle = try #require(try connection.query("""
            INSERT INTO chorus.bundles (rule_id, ruleset_version, event_id, incident_key, suppression_key, is_drill, release_policy)
            VALUES ('r', 'v', \(events[0]), 'k', 'k', false, 'all') RETURNING id
            """).first).decode("id", as: Int.self)
        try connection.execute("""
            INSERT INTO chorus.bundle_events (bundle_id, event_id, role) VALUES (\(bundle), \(events[0]), 'opened'), (\(bundle), \(events[1]), 'update')
            """)
        let drafts = try connection.query("""
            INSERT INTO chorus.drafts (bundle_id, event_id, participant, channel, language, text, weighted_length, length_limit,
                                       is_drill, ruleset_version)
            VALUES (\(bundle), \(events[0]), 'p', 'x', 'en', 'old', 3, 280, false, 'v'),
                   (\(bundle), \(events[1]), 'q', 'x', 'en', 'new', 3, 280, false, 'v')
            RETURNING id
            """).rows.map { try $0.decode("id", as: Int.self) }
        try connection.execute("UPDATE chorus.drafts SET state = 'approved' WHERE id = ANY(\(drafts))")
        try connection.execute("""
            INSERT INTO chorus.outbox_deliveries (draft_id, participant, url, idempotency_key, attempt, status_code, succeeded)
            VALUES (\(drafts[1]), 'q', 'https://user:hunter2@hooks.example/services/T0/B0/s3cr3t?token=abc', 'key-1', 1, 200, true)
            """)

        try Migrator().migrate(connection)
        let states = try connection.query("SELECT id, state, flag FROM chorus.drafts ORDER BY id").rows
        #expect(try states.map { try $0.decode("state", as: String.self) } == ["pending", "approved"])
        #expect(try states[0].decode("flag", as: String?.self)?.contains("migration 5") == true)
        #expect(try connection.query("SELECT count(*) AS n FROM chorus.review_audit WHERE action = 'returned' AND draft_id = \(drafts[0])")
            .first?.decode("n", as: Int.self) == 1)
        let delivery = try #require(try connection.query("""
            SELECT d.state, d.destination, o.url FROM chorus.deliveries d JOIN chorus.outbox_deliveries o ON o.delivery_id = d.id
            """).first)
        #expect(try delivery.decode("state", as: String.self) == "delivered")
        #expect(try delivery.decode("destination", as: String.self) == "https://hooks.example")
        #expect(try delivery.decode("url", as: String.self) == "https://hooks.example")
    }
}
