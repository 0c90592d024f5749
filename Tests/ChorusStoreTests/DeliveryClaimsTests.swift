import ChorusCore
import ChorusStore
import Foundation
import Postgres
import Synchronization
import Testing
import TestSupport

/// The delivery claims of migration 5 against a real server, as the daemon's role: every due delivery is
/// claimed by one deliverer at a time, a claim that runs out lets another take over, and only the
/// claimant's record decides what becomes of a delivery.
struct DeliveryClaimsTests {
    let fixture: ReviewFixture
    let conninfo: String

    init() throws {
        fixture = try ReviewFixture()
        conninfo = fixture.conninfo
        // The live bundle, released: policy 'each', everything approved.
        try fixture.owner.execute("UPDATE chorus.bundles SET release_policy = 'each' WHERE id = \(fixture.liveBundle)")
        let alice = try fixture.store(as: ReviewFixture.reviewers[0])
        for draft in try alice.drafts(bundle: fixture.liveBundle) where draft.state == .pending {
            try alice.approve(draft: draft.id, expectedVersion: draft.version, note: nil)
        }
    }

    func daemonStore() throws -> ReleaseStore { ReleaseStore(connection: try fixture.connect(as: ReviewFixture.daemon)) }

    func released() throws -> [OutboxRecord] { try ReviewStore(connection: fixture.owner).outbox() }

    func routes() throws -> [String: [String]] { ["webhook": Array(Set(try released().map(\.participant))).sorted()] }

    func enqueue(_ store: ReleaseStore) throws -> Int {
        var destinations: [String: String] = [:]
        for participant in try released().map(\.participant) { destinations[participant] = "https://hooks.example" }
        return try store.enqueueReleasedDrafts(publisher: "webhook", destinations: destinations)
    }

    @Test func releasedDraftsAreQueuedOncePerPublisher() throws {
        let store = try daemonStore()
        let records = try released()
        try #require(!records.isEmpty)
        #expect(try enqueue(store) == records.count)
        #expect(try enqueue(store) == 0)
        #expect(try store.enqueueReleasedDrafts(publisher: "other", destinations: [records[0].participant: "https://x.example"]) ==
                records.filter { $0.participant == records[0].participant }.count)
        let deliveries = try store.deliveries(draft: records[0].draftId)
        #expect(deliveries.map(\.publisher).sorted() == ["other", "webhook"])
        #expect(deliveries.allSatisfy { $0.state == .queued && $0.attempts == 0 })
    }

    @Test func twoDeliverersClaimingAtOnceNeverShareADelivery() throws {
        let queued = try enqueue(try daemonStore())
        let routes = try routes()
        let claimed = Mutex<[String: [Int]]>([:])
        let conninfo = self.conninfo
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            guard let connection = try? ReviewFixture.connect(conninfo, as: ReviewFixture.daemon) else { return }
            let store = ReleaseStore(connection: connection)
            var mine: [Int] = []
            while let claims = try? store.claimDue(routes: routes, claimant: "worker-\(worker)", lease: .seconds(60), limit: 2),
                  !claims.isEmpty {
                mine += claims.map(\.id)
            }
            claimed.withLock { $0["worker-\(worker)"] = mine }
        }
        let all = claimed.withLock { $0.values.flatMap { $0 } }
        #expect(all.count == queued, "every delivery claimed")
        #expect(Set(all).count == all.count, "no delivery claimed twice")
    }

    @Test func aClaimThatRunsOutIsTakenOverAndOnlyTheClaimantDecides() throws {
        let store = try daemonStore()
        _ = try enqueue(store)
        let routes = try routes()
        let first = try #require(try store.claimDue(routes: routes, claimant: "dead", lease: .milliseconds(200), limit: 1).first)
        #expect(first.attempt == 1)
        #expect(try store.claimDue(routes: routes, claimant: "other", lease: .seconds(60), limit: 100).allSatisfy { $0.id != first.id })
        Thread.sleep(forTimeInterval: 0.4)
        // The lease ran out (its deliverer died): another takes it, with the same key, as attempt 2.
        let again = try #require(try store.claimDue(routes: routes, claimant: "heir", lease: .seconds(60), limit: 100).first { $0.id == first.id })
        #expect(again.attempt == 2 && again.idempotencyKey == first.idempotencyKey)
        // The dead deliverer's late record is kept as an attempt but decides nothing.
        let draft = try #require(first.draftID)
        try store.record([DeliveryAttempt(claim: first, destination: "https://hooks.example", statusCode: 500, error: "HTTP 500",
                                          next: .givenUp)], claimant: "dead")
        #expect(try store.deliveries(draft: draft).first { $0.id == first.id }?.state == .queued)
        try store.record([DeliveryAttempt(claim: again, destination: "https://hooks.example", statusCode: 200, error: nil,
                                          next: .delivered)], claimant: "heir")
        let delivery = try #require(try store.deliveries(draft: draft).first { $0.id == first.id })
        #expect(delivery.state == .delivered && delivery.deliveredAt != nil)
        let attempts = try fixture.owner.query("""
            SELECT attempt, deliverer, succeeded FROM chorus.outbox_deliveries WHERE delivery_id = \(first.id) ORDER BY id
            """).rows.map { (try $0.decode("attempt", as: Int.self), try $0.decode("deliverer", as: String.self), try $0.decode("succeeded", as: Bool.self)) }
        #expect(attempts.map(\.0) == [1, 2] && attempts.map(\.1) == ["dead", "heir"] && attempts.map(\.2) == [false, true])
    }

    @Test func aRetryWaitsAndIsReportedAsTheNextAttempt() throws {
        let store = try daemonStore()
        _ = try enqueue(store)
        let routes = try routes()
        let claims = try store.claimDue(routes: routes, claimant: "me", lease: .seconds(60), limit: 1000)
        try store.record(claims.map {
            DeliveryAttempt(claim: $0, destination: "https://hooks.example", statusCode: 503, error: "HTTP 503", next: .retry(after: .seconds(30)))
        }, claimant: "me")
        #expect(try store.claimDue(routes: routes, claimant: "me", lease: .seconds(60)).isEmpty, "not due before its wait")
        let next = try #require(try store.nextAttemptDelay(routes: routes))
        #expect(next > .seconds(25) && next <= .seconds(30))
        // Audiences nobody serves are left alone.
        #expect(try store.nextAttemptDelay(routes: ["webhook": ["nobody"]]) == nil)
    }

    @Test func oneRecordForARoundAndWhatWasNotAttemptedIsHandedBackUncounted() throws {
        let store = try daemonStore()
        _ = try enqueue(store)
        let routes = try routes()
        let claims = try store.claimDue(routes: routes, claimant: "me", lease: .seconds(60), limit: 1000)
        try #require(claims.count >= 2)
        let (done, left) = (claims[0], Array(claims.dropFirst()))
        try store.record([DeliveryAttempt(claim: done, destination: "https://hooks.example", statusCode: 200, error: nil, next: .delivered)],
                         unattempted: left, claimant: "me")
        let draft = try #require(done.draftID)
        #expect(try store.deliveries(draft: draft).first { $0.id == done.id }?.state == .delivered)
        // Handed back: queued, unclaimed, no attempt spent, due now — the next claim is attempt 1 again.
        let again = try store.claimDue(routes: routes, claimant: "next", lease: .seconds(60), limit: 1000)
        #expect(Set(again.map(\.id)) == Set(left.map(\.id)))
        #expect(again.allSatisfy { $0.attempt == 1 })
        // A claimant whose claim was taken over hands back nothing.
        try store.record([], unattempted: again, claimant: "me")
        #expect(try store.claimDue(routes: routes, claimant: "third", lease: .seconds(60), limit: 1000).isEmpty)
    }

    @Test func theNextReleaseIsTheNearestNotBeforeOfAnApprovedDraftAndTheNextExpiryThatOfAnUnreleasedOne() throws {
        let store = try daemonStore()
        #expect(try store.nextReleaseDelay() == nil, "everything approved is released")
        // Any expiry the fixture's bundles have is hours away.
        #expect((try store.nextExpiryDelay() ?? .seconds(3600)) >= .seconds(3600))
        // An approved live draft whose bundle's not-before is ahead: that is when something is due.
        try fixture.owner.execute("UPDATE chorus.bundles SET not_before = now() + interval '40 seconds' WHERE id = \(fixture.liveBundle)")
        try fixture.owner.execute("""
            INSERT INTO chorus.drafts (bundle_id, event_id, participant, channel, language, text, weighted_length, length_limit,
                                       is_drill, ruleset_version)
            SELECT id, event_id, 'later', 'x', 'en', 'later', 5, 280, false, ruleset_version FROM chorus.bundles WHERE id = \(fixture.liveBundle)
            """)
        let later = try #require(try fixture.owner.query("SELECT id FROM chorus.drafts WHERE participant = 'later'").first?.decode("id", as: Int.self))
        let reviewer = ReviewStore(connection: try fixture.connect(as: ReviewFixture.reviewers[1]))
        try reviewer.approve(draft: later, expectedVersion: nil, note: nil)
        let release = try #require(try store.nextReleaseDelay())
        #expect(release > .seconds(30) && release <= .seconds(40))
        // A drill's approval is never due.
        try fixture.owner.execute("UPDATE chorus.bundles SET not_before = now() + interval '10 seconds' WHERE id = \(fixture.drillBundle)")
        let drill = try #require(try reviewer.drafts(bundle: fixture.drillBundle).first { $0.state == .pending })
        try reviewer.approve(draft: drill.id, expectedVersion: drill.version, note: nil)
        #expect(try #require(try store.nextReleaseDelay()) > .seconds(30))
        // A bundle whose drafts await release expires: that is the next expiry.
        try fixture.owner.execute("UPDATE chorus.bundles SET expires_at = now() + interval '20 seconds' WHERE id = \(fixture.drillBundle)")
        let expiry = try #require(try store.nextExpiryDelay())
        #expect(expiry > .seconds(10) && expiry <= .seconds(20))
        #expect(try #require(try store.nextReleaseDelay()) > .seconds(20), "an expiry is no release")
        // A bundle with nothing left unreleased is no reason to wake.
        try fixture.owner.execute("""
            UPDATE chorus.drafts SET state = 'withdrawn'
            WHERE bundle_id = \(fixture.drillBundle) AND state IN ('pending', 'needs_edit', 'approved')
            """)
        #expect((try store.nextExpiryDelay() ?? .seconds(3600)) >= .seconds(3600))
    }
}
