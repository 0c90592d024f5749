import ChorusCLI
import Foundation
import Postgres
import Synchronization
import Testing
import TestSupport

/// Every command in the state a new user finds: the embedded database not migrated yet, and a configured
/// database that cannot be reached. Each row runs the real binary and pins the exit code and the first line
/// of standard error (and the `Error:` line when the command fails); no row may show SQL text.
struct DatabaseReadinessTests {
    /// What a row expects.
    struct Row: Sendable, CustomTestStringConvertible {
        enum Mode: Sendable {
            /// Runs to its end.
            case once
            /// `chorus run`: stopped with SIGTERM once it is ready.
            case daemon
            /// `review watch --exit-after 1`: nudged with notifications until it ends.
            case watch
            /// `chorus console`: stopped with SIGTERM once it listens.
            case console
        }

        var arguments: [String]
        var status: Int32
        /// The start of standard error's first line; `nil` when standard error must stay empty.
        var firstLine: String?
        /// The start of the `Error: …` line a failing command ends with.
        var error: String?
        var mode: Mode = .once

        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let rules = Repository.rules.path
    static let feed = Repository.root.appendingPathComponent("Tests/ChorusFeedsTests/Fixtures/gdacs_rss_2019-12-30_DR_EQ_TC_green.xml").path
    static let scenario = Repository.rules.appendingPathComponent("drills/jerusalem-2017.json5").path
    static let event = #"{"id":"evt-1","kind":"terror_attack","status":"actual","msgType":"alert","countries":["IL"],"place":"Jerusalem","severity":"severe","certainty":"observed","fatalities":4,"occurredAt":"2017-01-08T11:30:00Z","sentAt":"2017-01-08T11:45:00Z"}"#

    /// The leaf commands of the tree (`["review", "approve"]`), which the tables must cover.
    static func leafCommands(_ command: any ChorusCommand.Type = ChorusRoot.self, prefix: [String] = []) -> [[String]] {
        command.spec.subcommands.flatMap { child -> [[String]] in
            let path = prefix + [child.spec.name]
            return child.spec.subcommands.isEmpty ? [path] : leafCommands(child, prefix: path)
        }
    }

    /// A scratch home with an empty configuration (so that no /etc/chorus file is read) and an event file.
    struct Scratch {
        let home: URL
        let environment: [String: String]
        let eventFile: String

        init(prefix: String) throws {
            home = try TestPostgres.makeTemporaryDirectory(prefix: prefix)
            let config = home.appendingPathComponent("chorus.json5")
            try Data("{}\n".utf8).write(to: config)
            let event = home.appendingPathComponent("event.jsonl")
            try Data((DatabaseReadinessTests.event + "\n").utf8).write(to: event)
            eventFile = event.path
            environment = ["HOME": home.path, "STATE_DIRECTORY": home.appendingPathComponent("state").path,
                           "CHORUS_CONFIG": config.path, "NO_COLOR": "1"]
        }
    }

    static func run(_ row: Row, scratch: Scratch, nudge: @escaping @Sendable () -> Void = {}) throws -> ChorusProcess.Outcome {
        switch row.mode {
        case .once:
            return try ChorusProcess.run(row.arguments, environment: scratch.environment, directory: scratch.home)
        case .daemon:
            let daemon = try ChorusProcess.start(row.arguments, environment: scratch.environment, directory: scratch.home)
            let ready = daemon.wait { $0.standardError.contains(#"msg="ready""#) }
            let outcome = try daemon.stop()
            #expect(ready, "\(outcome.standardError)")
            return outcome
        case .console:
            let console = try ChorusProcess.start(row.arguments, environment: scratch.environment, directory: scratch.home)
            let listening = console.wait { $0.standardError.contains(#"msg="console listening""#) }
            let outcome = try console.stop()
            #expect(listening, "\(outcome.standardError)")
            return outcome
        case .watch:
            let watcher = try ChorusProcess.start(row.arguments, environment: scratch.environment, directory: scratch.home)
            // Listening may begin after a notification: keep nudging until the watcher has seen one.
            let deadline = Date().addingTimeInterval(60)
            while !watcher.wait(timeout: 0.3, until: { !$0.isRunning }), Date() < deadline { nudge() }
            return try watcher.finish(timeout: 5)
        }
    }

    static func check(_ row: Row, _ outcome: ChorusProcess.Outcome) {
        let lines = outcome.standardError.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(outcome.status == row.status, "\(row.testDescription): \(outcome.standardError)")
        if let firstLine = row.firstLine {
            #expect(lines.first?.hasPrefix(firstLine) == true, "\(row.testDescription): \(outcome.standardError)")
        } else {
            #expect(outcome.standardError.isEmpty, "\(row.testDescription): \(outcome.standardError)")
        }
        if let error = row.error {
            #expect(lines.contains { $0.hasPrefix(error) }, "\(row.testDescription): \(outcome.standardError)")
        } else {
            #expect(!lines.contains { $0.hasPrefix("Error:") }, "\(row.testDescription): \(outcome.standardError)")
        }
        for text in ["SELECT ", "INSERT ", "QUERY:", "DETAIL:"] {
            #expect(!outcome.standardError.contains(text), "\(row.testDescription) shows SQL: \(outcome.standardError)")
        }
    }

    // MARK: The embedded database, not migrated yet

    static let migrated = "chorus: brought the embedded database's schema from version 0 to "
    static let reviewAsYourself = "Error: on the embedded database you review as yourself, and it has no reviewer "

    /// Every command on the embedded database, each after its `chorus` schema was dropped: the ones that use
    /// the queue bring the schema up to date themselves and say so.
    static func embeddedRows(_ scratch: Scratch) -> [Row] {
        [
            Row(arguments: ["migrate"], status: 0, firstLine: nil),
            Row(arguments: ["status"], status: 0, firstLine: nil),
            Row(arguments: ["rules", "check", rules], status: 0, firstLine: nil),
            Row(arguments: ["rules", "test", scenario, "--rules", rules], status: 0, firstLine: nil),
            Row(arguments: ["ingest", feed, "--rules", rules], status: 0, firstLine: migrated),
            Row(arguments: ["ingest", feed, "--dry-run", "--rules", rules], status: 0, firstLine: nil),
            Row(arguments: ["drill", "jerusalem-2017", "--rules", rules], status: 0, firstLine: migrated),
            Row(arguments: ["drill", "--event", scratch.eventFile, "--rules", rules], status: 0, firstLine: migrated),
            Row(arguments: ["drill", "--list", "--rules", rules], status: 0, firstLine: nil),
            Row(arguments: ["drill", "--clear"], status: 0, firstLine: migrated),
            Row(arguments: ["report", "--kind", "shooting", "--country", "US", "--rules", rules], status: 0, firstLine: migrated),
            Row(arguments: ["report", "--kind", "shooting", "--country", "US", "--dry-run", "--rules", rules], status: 0, firstLine: nil),
            Row(arguments: ["review", "list"], status: 0, firstLine: migrated),
            Row(arguments: ["review", "show", "1"], status: 65, firstLine: migrated, error: "Error: there is no bundle 1"),
            // Decisions on the embedded database are a named reviewer's: the test's user has no reviewer role.
            Row(arguments: ["review", "approve", "1"], status: 78, firstLine: migrated, error: Self.reviewAsYourself),
            Row(arguments: ["review", "reject", "1", "--reason", "wrong"], status: 78, firstLine: migrated,
                error: Self.reviewAsYourself),
            Row(arguments: ["review", "edit", "d1", "--text", "new"], status: 78, firstLine: migrated,
                error: Self.reviewAsYourself),
            Row(arguments: ["reviewers", "add", "readiness_reviewer", "--role", "reviewer"], status: 0, firstLine: migrated),
            Row(arguments: ["reviewers", "list"], status: 0, firstLine: migrated),
            Row(arguments: ["reviewers", "remove", "readiness_reviewer"], status: 0, firstLine: migrated),
            Row(arguments: ["console", "--listen", "127.0.0.1:0"], status: 0, firstLine: migrated, mode: .console),
            Row(arguments: ["review", "watch", "--exit-after", "1"], status: 0, firstLine: migrated, mode: .watch),
            Row(arguments: ["outbox"], status: 0, firstLine: migrated),
            Row(arguments: ["run", "--rules", rules], status: 0, firstLine: #"level=notice msg="brought the embedded database's schema"#,
                mode: .daemon),
            Row(arguments: ["embedded", "start"], status: 0, firstLine: migrated),
            Row(arguments: ["embedded", "stop"], status: 0, firstLine: nil),
            // The cluster is stopped now: the next command starts it, and says so once.
            Row(arguments: ["review", "list"], status: 0, firstLine: "chorus: started the embedded PostgreSQL cluster in "),
        ]
    }

    /// Commands the embedded table leaves out, and why.
    static let notOnTheEmbeddedDatabase: [[String]: String] = [
        ["demo"]: "runs on a private cluster of its own and never touches the embedded one (DemoCommandTests)",
    ]

    @Test func everyCommandOnAnUnmigratedEmbeddedDatabase() throws {
        let scratch = try Scratch(prefix: "chorus-test-embedded")
        let state = scratch.home.appendingPathComponent("state")
        let cluster = try EmbeddedPostgres(directory: state.appendingPathComponent("postgres"))
        defer {
            try? cluster.stop(.immediate)
            try? FileManager.default.removeItem(at: scratch.home)
        }
        let rows = Self.embeddedRows(scratch)
        let covered = Set(rows.map { Array($0.arguments.prefix(2)) }.flatMap { [Array($0.prefix(1)), $0] })
        for leaf in Self.leafCommands() {
            #expect(covered.contains(leaf) || Self.notOnTheEmbeddedDatabase[leaf] != nil,
                    "chorus \(leaf.joined(separator: " ")) has no row in the unmigrated-embedded table")
        }

        // A state directory nobody used: the first command creates the cluster and says so, then the schema.
        let first = try ChorusProcess.run(["review", "list"], environment: scratch.environment, directory: scratch.home)
        #expect(first.status == 0, "\(first.standardError)")
        let lines = first.standardError.split(separator: "\n").map(String.init)
        #expect(lines.first == "chorus: created the embedded PostgreSQL cluster in \(state.path)/postgres and started it; "
                + "it keeps running for the next commands ('chorus embedded stop' stops it)")
        #expect(lines.dropFirst().first?.hasPrefix(Self.migrated + "") == true, "\(first.standardError)")
        #expect(lines.dropFirst().first?.contains("(applied 1 initial_schema, 2 review_workflow") == true)
        #expect(first.standardOutput == "No bundles (awaiting review).\n")
        // Said once: the next command finds it running and migrated, and says nothing.
        let second = try ChorusProcess.run(["review", "list"], environment: scratch.environment, directory: scratch.home)
        #expect(second.status == 0 && second.standardError.isEmpty, "\(second.standardError)")

        for row in rows {
            if cluster.isRunning {
                try Connection(cluster.conninfo(database: "chorus")).execute("DROP SCHEMA IF EXISTS chorus CASCADE")
            }
            let outcome = try Self.run(row, scratch: scratch) {
                _ = try? Connection(cluster.conninfo(database: "chorus")).query("SELECT pg_notify('chorus_review', '0')")
            }
            Self.check(row, outcome)
            if row.mode == .daemon {
                #expect(outcome.standardError.contains(#"level=warning msg="no sources configured"#), "\(outcome.standardError)")
            }
        }
    }

    @Test func embeddedStopWithNoClusterHasNothingToStopAndCreatesNothing() throws {
        let scratch = try Scratch(prefix: "chorus-test-embedded-stop")
        defer { try? FileManager.default.removeItem(at: scratch.home) }
        let outcome = try ChorusProcess.run(["embedded", "stop"], environment: scratch.environment)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput == "There is no embedded cluster in \(scratch.home.path)/state/postgres; nothing to stop.\n")
        #expect(!FileManager.default.fileExists(atPath: scratch.home.appendingPathComponent("state/postgres").path))
        // With a server configured, the commands say which database the others use.
        var environment = scratch.environment
        environment["PGHOST"] = "/nonexistent"
        let noted = try ChorusProcess.run(["embedded", "stop"], environment: environment)
        #expect(noted.standardError.hasPrefix("chorus: note: commands use libpq environment"), "\(noted.standardError)")
    }

    // MARK: A database that cannot be reached

    static let unreachable = "host=/nonexistent/chorus-unreachable user=nobody password=s3cret-pw"
    static let statusUnreachable = "Error: the database cannot be reached"
    static let cannotConnect = #"Error: cannot connect to PostgreSQL: connection to server on socket "/nonexistent/chorus-unreachable/.s.PGSQL.5432" failed"#

    /// Every command that takes `--database`, against a server that is not there: the ones that need it end
    /// with 69 at once, the daemon waits for it, the offline ones do not care.
    static let unreachableRows: [Row] = [
        Row(arguments: ["migrate"], status: 69, firstLine: cannotConnect, error: cannotConnect),
        Row(arguments: ["ingest", feed, "--rules", rules], status: 69, firstLine: cannotConnect, error: cannotConnect),
        Row(arguments: ["ingest", feed, "--dry-run", "--rules", rules], status: 0, firstLine: nil),
        Row(arguments: ["drill", "jerusalem-2017", "--rules", rules], status: 69, firstLine: cannotConnect, error: cannotConnect),
        Row(arguments: ["drill", "--list", "--rules", rules], status: 0, firstLine: nil),
        Row(arguments: ["drill", "--clear"], status: 69, firstLine: cannotConnect, error: cannotConnect),
        Row(arguments: ["report", "--kind", "shooting", "--country", "US", "--rules", rules], status: 69, firstLine: cannotConnect,
            error: cannotConnect),
        Row(arguments: ["report", "--kind", "shooting", "--country", "US", "--dry-run", "--rules", rules], status: 0, firstLine: nil),
        Row(arguments: ["review", "list"], status: 69, firstLine: cannotConnect, error: cannotConnect),
        Row(arguments: ["review", "show", "1"], status: 69, firstLine: cannotConnect, error: cannotConnect),
        Row(arguments: ["review", "approve", "1"], status: 69, firstLine: cannotConnect, error: cannotConnect),
        Row(arguments: ["review", "reject", "1", "--reason", "wrong"], status: 69, firstLine: cannotConnect, error: cannotConnect),
        Row(arguments: ["review", "edit", "d1", "--text", "new"], status: 69, firstLine: cannotConnect, error: cannotConnect),
        Row(arguments: ["review", "watch"], status: 69, firstLine: cannotConnect, error: cannotConnect),
        Row(arguments: ["outbox"], status: 69, firstLine: cannotConnect, error: cannotConnect),
        Row(arguments: ["outbox", "--deliver"], status: 69, firstLine: cannotConnect, error: cannotConnect),
        // The report says why on standard output ("Server: unreachable — cannot connect …"); the exit says 69.
        Row(arguments: ["status"], status: 69, firstLine: statusUnreachable, error: statusUnreachable),
        Row(arguments: ["status", "--json"], status: 69, firstLine: statusUnreachable, error: statusUnreachable),
        Row(arguments: ["reviewers", "add", "someone", "--role", "reviewer"], status: 69, firstLine: cannotConnect, error: cannotConnect),
        Row(arguments: ["reviewers", "list"], status: 69, firstLine: cannotConnect, error: cannotConnect),
        Row(arguments: ["reviewers", "remove", "someone"], status: 69, firstLine: cannotConnect, error: cannotConnect),
        Row(arguments: ["console", "--listen", "127.0.0.1:0"], status: 69, firstLine: cannotConnect, error: cannotConnect),
        Row(arguments: ["run", "--rules", rules], status: 0,
            firstLine: #"level=warning msg="database not reachable at start-up; waiting for it""#, mode: .daemon),
    ]

    /// Commands the unreachable table leaves out, and why.
    static let takeNoDatabase: [[String]: String] = [
        ["rules", "check"]: "offline: takes no --database",
        ["rules", "test"]: "offline: takes no --database",
        ["demo"]: "runs on a private cluster of its own",
        ["embedded", "start"]: "works on the embedded cluster only",
        ["embedded", "stop"]: "works on the embedded cluster only",
    ]

    @Test func theUnreachableTableCoversEveryCommand() {
        let covered = Set(Self.unreachableRows.map { Array($0.arguments.prefix(2)) }.flatMap { [Array($0.prefix(1)), $0] })
        for leaf in Self.leafCommands() {
            #expect(covered.contains(leaf) || Self.takeNoDatabase[leaf] != nil,
                    "chorus \(leaf.joined(separator: " ")) has no row in the unreachable-database table")
        }
    }

    @Test(arguments: unreachableRows)
    func everyCommandAgainstAnUnreachableDatabase(row: Row) throws {
        let scratch = try Scratch(prefix: "chorus-test-unreachable")
        defer { try? FileManager.default.removeItem(at: scratch.home) }
        var row = row
        row.arguments += ["--database", Self.unreachable]
        let outcome = try Self.run(row, scratch: scratch)
        Self.check(row, outcome)
        #expect(!(outcome.standardOutput + outcome.standardError).contains("s3cret-pw"))
        // Nothing was created on the way: no embedded cluster for a command pointed elsewhere.
        #expect(!FileManager.default.fileExists(atPath: scratch.home.appendingPathComponent("state/postgres").path))
    }
}
