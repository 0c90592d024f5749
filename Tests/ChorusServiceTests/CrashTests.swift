import Foundation
import Testing
import TestSupport

/// Exactly once, the hard way: the real daemon, killed with SIGKILL at random moments while it ingests.
@Suite(.serialized)
struct CrashTests {
    @Test func killedTenTimesWhileIngestingEveryEventIsDraftedExactlyOnce() throws {
        let harness = try DaemonHarness()
        let total = 20_000
        // Ten broken lines among the events: each is to be rejected, and stored, exactly once too.
        let broken = 10
        for chunk in 0..<broken {
            try harness.append(DaemonHarness.events(chunk * total / broken ..< (chunk + 1) * total / broken))
            try harness.append(Data(#"{"id":"broken-\#(chunk)","kind":"#.utf8 + [0x0A]))
        }
        var generator = SystemRandomNumberGenerator()
        var progress: [Int] = []
        for round in 0..<10 {
            let daemon = try harness.start(name: "crash-\(round)")
            defer { daemon.stop() }
            #expect(daemon.waitForLog("msg=\"ready\"", timeout: 30), "round \(round): \(daemon.log.suffix(2000))")
            // Random moments: on odd rounds anywhere from start-up on (often before the first commit, or
            // inside a transaction); on even rounds after the next commit, so the work does progress between
            // kills however slow the machine is (a debug build commits a thousand-line delivery every second
            // or two on a busy machine).
            if round % 2 == 0 {
                let before = try harness.count("SELECT count(*) FROM chorus.events")
                DaemonHarness.eventually(timeout: 60) { try before >= total || harness.count("SELECT count(*) FROM chorus.events") > before }
            }
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...1.5, using: &generator))
            daemon.signal(SIGKILL)
            _ = daemon.waitForExit(timeout: 10)
            progress.append(try harness.count("SELECT count(*) FROM chorus.events"))
        }
        let last = try harness.start(name: "crash-final")
        defer { last.stop() }
        let finished = DaemonHarness.eventually(timeout: 120) {
            try harness.count("SELECT count(*) FROM chorus.events") >= total
                && harness.count("SELECT count(*) FROM chorus.rejected_inputs") >= broken
        }
        #expect(finished, "events stored after each kill: \(progress); log: \(last.log.suffix(2000))")
        // Give a wrongly re-read tail the chance to show up as duplicates.
        Thread.sleep(forTimeInterval: 1)
        last.signal(SIGTERM)
        #expect(last.waitForExit(timeout: 5) == 0)
        #expect(try harness.exactlyOnceProblem(count: total) == nil)
        #expect(try harness.count("SELECT count(*) FROM chorus.rejected_inputs") == broken)
        // The kills did land in the middle of the work, not all before or after it.
        #expect(progress.contains { $0 > 0 && $0 < total }, "events stored after each kill: \(progress)")
    }
}
