import ChorusCLI
import Foundation
import Postgres
import Testing
import TestSupport

/// `chorus ingest` without `--dry-run`: the pipeline once, into a real database.
struct IngestPipelineTests {
    func migratedDatabase() throws -> String {
        let database = try TestPostgres.makeDatabase()
        let migrate = IngestCommandTests.run(["migrate", "--database", database])
        #expect(migrate.code == .success, "\(migrate.err)")
        return database
    }

    func count(_ database: String, _ query: Query) throws -> Int {
        try Connection(database).query(query).first?.decode(0, as: Int.self) ?? -1
    }

    @Test func queuesEventsDraftsAndRejectionsOnceAndExits65OnRejections() throws {
        let database = try migratedDatabase()
        let arguments = ["ingest", IngestCommandTests.sample("events.jsonl"), "--database", database, "--rules", "Rules",
                         "--source", "ops"]
        let first = IngestCommandTests.run(arguments)
        #expect(first.code == .dataError, "\(first.err)")
        #expect(first.out.hasPrefix("Queued 2 events (0 already queued) from 1 document as source 'ops'."), "\(first.out)")
        let rejections = first.err.split(separator: "\n").filter { $0.hasPrefix("chorus: rejected ") }
        #expect(!rejections.isEmpty)
        #expect(first.err.hasSuffix("Error: \(rejections.count) rejected, 2 accepted\n"))
        #expect(try count(database, "SELECT count(*) FROM chorus.events WHERE source = 'ops'") == 2)
        #expect(try count(database, "SELECT count(*) FROM chorus.rejected_inputs WHERE source = 'ops'") == rejections.count)
        let drafts = try count(database, "SELECT count(*) FROM chorus.drafts")
        #expect(drafts > 0, "the Jerusalem event matches the attack rule")
        #expect(try count(database, """
            SELECT count(*) FROM chorus.bundles b JOIN chorus.events e ON e.id = b.event_id
            WHERE b.ruleset_version <> '' AND e.event_id = 'jerusalem-2017-01-08'
            """) >= 1)

        // Again: nothing new is drafted, and no rejection is stored twice.
        let second = IngestCommandTests.run(arguments + ["--json"])
        #expect(second.code == .dataError)
        let report = try JSONDecoder().decode([String: Int].self, from: Data(second.out.utf8))
        #expect(report["eventsQueued"] == 0)
        #expect(report["eventsAlreadyQueued"] == 2)
        #expect(report["draftsCreated"] == 0)
        #expect(try count(database, "SELECT count(*) FROM chorus.drafts") == drafts)
        #expect(report["rejected"] == rejections.count)
        #expect(report["rejectedAlreadyKept"] == rejections.count)
        #expect(try count(database, "SELECT count(*) FROM chorus.rejected_inputs WHERE source = 'ops'") == rejections.count)
    }

    @Test func aCleanDocumentExitsZero() throws {
        let database = try migratedDatabase()
        let outcome = IngestCommandTests.run(["ingest", IngestCommandTests.sample("gdacs_rss_2019-12-30_DR_EQ_TC_green.xml"),
                                              "--database", database, "--rules", "Rules", "--json"])
        #expect(outcome.code == .success, "\(outcome.err)")
        let report = try JSONDecoder().decode([String: Int].self, from: Data(outcome.out.utf8))
        #expect(report["eventsQueued"] == 4)
        #expect(report["rejected"] == 0)
        #expect(try count(database, "SELECT count(*) FROM chorus.events WHERE source = 'ingest'") == 4)
    }

    @Test func anUnmigratedDatabaseIsAConfigurationError() throws {
        let database = try TestPostgres.makeDatabase()
        let outcome = IngestCommandTests.run(["ingest", IngestCommandTests.sample("events.jsonl"), "--database", database,
                                              "--rules", "Rules"])
        #expect(outcome.code == .configuration)
        #expect(outcome.err.contains("run 'chorus migrate'"), "\(outcome.err)")
    }
}
