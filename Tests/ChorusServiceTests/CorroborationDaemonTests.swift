import Foundation
import Postgres
import Testing
import TestSupport

/// Held incidents live in the database, not in the daemon: a report held before a restart is counted with
/// the reports that arrive after it, and the third independent origin opens one bundle.
struct CorroborationDaemonTests {
    static func report(_ id: String, origin: String) -> String {
        #"{"id":"\#(id)","kind":"shooting","countries":["IL"],"origin":"\#(origin)","certainty":"possible","fatalities":4,"sentAt":"2026-01-11T09:40:00Z","headline":{"en":"Gunman kills four (\#(origin))"},"tags":["news"]}"#
            + "\n"
    }

    @Test func heldIncidentsSurviveADaemonRestart() throws {
        let harness = try DaemonHarness()
        try """
        {
          id: "test-news",
          description: "A shooting, once corroborated",
          when: { kind: "shooting" },
          participants: [ { participant: "test-ministry" } ],
          templates: { en: "We stand with everyone affected by the shooting." },
          release: { policy: "each", notBefore: "0", expiry: "48h" },
          corroboration: { sources: 3, window: "1h" },
        }
        """.write(to: harness.rulesDirectory.appendingPathComponent("rules/test-news.json5"), atomically: true, encoding: .utf8)
        let evidence: Query = "SELECT count(*) FROM chorus.corroboration_evidence"

        let first = try harness.start(name: "first")
        defer { first.stop() }
        #expect(first.waitForLog("msg=\"ready\"", timeout: 30), "\(first.log)")
        try harness.append(Data(Self.report("r1", origin: "reuters.com").utf8))
        #expect(DaemonHarness.eventually(timeout: 30) { try harness.count(evidence) == 1 }, "\(first.log.suffix(2000))")
        first.signal(SIGTERM)
        #expect(first.waitForExit(timeout: 10) == 0)

        // While no daemon runs: the same agency's story again (a syndicated copy) and a second origin.
        try harness.append(Data((Self.report("n1", origin: "reuters.com") + Self.report("h1", origin: "haaretz.com")).utf8))
        let second = try harness.start(name: "second")
        defer { second.stop() }
        #expect(second.waitForLog("msg=\"ready\"", timeout: 30), "\(second.log)")
        #expect(DaemonHarness.eventually(timeout: 30) { try harness.count(evidence) == 3 }, "\(second.log.suffix(2000))")
        #expect(try harness.count("SELECT count(*) FROM chorus.bundles") == 0)
        #expect(try harness.count("SELECT count(*) FROM chorus.corroborations WHERE state = 'held' AND origins = 2") == 1)

        try harness.append(Data(Self.report("t1", origin: "timesofisrael.com").utf8))
        #expect(DaemonHarness.eventually(timeout: 30) { try harness.count("SELECT count(*) FROM chorus.drafts") == 1 },
                "\(second.log.suffix(2000))")
        #expect(try harness.count("SELECT count(*) FROM chorus.bundles") == 1)
        #expect(try harness.count("SELECT count(*) FROM chorus.bundle_events") == 4)
        #expect(try harness.count("SELECT count(*) FROM chorus.corroborations WHERE state = 'corroborated' AND origins = 3") == 1)
    }
}
