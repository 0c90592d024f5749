import Foundation
import Postgres
import Testing
import TestSupport

/// Review commands that cannot do what they were asked say why, with the exit code that fits: nothing left
/// to approve or reject, a draft that is gone, a role that lacks a privilege, a schema that is behind.
struct ReviewRefusalTests {
    let database: String

    init() throws {
        database = try TestPostgres.makeDatabase()
        let migrated = try ChorusProcess.run(["migrate", "--database", database])
        try #require(migrated.status == 0, "\(migrated.standardError)")
    }

    func chorus(_ arguments: [String], database: String? = nil) throws -> ChorusProcess.Outcome {
        try ChorusProcess.run(arguments + ["--database", database ?? self.database], environment: ["NO_COLOR": "1"])
    }

    func drillBundle() throws -> Int {
        let outcome = try chorus(["drill", "jerusalem-2017", "--rules", Repository.rules.path, "--json"])
        try #require(outcome.status == 0, "\(outcome.standardError)")
        let line = try #require(outcome.standardOutput.split(separator: "\n").last)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        return try #require((object["bundles"] as? [Int])?.first)
    }

    /// The last line of standard error.
    func errorLine(_ outcome: ChorusProcess.Outcome) -> String {
        outcome.standardError.split(separator: "\n").last.map(String.init) ?? ""
    }

    @Test func aBundleWithNothingLeftToApproveOrRejectSaysSoWithExit65() throws {
        let bundle = try drillBundle()
        let first = try chorus(["review", "approve", String(bundle)])
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardOutput.hasPrefix("bundle \(bundle): approved "))

        let again = try chorus(["review", "approve", String(bundle)])
        #expect(again.status == 65)
        #expect(errorLine(again).hasPrefix("Error: bundle \(bundle): nothing left to approve (drafts: "), "\(again.standardError)")
        #expect(errorLine(again).contains(" approved"))
        #expect(again.standardOutput.isEmpty)

        let rejected = try chorus(["review", "reject", String(bundle), "--reason", "not this one"])
        #expect(rejected.status == 0, "\(rejected.standardError)")
        let rejectAgain = try chorus(["review", "reject", String(bundle), "--reason", "not this one"])
        #expect(rejectAgain.status == 65)
        #expect(errorLine(rejectAgain).hasPrefix("Error: bundle \(bundle): nothing left to reject (drafts: "), "\(rejectAgain.standardError)")
        #expect(try chorus(["review", "reject", "999999", "--reason", "x"]).standardError == "Error: there is no bundle 999999\n")
    }

    @Test func approvingAWithdrawnDraftSaysWithdrawnWithExit65NotTryAgain() throws {
        let bundle = try drillBundle()
        let owner = try Connection(database)
        let draft = try #require(try owner.query("""
            SELECT id, version FROM chorus.drafts WHERE bundle_id = \(bundle) AND state = 'pending' ORDER BY id LIMIT 1
            """).first)
        let id: Int = try draft.decode("id")
        let version: Int = try draft.decode("version")
        // What a Cancel of the event does to the bundle's live drafts.
        try owner.execute("UPDATE chorus.drafts SET state = 'withdrawn' WHERE id = \(id)")

        for target in ["d\(id)@\(version)", "d\(id)"] {
            let outcome = try chorus(["review", "approve", target])
            #expect(outcome.status == 65, "\(target): \(outcome.standardError)")
            #expect(outcome.standardError == "Error: d\(id) is withdrawn: its event was cancelled; nothing to approve\n")
        }
    }

    @Test func aRoleWithoutAPrivilegeIsNamedWithWhatItLacks() throws {
        let admin = try Connection(database)
        let role = "chorus_test_no_privileges"
        do {
            try admin.execute("CREATE ROLE \(identifier: role) LOGIN")
        } catch let error as PostgresError where error.sqlState == "42710" || error.sqlState == "23505" {
            // Created by an earlier run against the same server.
        }
        let asRole = database + " user=\(role)"
        let noSchema = try chorus(["review", "list"], database: asRole)
        #expect(noSchema.status == 78)
        #expect(noSchema.standardError == "Error: the database role '\(role)' may not do this: permission denied for schema "
                + "chorus — grant it chorus_reviewer (to review) or chorus_daemon (for the pipeline): see Deploy/roles.sql\n")

        try admin.execute("GRANT USAGE ON SCHEMA chorus TO \(identifier: role)")
        try admin.execute("GRANT SELECT ON chorus.schema_migrations TO \(identifier: role)")
        let noTable = try chorus(["review", "list"], database: asRole)
        #expect(noTable.status == 78)
        #expect(noTable.standardError.hasPrefix("Error: the database role '\(role)' may not do this: permission denied for table bundles"),
                "\(noTable.standardError)")
        #expect(!noTable.standardError.contains("SELECT"))
    }

    @Test(arguments: [
        ["review", "list"], ["review", "show", "1"], ["review", "approve", "1"], ["review", "reject", "1", "--reason", "r"],
        ["review", "edit", "d1", "--text", "t"], ["outbox"], ["drill", "--clear"], ["drill", "jerusalem-2017", "--rules", Repository.rules.path],
        ["ingest", Repository.root.appendingPathComponent("Tests/ChorusFeedsTests/Fixtures/events.jsonl").path, "--rules", Repository.rules.path],
    ])
    func aConfiguredDatabaseThatIsNotMigratedIsCheckedNotMigrated(arguments: [String]) throws {
        let empty = try TestPostgres.makeDatabase()
        let outcome = try chorus(arguments, database: empty)
        #expect(outcome.status == 78, "\(outcome.standardError)")
        #expect(errorLine(outcome).hasPrefix("Error: the database has no chorus schema (this chorus needs version "), "\(outcome.standardError)")
        #expect(errorLine(outcome).hasSuffix("run 'chorus migrate' with the same --database or --config, as the schema's owner"))
        // Checked, not migrated: a configured database belongs to its operator.
        #expect(try Connection(empty).query("SELECT to_regclass('chorus.schema_migrations') IS NULL AS absent").first?
            .decode("absent", as: Bool.self) == true)
    }
}
