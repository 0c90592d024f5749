import ChorusCore
import ChorusStore
import Foundation
import Postgres
import Testing
import TestSupport

/// The pipeline's write path against a real server and the shipped rules: one transaction, idempotent,
/// and the story of an incident continuing through updates and cancels.
struct QueueWriterTests {
    static let rulesDirectory = Repository.rules

    let ruleSet: RuleSet
    let alert: Event
    let update: Event

    init() throws {
        ruleSet = try RuleSet.load(from: Self.rulesDirectory)
        let events = try #require(ruleSet.drill(id: "jerusalem-2017")).events()
        alert = events[0]
        update = events[1]
    }

    func batch(_ events: [Event], source: String = "drill", cursor: String? = nil, rejections: [RejectedInput] = []) -> QueueBatch {
        let now = Date(timeIntervalSince1970: 1_483_875_900)
        return QueueBatch(source: source, events: events.map { PlannedEvent(event: $0, plans: BundlePlanner.plans(event: $0, ruleSet: ruleSet, now: now)) },
                          rejections: rejections, cursor: cursor)
    }

    func migratedConnection() throws -> Connection {
        let connection = try TestPostgres.connect()
        try Migrator().migrate(connection)
        return connection
    }

    func count(_ connection: Connection, _ query: Query) throws -> Int {
        try connection.query(query).first?.decode(0, as: Int.self) ?? -1
    }

    @Test func anAlertOpensABundleWithDraftsActionItemsAndAuditRows() throws {
        let connection = try migratedConnection()
        let planned = batch([alert])
        let expectedDrafts = planned.events[0].plans.reduce(0) { $0 + $1.drafts.count }
        #expect(expectedDrafts > 0)
        let summary = try QueueWriter().write([planned], on: connection)
        #expect(summary.eventsRecorded == 1)
        #expect(summary.bundlesOpened.count == planned.events[0].plans.count)
        #expect(summary.draftsCreated == expectedDrafts)
        #expect(try count(connection, "SELECT count(*) FROM chorus.drafts WHERE is_drill AND ruleset_version = \(ruleSet.version)") == expectedDrafts)
        #expect(try count(connection, "SELECT count(*) FROM chorus.review_audit WHERE action = 'drafted'") == expectedDrafts)
        // Berlin lights the Brandenburg Gate for Israel.
        let gate = try connection.query("""
            SELECT summary, details->>'country' AS country FROM chorus.action_items WHERE key = 'light_landmark:brandenburg-gate'
            """).first
        #expect(try gate?.decode("country", as: String.self) == "IL")
        #expect(try gate?.decode("summary", as: String.self).contains("Brandenburg Gate") == true)
        // The reviewer's role is written by the database, not the client.
        #expect(try count(connection, "SELECT count(*) FROM chorus.review_audit WHERE actor <> session_user") == 0)
    }

    @Test func writingTheSameBatchAgainChangesNothing() throws {
        let connection = try migratedConnection()
        let planned = batch([alert], cursor: #"{"offset": 10}"#)
        let first = try QueueWriter().write([planned], on: connection)
        let second = try QueueWriter().write([planned], on: connection)
        #expect(second.eventsRecorded == 0)
        #expect(second.eventsAlreadyKnown == 1)
        #expect(second.draftsCreated == 0)
        #expect(try count(connection, "SELECT count(*) FROM chorus.drafts") == first.draftsCreated)
        #expect(try count(connection, "SELECT count(*) FROM chorus.bundles") == first.bundlesOpened.count)
    }

    @Test func anUpdateRedraftsChangedTextsAndMovesEveryOtherDraftOntoTheNewFacts() throws {
        let connection = try migratedConnection()
        let opened = try QueueWriter().write([batch([alert])], on: connection)
        let bundle = try #require(opened.bundlesOpened.first)
        // A reviewer approved one draft before the update arrived (as the owner, as the review functions would).
        let approved = try #require(try connection.query("""
            UPDATE chorus.drafts SET state = 'approved' WHERE id = (
                SELECT min(id) FROM chorus.drafts WHERE bundle_id = \(bundle) AND state = 'pending' AND text LIKE '%wounded 17 others%')
            RETURNING id, text
            """).first)
        // The update revises the injured, which the statements that give the toll state.
        let approvedID = try approved.decode("id", as: Int.self)

        let summary = try QueueWriter().write([batch([update])], on: connection)
        #expect(summary.bundlesOpened.isEmpty, "an update continues the bundle, it does not open another")
        #expect(summary.draftsSuperseded > 0)
        #expect(summary.draftsCreated == summary.draftsSuperseded)
        let live = try count(connection, "SELECT count(*) FROM chorus.drafts WHERE bundle_id = \(bundle) AND state IN ('pending', 'needs_edit', 'approved')")
        #expect(summary.draftsFlagged == live - summary.draftsCreated, "every kept draft is flagged: its facts changed")
        // The approved draft's text changed: superseded by a pending redraft that says why.
        #expect(try connection.query("SELECT state FROM chorus.drafts WHERE id = \(approvedID)").first?.decode("state", as: String.self) == "superseded")
        let redraft = try #require(try connection.query("""
            SELECT d.state, d.text, d.flag, d.facts_event_id = b.facts_event_id AS current FROM chorus.drafts d
            JOIN chorus.drafts old ON old.id = \(approvedID) AND old.bundle_id = d.bundle_id AND old.participant = d.participant
                 AND old.channel = d.channel AND old.language = d.language AND old.phase IS NOT DISTINCT FROM d.phase AND d.id > old.id
            JOIN chorus.bundles b ON b.id = d.bundle_id
            """).first)
        #expect(try redraft.decode("state", as: String.self) == "pending")
        #expect(try redraft.decode("text", as: String.self).contains("wounded 15 others"))
        #expect(try redraft.decode("flag", as: String?.self)?.contains("injured: 17 → 15") == true)
        #expect(try redraft.decode("current", as: Bool.self))
        // Exactly one live draft per slot, the superseded ones kept with an audit row and the facts before and after.
        #expect(try count(connection, """
            SELECT count(*) FROM (SELECT bundle_id, participant, channel, language, phase FROM chorus.drafts
                                  WHERE state IN ('pending', 'needs_edit', 'approved') GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1) d
            """) == 0)
        #expect(try count(connection, """
            SELECT count(*) FROM chorus.review_audit WHERE action = 'superseded'
            AND before_facts->>'injured' = '17' AND after_facts->>'injured' = '15'
            """) == summary.draftsSuperseded)
        #expect(try count(connection, "SELECT count(*) FROM chorus.bundle_events WHERE bundle_id = \(bundle) AND role = 'update'") == 1)
        // Every live draft stands on the update's facts, and so does the bundle.
        #expect(try count(connection, """
            SELECT count(*) FROM chorus.drafts d JOIN chorus.bundles b ON b.id = d.bundle_id JOIN chorus.events e ON e.id = b.facts_event_id
            WHERE d.bundle_id = \(bundle) AND d.state IN ('pending', 'needs_edit') AND (d.facts_event_id <> b.facts_event_id OR e.event_id <> \(update.id))
            """) == 0)
    }

    @Test func aCancelWithoutFiguresWithdrawsByReferenceEvenWhatWasApproved() throws {
        let connection = try migratedConnection()
        let opened = try QueueWriter().write([batch([alert])], on: connection)
        let bundle = try #require(opened.bundlesOpened.first)
        try connection.execute("UPDATE chorus.drafts SET state = 'approved' WHERE id = (SELECT min(id) FROM chorus.drafts WHERE bundle_id = \(bundle))")
        // A cancel carries no casualty figures: it matches no rule on its own.
        let cancel = Event(id: "drill-jerusalem-2017-cancel", source: "drill", kind: "other", status: .exercise, msgType: .cancel,
                           references: [alert.id], sentAt: Date(timeIntervalSince1970: 1_483_900_000))
        let planned = batch([cancel])
        #expect(planned.events[0].plans.isEmpty)
        let summary = try QueueWriter().write([planned], on: connection)
        #expect(summary.draftsWithdrawn == opened.draftsCreated)
        #expect(summary.correlations.map(\.relation) == [.cancel])
        #expect(try count(connection, "SELECT count(*) FROM chorus.drafts WHERE bundle_id = \(bundle) AND state <> 'withdrawn'") == 0)
        #expect(try count(connection, "SELECT count(*) FROM chorus.action_items WHERE bundle_id = \(bundle) AND state <> 'withdrawn'") == 0)
        #expect(try connection.query("SELECT flag FROM chorus.bundles WHERE id = \(bundle)").first?.decode("flag", as: String?.self) != nil)
        #expect(try count(connection, "SELECT count(*) FROM chorus.bundle_events WHERE bundle_id = \(bundle) AND role = 'cancel'") == 1)
    }

    @Test func aSecondReportOfTheSameIncidentFoldsIntoTheBundle() throws {
        let connection = try migratedConnection()
        try QueueWriter().write([batch([alert])], on: connection)
        var report = alert
        report.id = "upstream-report-of-the-same-attack"
        report.source = "upstream"
        let summary = try QueueWriter().write([batch([report], source: "upstream")], on: connection)
        #expect(summary.eventsRecorded == 1)
        #expect(summary.bundlesOpened.isEmpty)
        #expect(summary.draftsCreated == 0, "the same facts draft the same text: nothing to replace")
        #expect(try count(connection, "SELECT count(*) FROM chorus.bundle_events WHERE role = 'correlated'") > 0)
    }

    @Test func rejectionsCursorAndEventsCommitTogetherAndWakeReviewers() throws {
        let conninfo = try TestPostgres.makeDatabase()
        let listener = try Connection(conninfo)
        try Migrator().migrate(listener)
        try listener.listen(QueueWriter.notificationChannel)
        let connection = try Connection(conninfo)
        let huge = Data(repeating: 0x41, count: QueueWriter.maximumRawBytes + 100)
        let summary = try QueueWriter().write([batch([alert], cursor: #"{"offset": 42}"#, rejections: [
            RejectedInput(item: "feed.jsonl#2", reason: "line 2: id: is required", raw: huge),
        ])], on: connection)
        #expect(summary.rejectionsRecorded == 1)
        let rejected = try #require(try connection.query("SELECT length(raw) AS kept, raw_size FROM chorus.rejected_inputs").first)
        #expect(try rejected.decode("kept", as: Int.self) == QueueWriter.maximumRawBytes)
        #expect(try rejected.decode("raw_size", as: Int.self) == huge.count)
        #expect(try connection.query("SELECT cursor->>'offset' AS o FROM chorus.source_cursors WHERE source = 'drill'").first?
            .decode("o", as: String.self) == "42")
        let notified = try listener.waitForNotifications(timeout: .seconds(5))
        #expect(notified.first?.payload == summary.bundlesTouched.sorted().map(String.init).joined(separator: ","))
    }

    @Test func aFailureRollsBackEverythingIncludingTheCursor() throws {
        let connection = try migratedConnection()
        try connection.execute("ALTER TABLE chorus.action_items ADD CONSTRAINT refuse_all CHECK (false) NOT VALID")
        #expect(throws: PostgresError.self) {
            try QueueWriter().write([batch([alert], cursor: #"{"offset": 7}"#)], on: connection)
        }
        for table in ["events", "bundles", "drafts", "review_audit", "source_cursors"] {
            #expect(try count(connection, "SELECT count(*) FROM chorus.\(unescaped: table)") == 0, "\(table)")
        }
    }
}
