import ChorusCore
import ChorusStore
import Foundation
import Postgres
import Testing
import TestSupport

/// The review workflow of migration 2 against a real server, with real roles: what reviewers may do, what
/// the database refuses whoever asks, and the audit it keeps.
struct ReviewWorkflowTests {
    let fixture: ReviewFixture
    let alice: ReviewStore
    let bob: ReviewStore

    init() throws {
        fixture = try ReviewFixture()
        alice = try fixture.store(as: ReviewFixture.reviewers[0])
        bob = try fixture.store(as: ReviewFixture.reviewers[1])
    }

    func firstPending(_ bundle: Int) throws -> DraftRecord {
        try #require(try alice.drafts(bundle: bundle).first { $0.state == .pending })
    }

    /// Rejects the drafts that need an edit, so that policy 'all' can be met by approving the rest.
    func rejectDraftsThatNeedAnEdit(_ bundle: Int) throws {
        for draft in try alice.drafts(bundle: bundle) where draft.state == .needsEdit {
            try alice.reject(draft: draft.id, expectedVersion: draft.version, reason: "over the limit")
        }
    }

    func refusal(_ body: () throws -> Void) -> ReviewError.Kind? {
        do {
            try body()
            return nil
        } catch let error as ReviewError {
            return error.kind
        } catch let error as PostgresError {
            return ReviewError(error)?.kind ?? (error.sqlState == "23514" ? .drillRelease : nil)
        } catch {
            return nil
        }
    }

    @Test func anApprovalIsAuditedWithTheSessionUser() throws {
        let draft = try firstPending(fixture.liveBundle)
        try alice.approve(draft: draft.id, expectedVersion: draft.version, note: "checked the facts")
        let now = try alice.draft(draft.id)
        #expect(now.state == .approved)
        #expect(now.approvedBy == ReviewFixture.reviewers[0])
        let row = try #require(try alice.audit(bundle: fixture.liveBundle).last { $0.draftId == draft.id })
        #expect(row.action == .approved)
        #expect(row.actor == ReviewFixture.reviewers[0])
        #expect(row.note == "checked the facts")
    }

    @Test func everyReviewActionNotifiesTheReviewChannel() throws {
        let listener = try Connection(fixture.conninfo)
        try listener.listen(QueueWriter.notificationChannel)
        let draft = try firstPending(fixture.liveBundle)
        try alice.reject(draft: draft.id, expectedVersion: draft.version, reason: "not our tone")
        let notifications = try listener.waitForNotifications(timeout: .seconds(5))
        #expect(notifications.contains { $0.payload.split(separator: ",").contains(Substring(String(fixture.liveBundle))) })
    }

    @Test func twoReviewersApprovingTheSameDraftAtOnce() throws {
        let draft = try firstPending(fixture.liveBundle)
        let outcomes = Outcomes()
        let group = DispatchGroup()
        let conninfo = fixture.conninfo
        let (id, version) = (draft.id, draft.version)
        for role in ReviewFixture.reviewers {
            group.enter()
            Thread.detachNewThread {
                let kind: ReviewError.Kind?
                do {
                    let connection = try ReviewFixture.connect(conninfo, as: role)
                    try ReviewStore(connection: connection).approve(draft: id, expectedVersion: version, note: nil)
                    kind = nil
                } catch let error as ReviewError {
                    kind = error.kind
                } catch {
                    kind = .invalid
                }
                outcomes.append(kind)
                group.leave()
            }
        }
        group.wait()
        let results = outcomes.values
        #expect(results.filter { $0 == nil }.count == 1)
        #expect(results.filter { $0 == .changedSinceShown }.count == 1)
        #expect(try fixture.count("SELECT count(*) FROM chorus.review_audit WHERE draft_id = \(draft.id) AND action = 'approved'") == 1)
    }

    @Test func approvingWhatWasShownBeforeSomeoneElsesEditFails() throws {
        let shown = try firstPending(fixture.liveBundle)
        try bob.edit(draft: shown.id, expectedVersion: shown.version, text: shown.text + " #NeverAgain")
        #expect(refusal { try alice.approve(draft: shown.id, expectedVersion: shown.version, note: nil) } == .changedSinceShown)
        let edited = try alice.draft(shown.id)
        #expect(edited.revision == 2)
        #expect(edited.lastEditedBy == ReviewFixture.reviewers[1])
        try alice.approve(draft: shown.id, expectedVersion: edited.version, note: nil)
        #expect(try alice.draft(shown.id).state == .approved)
        let edit = try #require(try alice.audit(bundle: fixture.liveBundle).first { $0.draftId == shown.id && $0.action == .edited })
        #expect(edit.actor == ReviewFixture.reviewers[1])
        #expect(edit.beforeText == shown.text)
        #expect(edit.afterText == shown.text + " #NeverAgain")
    }

    @Test func whoeverLastEditedADraftCannotApproveIt() throws {
        let shown = try firstPending(fixture.liveBundle)
        let edited = try alice.edit(draft: shown.id, expectedVersion: shown.version, text: shown.text + " 🕯")
        #expect(refusal { try alice.approve(draft: shown.id, expectedVersion: edited.version, note: nil) } == .selfApproval)
        #expect(try alice.draft(shown.id).state == .pending)
    }

    @Test func anEditOverTheLimitNeedsAnEdit() throws {
        let shown = try #require(try alice.drafts(bundle: fixture.liveBundle).first { $0.state == .pending && $0.channel == .x })
        let long = String(repeating: "Solidarität ", count: 40)
        let edited = try alice.edit(draft: shown.id, expectedVersion: shown.version, text: long)
        #expect(edited.state == .needsEdit)
        #expect(edited.weightedLength == Channel.x.length(of: long))
        #expect(edited.weightedLength > edited.limit)
        #expect(edited.problem?.contains("over the limit") == true)
        #expect(refusal { try bob.approve(draft: shown.id, expectedVersion: edited.version, note: nil) } == .notAllowedInState)
        // A shorter text brings it back to pending.
        let fixed = try bob.edit(draft: shown.id, expectedVersion: edited.version, text: "Wir stehen an der Seite Israels.")
        #expect(fixed.state == .pending)
        #expect(fixed.problem == nil)
    }

    @Test func aRejectedDraftCanNeverBeReleased() throws {
        let draft = try firstPending(fixture.liveBundle)
        try alice.reject(draft: draft.id, expectedVersion: draft.version, reason: "wrong tone")
        let rejected = try alice.draft(draft.id)
        #expect(rejected.state == .rejected)
        #expect(refusal { try bob.approve(draft: draft.id, expectedVersion: rejected.version, note: nil) } == .notAllowedInState)
        // Not even the owner's raw SQL moves it on.
        #expect(refusal {
            try fixture.owner.execute("UPDATE chorus.drafts SET state = 'released', released_at = now() WHERE id = \(draft.id)")
        } == .notAllowedInState)
        // Approving everything else releases the bundle (policy 'all'), without the rejected draft.
        try rejectDraftsThatNeedAnEdit(fixture.liveBundle)
        _ = try ReviewStore(connection: fixture.owner).approve(bundle: fixture.liveBundle, note: nil)
        #expect(try alice.draft(draft.id).state == .rejected)
        #expect(try alice.drafts(bundle: fixture.liveBundle).filter { $0.state == .released }.count > 0)
        #expect(try alice.outbox().allSatisfy { $0.draftId != draft.id })
    }

    @Test func policyAllReleasesTogetherInReleaseOrder() throws {
        try rejectDraftsThatNeedAnEdit(fixture.liveBundle)
        let drafts = try alice.drafts(bundle: fixture.liveBundle).filter { $0.state == .pending }
        try #require(drafts.count >= 2)
        for draft in drafts.dropLast() { try alice.approve(draft: draft.id, expectedVersion: draft.version, note: nil) }
        #expect(try alice.releaseDue() == 0)
        #expect(try alice.outbox().isEmpty)
        let last = try #require(drafts.last)
        try bob.approve(draft: last.id, expectedVersion: last.version, note: nil)
        let outbox = try alice.outbox()
        #expect(Set(outbox.map(\.draftId)) == Set(drafts.map(\.id)))
        #expect(outbox.map(\.seq) == outbox.map(\.seq).sorted())
        #expect(try alice.outbox(after: outbox[0].seq).count == outbox.count - 1)
        #expect(outbox.allSatisfy { $0.idempotencyKey == "chorus-draft-\($0.draftId)-r\($0.revision)" })
    }

    @Test func policyEachReleasesEveryApprovedDraft() throws {
        try fixture.owner.execute("UPDATE chorus.bundles SET release_policy = 'each' WHERE id = \(fixture.liveBundle)")
        let draft = try firstPending(fixture.liveBundle)
        try alice.approve(draft: draft.id, expectedVersion: draft.version, note: nil)
        #expect(try alice.draft(draft.id).state == .released)
        #expect(try alice.outbox().map(\.draftId) == [draft.id])
    }

    @Test func notBeforeHoldsTheReleaseUntilReleaseDue() throws {
        try fixture.owner.execute("""
            UPDATE chorus.bundles SET release_policy = 'each', not_before = now() + interval '1 hour' WHERE id = \(fixture.liveBundle)
            """)
        let draft = try firstPending(fixture.liveBundle)
        try alice.approve(draft: draft.id, expectedVersion: draft.version, note: nil)
        #expect(try alice.draft(draft.id).state == .approved)
        try fixture.owner.execute("UPDATE chorus.bundles SET not_before = now() - interval '1 second' WHERE id = \(fixture.liveBundle)")
        #expect(try alice.releaseDue() == 1)
        #expect(try alice.draft(draft.id).state == .released)
    }

    @Test func pastItsExpiryEveryUnreleasedDraftExpires() throws {
        let approved = try firstPending(fixture.liveBundle)
        try alice.approve(draft: approved.id, expectedVersion: approved.version, note: nil)
        try fixture.owner.execute("""
            UPDATE chorus.bundles SET expires_at = now() - interval '1 second', not_before = now() - interval '1 hour'
            WHERE id = \(fixture.liveBundle)
            """)
        let live = try alice.drafts(bundle: fixture.liveBundle).filter(\.state.isUnreleased).count
        #expect(try alice.expireDue() == live)
        #expect(try alice.drafts(bundle: fixture.liveBundle).allSatisfy { $0.state == .expired })
        #expect(try alice.releaseDue() == 0)
        let expired = try alice.draft(approved.id)
        #expect(refusal { try bob.approve(draft: approved.id, expectedVersion: expired.version, note: nil) } == .notAllowedInState)
        #expect(try alice.audit(bundle: fixture.liveBundle).contains { $0.action == .expired && $0.draftId == approved.id })
    }

    @Test func anApprovalExpiresItsOwnBundleOnlyAndAFullRoundTheRest() throws {
        // Both bundles past their expiry; an approval in the drill bundle expires that bundle (the approved
        // draft with it) and leaves the live one to the release loop's full round.
        try fixture.owner.execute("""
            UPDATE chorus.bundles SET expires_at = now() - interval '1 second', not_before = now() - interval '1 hour'
            WHERE id IN (\(fixture.liveBundle), \(fixture.drillBundle))
            """)
        let drill = try firstPending(fixture.drillBundle)
        let drillUnreleased = try alice.drafts(bundle: fixture.drillBundle).filter(\.state.isUnreleased).count
        let liveUnreleased = try alice.drafts(bundle: fixture.liveBundle).filter(\.state.isUnreleased).count
        try alice.approve(draft: drill.id, expectedVersion: drill.version, note: nil)
        #expect(try alice.drafts(bundle: fixture.drillBundle).allSatisfy { !$0.state.isUnreleased })
        #expect(try alice.draft(drill.id).state == .expired)
        #expect(try alice.drafts(bundle: fixture.liveBundle).filter(\.state.isUnreleased).count == liveUnreleased)
        let expiredAudit = try alice.audit(bundle: fixture.drillBundle).filter { $0.action == .expired }
        #expect(expiredAudit.count == drillUnreleased)
        #expect(try alice.releaseDue() == 0)
        #expect(try alice.drafts(bundle: fixture.liveBundle).allSatisfy { !$0.state.isUnreleased })
        #expect(try alice.expireDue() == 0)
    }

    @Test func aDrillDraftIsNeverReleasedWhoeverAsks() throws {
        let draft = try firstPending(fixture.drillBundle)
        #expect(draft.isDrill)
        try fixture.owner.execute("UPDATE chorus.bundles SET release_policy = 'each' WHERE id = \(fixture.drillBundle)")
        try alice.approve(draft: draft.id, expectedVersion: draft.version, note: nil)
        #expect(try alice.releaseDue() == 0)
        #expect(try alice.draft(draft.id).state == .approved)
        let release: Query = "UPDATE chorus.drafts SET state = 'released', released_at = now() WHERE id = \(draft.id)"
        // The owner (a superuser here), the daemon and a reviewer: refused by the trigger or by privileges.
        #expect(refusal { try fixture.owner.execute(release) } == .drillRelease)
        #expect(refusal { try fixture.connect(as: ReviewFixture.daemon).execute(release) } == .notPermitted)
        #expect(refusal { try fixture.connect(as: ReviewFixture.reviewers[1]).execute(release) } == .notPermitted)
        // Even with the triggers switched off by a superuser, the CHECK constraint refuses.
        let unguarded = try Connection(fixture.conninfo)
        try unguarded.execute("SET session_replication_role = replica")
        #expect(refusal { try unguarded.execute(release) } == .drillRelease)
        // And no one can turn a drill into a live draft first.
        #expect(refusal { try fixture.owner.execute("UPDATE chorus.drafts SET is_drill = false WHERE id = \(draft.id)") } == .notAllowedInState)
        #expect(refusal { try fixture.owner.execute("UPDATE chorus.bundles SET is_drill = false WHERE id = \(fixture.drillBundle)") } == .notAllowedInState)
        // Nor slip a live draft into a drill bundle.
        #expect(refusal {
            try fixture.owner.execute("""
                INSERT INTO chorus.drafts (bundle_id, event_id, participant, channel, language, text, weighted_length,
                                           length_limit, is_drill, ruleset_version)
                SELECT bundle_id, event_id, 'someone', 'x', 'en', 'live text', 9, 280, false, ruleset_version
                FROM chorus.drafts WHERE id = \(draft.id)
                """)
        } == .notAllowedInState)
        #expect(try alice.draft(draft.id).state == .approved)
    }

    @Test func theDaemonRunsThePipelineButCannotApproveOrRelease() throws {
        let daemon = try fixture.connect(as: ReviewFixture.daemon)
        // The whole write path works under the daemon's role: a second drill run, an update, a cancel.
        let scenario = try #require(fixture.ruleSet.drill(id: "jerusalem-2017"))
        let events = scenario.events().map { event -> Event in
            var event = event
            event.id += "-daemon"
            event.references = event.references.map { $0 + "-daemon" }
            event.incident = "daemon-run"
            return event
        }
        let now = Date()
        let batch = QueueBatch(source: "daemon-test", events: events.map {
            PlannedEvent(event: $0, plans: BundlePlanner.plans(event: $0, ruleSet: fixture.ruleSet, now: now))
        }, rejections: [RejectedInput(item: "feed.jsonl#3", reason: "line 3: id: is required", raw: Data("{}".utf8))],
           cursor: #"{"offset": 1}"#)
        let summary = try QueueWriter().write([batch], on: daemon)
        #expect(summary.eventsRecorded == 2)
        #expect(summary.rejectionsRecorded == 1)
        // The same batch again (a commit retried): nothing is stored twice, rejections included.
        let again = try QueueWriter().write([batch], on: daemon)
        #expect(again.eventsAlreadyKnown == 2 && again.rejectionsAlreadyKnown == 1 && again.rejectionsRecorded == 0)
        #expect(try fixture.owner.query("SELECT count(*) FROM chorus.rejected_inputs WHERE source = 'daemon-test'").first?
            .decode(0, as: Int.self) == 1)
        #expect(summary.draftsSuperseded + summary.draftsCreated > 0)
        let draft = try firstPending(fixture.liveBundle)
        #expect(refusal {
            try daemon.execute("UPDATE chorus.drafts SET state = 'approved' WHERE id = \(draft.id)")
        } == .notPermitted)
        #expect(refusal {
            _ = try daemon.query("SELECT chorus.approve_draft(\(draft.id), \(draft.version)::integer, NULL)")
        } == .notPermitted)
        #expect(refusal {
            try daemon.execute("UPDATE chorus.drafts SET text = 'forged' WHERE id = \(draft.id)")
        } == .notPermitted)
        #expect(refusal {
            try daemon.execute("INSERT INTO chorus.review_audit (bundle_id, draft_id, action, actor) VALUES (\(fixture.liveBundle), \(draft.id), 'approved', 'alice')")
        } == .notPermitted)
        // The daemon may apply the release policy (it releases only what reviewers approved).
        #expect(try ReviewStore(connection: daemon).releaseDue() == 0)
    }

    @Test func aReviewerCannotWriteEventsOrDraftsDirectly() throws {
        let reviewer = try fixture.connect(as: ReviewFixture.reviewers[0])
        let draft = try firstPending(fixture.liveBundle)
        #expect(refusal {
            try reviewer.execute("""
                INSERT INTO chorus.events (source, event_id, version, kind, status, msg_type, payload)
                VALUES ('x', 'y', '', 'other', 'actual', 'alert', '{}')
                """)
        } == .notPermitted)
        #expect(refusal { try reviewer.execute("UPDATE chorus.drafts SET state = 'approved' WHERE id = \(draft.id)") } == .notPermitted)
        #expect(refusal { try reviewer.execute("DELETE FROM chorus.review_audit") } == .notPermitted)
        #expect(refusal { try reviewer.execute("UPDATE chorus.review_audit SET actor = 'someone'") } == .notPermitted)
    }

    @Test func theAuditIsAppendOnlyEvenForTheOwner() throws {
        #expect(refusal { try fixture.owner.execute("UPDATE chorus.review_audit SET actor = 'someone'") } == .notPermitted)
        #expect(refusal { try fixture.owner.execute("DELETE FROM chorus.review_audit WHERE bundle_id = \(fixture.liveBundle)") } == .notPermitted)
        #expect(refusal { try fixture.owner.execute("DELETE FROM chorus.drafts WHERE bundle_id = \(fixture.liveBundle)") } == .notPermitted)
    }

    @Test func clearingDrillsRemovesOnlyDrills() throws {
        let before = try fixture.count("SELECT count(*) FROM chorus.drafts WHERE NOT is_drill")
        #expect(try ReviewStore(connection: fixture.owner).clearDrills(olderThan: 3600) == 0)
        let drills = try fixture.count("SELECT count(*) FROM chorus.bundles WHERE is_drill")
        #expect(drills > 0)
        #expect(try ReviewStore(connection: fixture.connect(as: ReviewFixture.daemon)).clearDrills() == drills)
        #expect(try fixture.count("SELECT count(*) FROM chorus.bundles WHERE is_drill") == 0)
        #expect(try fixture.count("SELECT count(*) FROM chorus.events WHERE status = 'exercise'") == 0)
        #expect(try fixture.count("SELECT count(*) FROM chorus.drafts WHERE NOT is_drill") == before)
    }

    @Test func listFiltersByStateAndDrill() throws {
        let all = try alice.list(ReviewFilter(state: nil, drill: nil, limit: 0))
        #expect(Set(all.map(\.id)).isSuperset(of: [fixture.drillBundle, fixture.liveBundle]))
        #expect(try alice.list(ReviewFilter(drill: true)).allSatisfy(\.isDrill))
        #expect(try alice.list(ReviewFilter(drill: false)).allSatisfy { !$0.isDrill })
        #expect(try alice.list(ReviewFilter(limit: 1)).count == 1)
        #expect(try alice.list(ReviewFilter(state: .released)).isEmpty)
        let detail = try alice.bundle(fixture.drillBundle)
        #expect(detail.actionItems.contains { $0.summary.contains("Brandenburg Gate") })
        #expect(Set(detail.drafts.map(\.language)).isSuperset(of: ["de", "he", "en", "ar"]))
        #expect(detail.drafts.filter { $0.language == "he" || $0.language == "ar" }.allSatisfy { $0.direction == "rtl" })
        #expect(detail.audit.contains { $0.action == .drafted })
    }
}

/// Results collected from several threads.
final class Outcomes: @unchecked Sendable {
    // @unchecked: `items` is touched only under `lock`.
    private let lock = NSLock()
    private var items: [ReviewError.Kind?] = []

    func append(_ item: ReviewError.Kind?) { lock.withLock { items.append(item) } }

    var values: [ReviewError.Kind?] { lock.withLock { items } }
}
