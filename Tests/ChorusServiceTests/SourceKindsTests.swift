import Foundation
import Postgres
import Testing
import TestSupport

/// The spool and the inbox through the daemon: documents queued once, acknowledged only after commit.
struct SourceKindsTests {
    @Test func spoolFilesAreQueuedThenMovedAndInboxRowsMarked() throws {
        let harness = try DaemonHarness(sources: """
            { name: "drop", type: "spool", location: "spool", pollInterval: "200ms" },
            { name: "inbox", type: "inbox", pollInterval: "200ms" }
            """)
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(daemon.waitForLog("msg=\"ready\"", timeout: 30), "\(daemon.log)")

        // Spool: written under a temporary name, renamed when complete.
        for index in 0..<3 {
            let temporary = harness.spoolDirectory.appendingPathComponent("doc-\(index).tmp")
            try DaemonHarness.events(index * 10..<(index + 1) * 10, prefix: "spool").write(to: temporary)
            try FileManager.default.moveItem(at: temporary, to: harness.spoolDirectory.appendingPathComponent("doc-\(index).jsonl"))
        }
        try Data("this is not a feed\n".utf8).write(to: harness.spoolDirectory.appendingPathComponent("garbage.txt"))

        // Inbox: another system inserts rows; NOTIFY wakes the daemon.
        let connection = try harness.connect()
        let document = String(decoding: DaemonHarness.events(0..<5, prefix: "inbox"), as: UTF8.self)
        try connection.execute("INSERT INTO chorus.inbox (source, format, document) VALUES ('inbox', 'jsonl', \(document))")

        #expect(DaemonHarness.eventually(timeout: 30) { try harness.count("SELECT count(*) FROM chorus.events") == 35 },
                "\(daemon.log.suffix(2000))")
        #expect(DaemonHarness.eventually(timeout: 10) {
            try FileManager.default.contentsOfDirectory(atPath: harness.spoolDirectory.appendingPathComponent("processed").path).count == 3
        })
        #expect(DaemonHarness.eventually(timeout: 10) {
            try FileManager.default.contentsOfDirectory(atPath: harness.spoolDirectory.appendingPathComponent("failed").path) == ["garbage.txt"]
        })
        #expect(DaemonHarness.eventually(timeout: 10) {
            try harness.count("SELECT count(*) FROM chorus.inbox WHERE processed_at IS NOT NULL") == 1
        })
        #expect(try harness.count("SELECT count(*) FROM chorus.rejected_inputs WHERE source = 'drop'") == 1)
        #expect(try harness.count("SELECT count(*) FROM chorus.events WHERE source = 'inbox'") == 5)
        #expect(try harness.exactlyOnceProblem(count: 35) == nil)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0)
    }
}
