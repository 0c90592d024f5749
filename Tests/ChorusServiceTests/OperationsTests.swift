import Foundation
import Postgres
import Testing
import TestSupport

/// What an operator sees: journal priorities, no password in any log line, a source added by a reload,
/// the daemon's row for `chorus status`.
struct OperationsTests {
    @Test func journalPrioritiesAndNoPasswordWhileTheDatabaseIsUnreachable() throws {
        let harness = try DaemonHarness()
        let secret = "s3cret-\(UUID().uuidString.prefix(6))"
        let directory = try TestPostgres.makeTemporaryDirectory(prefix: "chorus-nodb")
        let daemon = try DaemonProcess(
            arguments: ["run", "--config", harness.configurationFile.path,
                        "--database", "host=\(directory.path) port=5499 dbname=chorus user=chorus password=\(secret) connect_timeout=2"],
            directory: harness.directory, logFile: harness.directory.appendingPathComponent("nodb.log"),
            environment: ["JOURNAL_STREAM": "8:12345"])
        defer { daemon.stop() }
        // Losing (here: never having) the database is not fatal: the daemon waits and says so.
        #expect(daemon.waitForLog("database unreachable, retrying with backoff", timeout: 30), "\(daemon.log)")
        Thread.sleep(forTimeInterval: 1)
        #expect(daemon.process.isRunning)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0)
        let log = daemon.log
        #expect(!log.contains(secret), "\(log)")
        #expect(log.contains("password=***"), "\(log)")
        let lines = log.split(separator: "\n")
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.hasPrefix("<") && $0.dropFirst(3).hasPrefix("level=") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("<4>level=warning") })
        #expect(lines.contains { $0.hasPrefix("<5>level=notice msg=\"stopping\"") })
    }

    @Test func aReloadAddsASourceAndTheDaemonRowShowsIt() throws {
        let harness = try DaemonHarness()
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(daemon.waitForLog("msg=\"ready\"", timeout: 30), "\(daemon.log)")
        try harness.append(DaemonHarness.events(0..<2))
        #expect(DaemonHarness.eventually(timeout: 20) { try harness.count("SELECT count(*) FROM chorus.events") == 2 })

        var configuration = try String(contentsOf: harness.configurationFile, encoding: .utf8)
        configuration = configuration.replacingOccurrences(
            of: "sources: [ ", with: #"sources: [ { name: "drop", type: "spool", location: "spool", pollInterval: "200ms" }, "#)
        try configuration.write(to: harness.configurationFile, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(daemon.waitForLog("msg=\"reloaded\"", timeout: 20), "\(daemon.log)")
        try DaemonHarness.events(0..<3, prefix: "spool").write(to: harness.spoolDirectory.appendingPathComponent("a.jsonl"))
        #expect(DaemonHarness.eventually(timeout: 20) { try harness.count("SELECT count(*) FROM chorus.events WHERE source = 'drop'") == 3 },
                "\(daemon.log.suffix(2000))")
        // The file source was not restarted by the reload and drafted nothing again.
        try harness.append(DaemonHarness.events(2..<3))
        #expect(DaemonHarness.eventually(timeout: 20) { try harness.count("SELECT count(*) FROM chorus.events") == 6 })
        #expect(try harness.exactlyOnceProblem(count: 6) == nil)

        // The heartbeat row that `chorus status` reads.
        #expect(DaemonHarness.eventually(timeout: 10) {
            let row = try harness.connect().query("""
                SELECT phase, sources->'drop'->>'role' AS drop, sources->'feed'->>'role' AS feed FROM chorus.daemon_instances
                WHERE pid = \(Int(daemon.pid))
                """).first
            return try row?.decode("phase", as: String.self) == "running" && row?.decode("drop", as: String?.self) == "active"
                && row?.decode("feed", as: String?.self) == "active"
        })
        let status = try ChorusProcess.run(["status", "--database", harness.conninfo])
        #expect(status.status == 0, "\(status.standardError)")
        #expect(status.standardOutput.contains("Daemons:"), "\(status.standardOutput)")
        #expect(status.standardOutput.contains("drop: active"), "\(status.standardOutput)")
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0)
        #expect(try harness.count("SELECT count(*) FROM chorus.daemon_instances WHERE phase = 'stopped'") == 1)
    }

    /// Deploy's way: the service as a login role in chorus_daemon, not the owner. Everything the pipeline
    /// does works with those grants; the owner's connection draws a warning.
    @Test func theDaemonRunsAsAMemberOfChorusDaemonAndWarnsAsTheOwner() throws {
        let harness = try DaemonHarness()
        let owner = try harness.connect()
        try DeployRoles.install(on: owner)
        let role = "chorus_test_service"
        try DeployRoles.createLogin(role, in: "chorus_daemon", on: owner)
        let daemon = try DaemonProcess(
            arguments: ["run", "--config", harness.configurationFile.path, "--database", harness.conninfo + " user=\(role)"],
            directory: harness.directory, logFile: harness.directory.appendingPathComponent("service.log"), environment: [:])
        defer { daemon.stop() }
        #expect(daemon.waitForLog("msg=\"ready\"", timeout: 30), "\(daemon.log)")
        try harness.append(DaemonHarness.events(0..<50))
        #expect(DaemonHarness.eventually(timeout: 30) { try harness.count("SELECT count(*) FROM chorus.events") == 50 },
                "\(daemon.log.suffix(3000))")
        #expect(try harness.exactlyOnceProblem(count: 50) == nil)
        #expect(DaemonHarness.eventually(timeout: 10) {
            try harness.count("SELECT count(*) FROM chorus.daemon_instances WHERE phase = 'running'") == 1
        })
        #expect(!daemon.log.contains("connected as the schema's"), "\(daemon.log)")
        #expect(try harness.count("SELECT count(*) FROM chorus.review_audit WHERE actor <> \(role)") == 0)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0)

        let asOwner = try harness.start(name: "owner")
        defer { asOwner.stop() }
        #expect(asOwner.waitForLog("connected as the schema's superuser", timeout: 30), "\(asOwner.log)")
    }
}
