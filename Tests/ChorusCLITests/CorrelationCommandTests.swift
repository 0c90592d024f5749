import Foundation
import Postgres
import Testing
import TestSupport

/// Correlation by reference through the real binary and the repository's rules, as a duty desk meets it:
/// an Update without the alert's matching fields sends approved drafts whose facts changed back to review
/// (the database refuses to release them, the outbox never shows them, the reviewer sees what changed, and
/// the record released after the new approval carries the flag and the new facts); a Cancel without figures
/// withdraws by reference and leaves nothing to approve.
struct CorrelationCommandTests {
    let database: String
    let connection: Connection
    let scratch: URL

    init() throws {
        database = try TestPostgres.makeDatabase()
        let migrated = try ChorusProcess.run(["migrate", "--database", database])
        try #require(migrated.status == 0, "\(migrated.standardError)")
        connection = try Connection(database)
        scratch = try TestPostgres.makeTemporaryDirectory(prefix: "chorus-test-correlation")
    }

    func chorus(_ arguments: [String]) throws -> ChorusProcess.Outcome {
        try ChorusProcess.run(arguments + ["--database", database], environment: ["NO_COLOR": "1"])
    }

    /// Ingests one JSON Lines event.
    func ingest(_ line: String, name: String) throws -> ChorusProcess.Outcome {
        let file = scratch.appendingPathComponent("\(name).jsonl")
        try Data((line + "\n").utf8).write(to: file)
        let outcome = try chorus(["ingest", "--format", "jsonl", "--rules", Repository.rules.path, file.path])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        return outcome
    }

    func json(_ outcome: ChorusProcess.Outcome) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any], "\(outcome.standardOutput)")
    }

    func states(bundle: Int) throws -> [String: Int] {
        var states: [String: Int] = [:]
        for row in try connection.query("SELECT state FROM chorus.drafts WHERE bundle_id = \(bundle)").rows {
            states[try row.decode("state", as: String.self), default: 0] += 1
        }
        return states
    }

    func bundle(of event: String) throws -> Int {
        try #require(try connection.query("""
            SELECT b.id FROM chorus.bundles b JOIN chorus.events e ON e.id = b.event_id WHERE e.event_id = \(event)
            """).first).decode("id", as: Int.self)
    }

    static let now = ISO8601DateFormatter().string(from: Date())

    @Test func anUpdateByReferenceSendsChangedApprovalsBackAndTheReleasedRecordCarriesTheNewFacts() throws {
        _ = try ingest(#"{"id":"jlm-1","kind":"terror_attack","msgType":"alert","countries":["IL"],"place":"Jerusalem","severity":"severe","certainty":"observed","fatalities":4,"injured":17,"occurredAt":"\#(Self.now)","sentAt":"\#(Self.now)","headline":{"en":"Attack in Jerusalem"}}"#, name: "alert")
        let bundle = try bundle(of: "jlm-1")
        let approved = try chorus(["review", "approve", String(bundle)])
        #expect(approved.status == 0, "\(approved.standardError)")
        let drafts = try #require(try states(bundle: bundle)["approved"])
        // Not before 5 minutes: approved, not released.
        #expect((try json(try chorus(["outbox", "--json"]))["records"] as? [Any])?.isEmpty == true)

        // The update names the alert; only the figures change. Every approval is undone: a draft whose text
        // the figures change is superseded by a flagged redraft, one whose text stays goes back to review.
        let update = try ingest(#"{"id":"jlm-2","kind":"terror_attack","msgType":"update","references":["jlm-1"],"countries":["IL"],"place":"Jerusalem","severity":"severe","certainty":"observed","fatalities":6,"injured":20,"occurredAt":"\#(Self.now)","sentAt":"\#(Self.now)","headline":{"en":"Attack in Jerusalem"}}"#, name: "update")
        let superseded = try states(bundle: bundle)["superseded"] ?? 0
        let returned = drafts - superseded
        #expect(returned > 0, "no text of the shipped rules leaves the figures out: this test no longer sees a draft sent back")
        #expect(update.standardOutput.contains("\(superseded) superseded") && update.standardOutput.contains("\(returned) approved sent back to review"),
                "\(update.standardOutput)")
        #expect(try states(bundle: bundle) == ["pending": drafts, "superseded": superseded].filter { $0.value > 0 }, "no approval survives")

        // The reviewer sees what changed, on the bundle and on each draft.
        let shown = try json(try chorus(["review", "show", String(bundle), "--json"]))
        let records = try #require(shown["drafts"] as? [[String: Any]]).filter { $0["state"] as? String == "pending" }
        #expect(records.count == drafts)
        var kept = 0
        for record in records {
            #expect((record["flag"] as? String)?.contains("fatalities: 4 → 6") == true, "\(record)")
            #expect(record["handle"] as? String != nil)
            // A kept text says it was written before the facts changed.
            if let changed = record["factsChangedSinceWritten"] as? [[String: Any]] {
                kept += 1
                #expect(changed.contains { $0["field"] as? String == "fatalities" && $0["before"] as? String == "4" && $0["after"] as? String == "6" })
            }
        }
        #expect(kept == returned)
        let audit = try #require(shown["audit"] as? [[String: Any]])
        #expect(audit.filter { $0["action"] as? String == "returned" }.count == returned)

        // Due now: still nothing is released — not by a delivery run, not by the database on request.
        try connection.execute("UPDATE chorus.bundles SET not_before = now() - interval '1 second' WHERE id = \(bundle)")
        let server = try TestHTTPServer(fallback: .status(200))
        defer { server.stop() }
        let deliver = try chorus(["outbox", "--deliver", "--webhook", "de-foreign-office=\(server.url(path: "/hook"))"])
        #expect(deliver.status == 0, "\(deliver.standardError)")
        #expect(server.receivedRequests.isEmpty)
        #expect((try json(try chorus(["outbox", "--json"]))["records"] as? [Any])?.isEmpty == true)
        #expect(throws: PostgresError.self) {
            try connection.execute("UPDATE chorus.drafts SET state = 'released', released_at = now() WHERE bundle_id = \(bundle)")
        }

        // Approved again: released, and the record says what changed and stands on the new facts.
        let again = try chorus(["review", "approve", String(bundle)])
        #expect(again.status == 0, "\(again.standardError)")
        let outbox = try #require(try json(try chorus(["outbox", "--json"]))["records"] as? [[String: Any]])
        // Drafts of a later phase (thanks, gestures, consular posts) wait for their own not-before.
        let later = try connection.query("""
            SELECT count(*) AS n FROM chorus.drafts WHERE bundle_id = \(bundle) AND state = 'approved' AND not_before > now()
            """).first?.decode("n", as: Int.self) ?? 0
        #expect(outbox.count == drafts - later && !outbox.isEmpty, "\(again.standardOutput)")
        for record in outbox {
            #expect((record["flag"] as? String)?.contains("fatalities: 4 → 6") == true, "\(record)")
            let facts = try #require(record["facts"] as? [String: Any])
            #expect(facts["fatalities"] as? Int == 6 && facts["injured"] as? Int == 20, "\(facts)")
            #expect((record["event"] as? [String: Any])?["id"] as? String == "jlm-2")
            #expect((record["handle"] as? String)?.isEmpty == false)
        }
    }

    @Test func aCancelWithoutFiguresWithdrawsByReferenceAndLeavesNothingToApprove() throws {
        _ = try ingest(#"{"id":"par-1","kind":"shooting","msgType":"alert","countries":["FR"],"place":"Paris","severity":"severe","certainty":"observed","fatalities":2,"occurredAt":"\#(Self.now)","sentAt":"\#(Self.now)","headline":{"en":"Shooting in Paris"}}"#, name: "alert")
        let bundle = try bundle(of: "par-1")
        let drafts = try #require(try states(bundle: bundle)["pending"])
        let first = try #require(try connection.query("SELECT min(id) AS id FROM chorus.drafts WHERE bundle_id = \(bundle)").first)
            .decode("id", as: Int.self)
        #expect(try chorus(["review", "approve", "d\(first)"]).status == 0)
        // No figures, no place: it matches no rule on its own.
        let cancel = try ingest(#"{"id":"par-2","kind":"shooting","msgType":"cancel","references":["par-1"],"countries":["FR"],"sentAt":"\#(Self.now)"}"#, name: "cancel")
        #expect(cancel.standardOutput.contains("\(drafts) withdrawn"), "\(cancel.standardOutput)")
        #expect(try states(bundle: bundle) == ["withdrawn": drafts])
        let approve = try chorus(["review", "approve", String(bundle)])
        #expect(approve.status == 65 && approve.standardError.contains("nothing left to approve"), "\(approve.standardError)")
        let approveDraft = try chorus(["review", "approve", "d\(first)"])
        #expect(approveDraft.status == 65 && approveDraft.standardError.contains("withdrawn"), "\(approveDraft.standardError)")
        #expect((try json(try chorus(["outbox", "--json"]))["records"] as? [Any])?.isEmpty == true)
    }
}
