import Foundation
import Postgres
import Testing
import TestSupport

/// `chorus status` tells the truth (issue 17, finding 13): a failing HTTP feed is failing, with since when,
/// why and when it retries; a read-only database does not make running daemons "none running"; an embedded
/// cluster that is not running and a connection string libpq cannot read are said for what they are.
@Suite(.serialized)
struct StatusTruthTests {
    @Test func anHTTPFeedAnswering500IsFailingWithItsReasonAndBackoff() throws {
        let server = try TestHTTPServer(script: Array(repeating: .respond(status: 500, headers: [:], body: Data("boom".utf8)), count: 200))
        defer { server.stop() }
        let harness = try DaemonHarness(sources: """
            { name: "web", type: "http", format: "jsonl", location: "\(server.url.absoluteString)", pollInterval: "1s" }
            """)
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(daemon.waitForLog("msg=\"source failing\"", timeout: 60), "\(daemon.log.suffix(3000))")
        #expect(daemon.log.contains("error=\"HTTP 500\""), "\(daemon.log.suffix(3000))")
        var text = ""
        #expect(DaemonHarness.eventually(timeout: 30) {
            text = try ChorusProcess.run(["status", "--database", harness.conninfo]).standardOutput
            return text.contains("web: failing since ")
        }, "\(text)")
        #expect(text.contains(": HTTP 500; retries in ") || text.contains(": HTTP 500; retrying"), "\(text)")
        let json = try ChorusProcess.run(["status", "--database", harness.conninfo, "--json"])
        #expect(json.status == 0)
        #expect(json.standardOutput.contains("\"role\" : \"failing\""), "\(json.standardOutput)")
        #expect(json.standardOutput.contains("\"failingSince\""))
        // Logged once for the outage, not once a retry.
        Thread.sleep(forTimeInterval: 3)
        #expect(daemon.log.components(separatedBy: "msg=\"source failing\"").count - 1 == 1, "\(daemon.log)")
    }

    /// The database turned read-only under a running daemon (a standby promoted the other way, an operator's
    /// `default_transaction_read_only`): its heartbeat cannot be written, and status says why rather than
    /// "none running"; once writable again, the daemon is seen again.
    @Test func aReadOnlyDatabaseIsSaidAndTheDaemonComesBack() throws {
        let cluster = try TestPostgres.makePrivateCluster()
        defer {
            try? cluster.stop(.immediate)
            try? FileManager.default.removeItem(at: cluster.directory.deletingLastPathComponent())
        }
        let harness = try DaemonHarness(conninfo: cluster.conninfo())
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(daemon.waitForLog("msg=\"ready\"", timeout: 30), "\(daemon.log)")
        #expect(DaemonHarness.eventually(timeout: 20) {
            try ChorusProcess.run(["status", "--database", harness.conninfo]).standardOutput.contains("Daemons:\n")
        })
        let admin = try harness.connect()
        try admin.execute("ALTER SYSTEM SET default_transaction_read_only = on")
        try admin.execute("SELECT pg_reload_conf()")
        #expect(daemon.waitForLog("heartbeat not written", timeout: 30), "\(daemon.log.suffix(2000))")
        var text = ""
        #expect(DaemonHarness.eventually(timeout: 40) {
            text = try ChorusProcess.run(["status", "--database", harness.conninfo]).standardOutput
            return text.contains("none heard from in the last 15 s")
        }, "\(text)")
        #expect(text.contains("READ-ONLY"), "\(text)")
        #expect(text.contains("a running one cannot write its heartbeat"), "\(text)")
        #expect(!text.contains("none running"), "\(text)")
        try admin.execute("ALTER SYSTEM RESET default_transaction_read_only")
        try admin.execute("SELECT pg_reload_conf()")
        #expect(DaemonHarness.eventually(timeout: 30) {
            text = try ChorusProcess.run(["status", "--database", harness.conninfo]).standardOutput
            return text.contains("Daemons:\n") && !text.contains("READ-ONLY")
        }, "\(text)")
        #expect(daemon.process.isRunning)
    }

    /// The database restarted under a running daemon: while it is away, `chorus status` says it cannot reach
    /// it (69) and the daemon's own status line (STATUS=, what systemd shows) says reconnecting; once it is
    /// back, the first heartbeat `chorus status` reads from after the restart no longer says reconnecting —
    /// not a heartbeat or two later (it used to for about 4 s).
    @Test func aRestartedDatabaseIsReconnectingThenClearsAtOnce() throws {
        let cluster = try TestPostgres.makePrivateCluster()
        defer {
            try? cluster.stop(.immediate)
            try? FileManager.default.removeItem(at: cluster.directory.deletingLastPathComponent())
        }
        let harness = try DaemonHarness(conninfo: cluster.conninfo())
        let socketName = "@chorus-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        let socket = try NotifySocket(name: socketName)
        let daemon = try harness.start(environment: ["NOTIFY_SOCKET": socketName])
        defer { daemon.stop() }
        #expect(daemon.waitForLog("msg=\"ready\"", timeout: 30), "\(daemon.log)")
        #expect(DaemonHarness.eventually(timeout: 20) {
            try ChorusProcess.run(["status", "--database", harness.conninfo]).standardOutput.contains("Daemons:\n")
        })

        try cluster.stop(.fast)
        let away = socket.receive(until: { $0.contains("reconnecting") }, timeout: 30)
        #expect(away.contains { $0.hasPrefix("STATUS=") && $0.contains("database unavailable, reconnecting") },
                "\(away) \(daemon.log.suffix(2000))")
        let unreachable = try ChorusProcess.run(["status", "--database", harness.conninfo])
        #expect(unreachable.status == 69, "\(unreachable.standardOutput)\(unreachable.standardError)")
        #expect(unreachable.standardOutput.contains("Server:    unreachable"), "\(unreachable.standardOutput)")
        #expect(daemon.process.isRunning)

        try cluster.start()
        let back = ContinuousClock.now
        // The first status whose daemon row was written after the restart (its age is less than the time
        // since the server came back).
        var text = ""
        #expect(DaemonHarness.eventually(timeout: 30) {
            let json = try ChorusProcess.run(["status", "--database", harness.conninfo, "--json"])
            guard json.status == 0, let object = try? JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any],
                  let daemons = object["daemons"] as? [[String: Any]],
                  let row = daemons.first(where: { ($0["alive"] as? Bool) == true }),
                  let age = row["heartbeatAgeSeconds"] as? Double else { return false }
            let sinceBack = Double((ContinuousClock.now - back).components.seconds)
                + Double((ContinuousClock.now - back).components.attoseconds) / 1e18
            guard age < sinceBack else { return false }
            text = (row["status"] as? String) ?? ""
            return true
        }, "\(daemon.log.suffix(2000))")
        #expect(!text.isEmpty && !text.contains("reconnecting"), "\(text)")
        let after = socket.receive(until: { $0.hasPrefix("STATUS=") && !$0.contains("reconnecting") }, timeout: 10)
        #expect(after.contains { $0.hasPrefix("STATUS=") && !$0.contains("reconnecting") }, "\(after)")
        #expect(daemon.process.isRunning)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0)
    }

    @Test func aConnectionStringLibpqCannotReadIsAConfigurationMistake() throws {
        let outcome = try ChorusProcess.run(["status", "--database", "not a conninfo"])
        #expect(outcome.status == 78)
        #expect(outcome.standardError == "Error: --database: libpq cannot read the connection string: missing \"=\" after \"not\" in connection info string\n",
                "\(outcome.standardError)")
        let secret = try ChorusProcess.run(["status", "--database", "host=x password=s3cret word"])
        #expect(secret.status == 78)
        #expect(!secret.standardError.contains("word") && !secret.standardError.contains("s3cret"), "\(secret.standardError)")
    }

    @Test func anEmbeddedClusterThatIsNotRunningExits69() throws {
        let home = try TestPostgres.makeTemporaryDirectory(prefix: "chorus-status-embedded")
        let environment = ["HOME": home.path, "STATE_DIRECTORY": home.appendingPathComponent("state").path]
        #expect(try ChorusProcess.run(["embedded", "start"], environment: environment).status == 0)
        #expect(try ChorusProcess.run(["embedded", "stop"], environment: environment).status == 0)
        let outcome = try ChorusProcess.run(["status"], environment: environment)
        #expect(outcome.status == 69, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("Embedded:  not running"), "\(outcome.standardOutput)")
        #expect(outcome.standardError.hasPrefix("Error: the embedded cluster in "), "\(outcome.standardError)")
    }

    /// Issue 17, finding 4, through the real binary: the spellings that used to leak (a tab before '=', an
    /// escaped space, an '@' or a '/' in a URL's password) appear neither in `chorus status` (which exits 69:
    /// the database is unreachable) nor in the daemon's `starting` line and its waiting warning.
    @Test(arguments: ["host=/nonexistent/chorus password\t=s3cretTab dbname=q", "host=/nonexistent/chorus password=Esc\\ s3cretEsc dbname=q",
                      "postgres://u:p@ss3cretAt@db.invalid/q?connect_timeout=2", "postgres://u:pa/ss3cretSlash@db.invalid/q?connect_timeout=2"])
    func noSpellingOfAPasswordIsShown(conninfo: String) throws {
        let secrets = ["s3cretTab", "s3cretEsc", "ss3cretAt", "ss3cretSlash"]
        let status = try ChorusProcess.run(["status", "--database", conninfo])
        #expect(status.status == 69, "\(status.standardOutput)\(status.standardError)")
        for secret in secrets {
            #expect(!status.standardOutput.contains(secret) && !status.standardError.contains(secret),
                    "\(status.standardOutput)\(status.standardError)")
        }
        let harness = try DaemonHarness()
        let configuration = try String(contentsOf: harness.configurationFile, encoding: .utf8)
        let escaped = conninfo.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\t", with: "\\t")
        try configuration.replacingOccurrences(of: harness.conninfo.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""),
                                               with: escaped)
            .write(to: harness.configurationFile, atomically: true, encoding: .utf8)
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(daemon.waitForLog("database not reachable at start-up", timeout: 60), "\(daemon.log.suffix(2000))")
        #expect(daemon.waitForLog("msg=\"starting\"", timeout: 60), "\(daemon.log.suffix(2000))")
        for secret in secrets {
            #expect(!daemon.log.contains(secret), "\(daemon.log.suffix(2000))")
        }
    }
}
