import Foundation
import Testing
import TestSupport

/// SIGTERM and SIGHUP against the real daemon.
@Suite(.serialized)
struct SignalTests {
    @Test func sigtermUnderLoadExitsZeroWithinFiveSecondsLeavingNoHalfWrittenBundle() throws {
        let harness = try DaemonHarness()
        let total = 20_000
        try harness.append(DaemonHarness.events(0..<total))
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(DaemonHarness.eventually(timeout: 60) { try harness.count("SELECT count(*) FROM chorus.events") > 0 },
                "\(daemon.log.suffix(2000))")
        let stored = try harness.count("SELECT count(*) FROM chorus.events")
        let start = Date()
        daemon.signal(SIGTERM)
        let status = daemon.waitForExit(timeout: 6)
        let elapsed = Date().timeIntervalSince(start)
        #expect(status == 0, "\(daemon.log.suffix(2000))")
        #expect(elapsed < 5, "took \(elapsed) s")
        #expect(daemon.log.contains("msg=\"stopped\""))
        // Everything stored is whole: every event has its bundle and every bundle its draft.
        let events = try harness.count("SELECT count(*) FROM chorus.events")
        #expect(events < total, "the stop came after the work was done (\(stored) → \(events)); the test proves nothing")
        #expect(try harness.exactlyOnceProblem(count: events) == nil)
        // And the cursor matches: a restart finishes the file without a gap or a repeat.
        let again = try harness.start(name: "after-sigterm")
        defer { again.stop() }
        #expect(DaemonHarness.eventually(timeout: 120) { try harness.count("SELECT count(*) FROM chorus.events") >= total })
        again.signal(SIGTERM)
        #expect(again.waitForExit(timeout: 5) == 0)
        #expect(try harness.exactlyOnceProblem(count: total) == nil)
    }

    @Test func sigintStopsLikeSigterm() throws {
        let harness = try DaemonHarness()
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(daemon.waitForLog("msg=\"ready\"", timeout: 30), "\(daemon.log)")
        daemon.signal(SIGINT)
        #expect(daemon.waitForExit(timeout: 5) == 0)
        #expect(daemon.log.contains("signal=SIGINT"))
    }

    @Test func sighupWithABrokenRuleKeepsTheOldRulesThenAGoodOneIsUsed() throws {
        let harness = try DaemonHarness(template: "Version one of the message.")
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(daemon.waitForLog("msg=\"ready\"", timeout: 30), "\(daemon.log)")
        try harness.append(DaemonHarness.events(0..<1))
        #expect(DaemonHarness.eventually(timeout: 20) { try harness.count("SELECT count(*) FROM chorus.drafts") == 1 })
        let firstVersion = try harness.connect().query("SELECT ruleset_version FROM chorus.drafts").first?.decode(0, as: String.self)

        // A broken rule file: refused, errors logged, the old rules stay.
        try "{ id: \"test-quake\", when: { kind: \"earthquake\" ".write(
            to: harness.rulesDirectory.appendingPathComponent("rules/test-quake.json5"), atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(daemon.waitForLog("reload refused;", timeout: 20), "\(daemon.log)")
        #expect(daemon.log.contains("level=error msg=\"reload refused: invalid rules\""))
        #expect(daemon.log.contains("test-quake.json5"))
        try harness.append(DaemonHarness.events(1..<2))
        #expect(DaemonHarness.eventually(timeout: 20) { try harness.count("SELECT count(*) FROM chorus.drafts") == 2 })
        #expect(try harness.count("SELECT count(*) FROM chorus.drafts WHERE text = 'Version one of the message.'") == 2)

        // A good one: used from the next event on; nothing drafted before is drafted again.
        try harness.writeRule(template: "Version two of the message.")
        daemon.signal(SIGHUP)
        #expect(daemon.waitForLog("msg=\"reloaded\"", timeout: 20), "\(daemon.log)")
        try harness.append(DaemonHarness.events(2..<3))
        #expect(DaemonHarness.eventually(timeout: 20) { try harness.count("SELECT count(*) FROM chorus.drafts") == 3 })
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try harness.count("SELECT count(*) FROM chorus.drafts") == 3)
        let newest = try harness.connect().query("SELECT text, ruleset_version FROM chorus.drafts ORDER BY id DESC LIMIT 1").first
        #expect(try newest?.decode("text", as: String.self) == "Version two of the message.")
        #expect(try newest?.decode("ruleset_version", as: String.self) != firstVersion)
        #expect(try harness.exactlyOnceProblem(count: 3) == nil)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0)
    }
}
