import Foundation
import Postgres
import Testing
import TestSupport

/// The story continues, through the daemon: an update and a cancel arriving for a bundle whose draft is
/// pending, approved, released or rejected. (The logic is ``Correlation``'s, persisted by ``QueueWriter``;
/// this proves the daemon feeds it the events in order and that nothing is drafted twice.)
struct StoryTests {
    static let states = ["pending", "approved", "released", "rejected"]

    static func line(_ id: String, type: String, references: [String] = [], magnitude: Double, sent: String) -> String {
        let refs = references.map { "\"\($0)\"" }.joined(separator: ",")
        return #"{"id":"\#(id)","kind":"earthquake","msgType":"\#(type)","references":[\#(refs)],"countries":["IL"],"magnitude":\#(magnitude),"sentAt":"\#(sent)"}"#
            + "\n"
    }

    @Test func anUpdateAndACancelForABundleInEachState() throws {
        let harness = try DaemonHarness(template: "We stand with everyone affected by the magnitude {{magnitude}} earthquake.")
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(daemon.waitForLog("msg=\"ready\"", timeout: 30), "\(daemon.log)")
        var alerts = ""
        for state in Self.states {
            for follow in ["update", "cancel"] {
                alerts += Self.line("story-\(state)-\(follow)", type: "alert", magnitude: 6.1, sent: "2026-01-01T00:00:00Z")
            }
        }
        try harness.append(Data(alerts.utf8))
        #expect(DaemonHarness.eventually(timeout: 30) { try harness.count("SELECT count(*) FROM chorus.drafts") == 8 },
                "\(daemon.log.suffix(2000))")

        // Reviewers act (as the owner, as the review functions would).
        let connection = try harness.connect()
        for state in Self.states where state != "pending" {
            let ids = try connection.query("""
                SELECT d.id FROM chorus.drafts d JOIN chorus.bundles b ON b.id = d.bundle_id
                JOIN chorus.events e ON e.id = b.event_id WHERE e.event_id LIKE \("story-\(state)-%")
                """).rows.map { try $0.decode("id", as: Int.self) }
            #expect(ids.count == 2)
            switch state {
            case "approved":
                try connection.execute("UPDATE chorus.drafts SET state = 'approved' WHERE id = ANY(\(ids))")
            case "released":
                try connection.execute("UPDATE chorus.drafts SET state = 'approved' WHERE id = ANY(\(ids))")
                try connection.execute("UPDATE chorus.drafts SET state = 'released', released_at = now() WHERE id = ANY(\(ids))")
            default:
                try connection.execute("UPDATE chorus.drafts SET state = 'rejected' WHERE id = ANY(\(ids))")
            }
        }

        var follows = ""
        for state in Self.states {
            follows += Self.line("story-\(state)-update-2", type: "update", references: ["story-\(state)-update"], magnitude: 6.8,
                                 sent: "2026-01-01T01:00:00Z")
            follows += Self.line("story-\(state)-cancel-2", type: "cancel", references: ["story-\(state)-cancel"], magnitude: 6.1,
                                 sent: "2026-01-01T01:00:00Z")
        }
        try harness.append(Data(follows.utf8))
        #expect(DaemonHarness.eventually(timeout: 30) { try harness.count("SELECT count(*) FROM chorus.events") == 16 })
        Thread.sleep(forTimeInterval: 0.3)

        func drafts(_ alert: String) throws -> [(state: String, flagged: Bool, text: String)] {
            try connection.query("""
                SELECT d.state, d.flag IS NOT NULL AS flagged, d.text FROM chorus.drafts d
                JOIN chorus.bundles b ON b.id = d.bundle_id JOIN chorus.events e ON e.id = b.event_id
                WHERE e.event_id = \(alert) ORDER BY d.id
                """).rows.map { (try $0.decode("state"), try $0.decode("flagged"), try $0.decode("text")) }
        }
        // Every follow-up joined its alert's bundle: still one bundle per alert.
        #expect(try harness.count("SELECT count(*) FROM chorus.bundles") == 8)

        // Updates (the magnitude, which the text names): a pending or approved draft nobody edited is superseded
        // by one with the new figures — the approved one's redraft flagged and back in review; a released one
        // is never changed, only flagged; a rejected slot stays as the reviewer left it.
        for state in ["pending", "approved"] {
            let updated = try drafts("story-\(state)-update")
            #expect(updated.map(\.state) == ["superseded", "pending"], "\(state)")
            #expect(updated.last?.text.contains("6.8") == true)
            #expect(updated.last?.flagged == (state == "approved"), "\(state)")
        }
        let released = try drafts("story-released-update")
        #expect(released.map(\.state) == ["released"])
        #expect(released.first?.flagged == true)
        #expect(released.first?.text.contains("6.1") == true)
        #expect(try drafts("story-rejected-update").map(\.state) == ["rejected"])

        // Cancels: pending and approved are withdrawn; released is flagged, never changed; rejected stays.
        for state in ["pending", "approved"] {
            #expect(try drafts("story-\(state)-cancel").map(\.state) == ["withdrawn"], "\(state)")
        }
        let cancelled = try drafts("story-released-cancel")
        #expect(cancelled.map(\.state) == ["released"])
        #expect(cancelled.first?.flagged == true)
        #expect(try drafts("story-rejected-cancel").map(\.state) == ["rejected"])
        #expect(try harness.count("SELECT count(*) FROM chorus.rejected_inputs") == 0)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0)
    }
}
