import Foundation
import Postgres
import Testing
import TestSupport

/// Losing the database, and losing an instance: nothing lost, nothing twice.
@Suite(.serialized)
struct ResilienceTests {
    @Test func thePostgresServerRestartedUnderARunningDaemon() throws {
        let cluster = try TestPostgres.makePrivateCluster()
        defer {
            try? cluster.stop(.immediate)
            try? FileManager.default.removeItem(at: cluster.directory.deletingLastPathComponent())
        }
        let harness = try DaemonHarness(conninfo: cluster.conninfo())
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(daemon.waitForLog("msg=\"ready\"", timeout: 30), "\(daemon.log)")
        try harness.append(DaemonHarness.events(0..<500))
        #expect(DaemonHarness.eventually(timeout: 30) { try harness.count("SELECT count(*) FROM chorus.events") == 500 })

        try cluster.stop(.fast)
        // Events keep arriving while the server is down; the daemon pauses and keeps them in the file.
        try harness.append(DaemonHarness.events(500..<1000))
        #expect(daemon.waitForLog("lost the source locks", timeout: 20), "\(daemon.log.suffix(3000))")
        Thread.sleep(forTimeInterval: 1.5)
        #expect(daemon.process.isRunning, "losing the database must not be fatal")
        try cluster.start()
        try harness.append(DaemonHarness.events(1000..<1500))
        #expect(DaemonHarness.eventually(timeout: 60) { try harness.count("SELECT count(*) FROM chorus.events") >= 1500 },
                "\(daemon.log.suffix(3000))")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try harness.exactlyOnceProblem(count: 1500) == nil)
        #expect(daemon.log.contains("source lock taken"))
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0)
        #expect(!daemon.log.contains("password"))
        // A restart is passing trouble: reconnects are warnings, never errors (issue 17).
        let errors = daemon.log.split(separator: "\n").filter { $0.contains("level=error") }
        #expect(errors.isEmpty, "\(errors)")
    }

    @Test func twoDaemonsOneKilledTheOtherTakesOverWithoutLossOrDuplicate() throws {
        let harness = try DaemonHarness()
        let first = try harness.start(name: "first")
        defer { first.stop() }
        #expect(first.waitForLog("source lock taken", timeout: 30), "\(first.log)")
        let second = try harness.start(name: "second")
        defer { second.stop() }
        #expect(second.waitForLog("msg=\"ready\"", timeout: 30), "\(second.log)")
        // The second instance stands by: one source, one worker.
        Thread.sleep(forTimeInterval: 1.5)
        #expect(!second.log.contains("source lock taken"))

        try harness.append(DaemonHarness.events(0..<3000))
        #expect(DaemonHarness.eventually(timeout: 60) { try harness.count("SELECT count(*) FROM chorus.events") > 0 })
        first.signal(SIGKILL)
        _ = first.waitForExit(timeout: 10)
        try harness.append(DaemonHarness.events(3000..<4000))
        #expect(second.waitForLog("source lock taken", timeout: 30), "\(second.log)")
        #expect(DaemonHarness.eventually(timeout: 60) { try harness.count("SELECT count(*) FROM chorus.events") >= 4000 },
                "\(second.log.suffix(2000))")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try harness.exactlyOnceProblem(count: 4000) == nil)
        second.signal(SIGTERM)
        #expect(second.waitForExit(timeout: 5) == 0)
    }
}
