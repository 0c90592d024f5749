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

    /// Issue 17: 300 inbox sources under `maxConnections: 8`. Every source's row is queued exactly once, the
    /// daemon never has more than eight connections to the database (one inbox source a connection used to
    /// need 300, more than the server allows), and SIGTERM still ends it promptly.
    @Test func manyInboxSourcesShareTheDaemonsBoundedConnections() throws {
        let names = (0..<300).map { "inbox-\($0)" }
        let harness = try DaemonHarness(sources: names.map { #"{ name: "\#($0)", type: "inbox" }"# }.joined(separator: ",\n"),
                                        configuration: "maxConnections: 8,")
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(daemon.waitForLog("msg=\"ready\"", timeout: 60), "\(daemon.log.suffix(3000))")
        let observer = try harness.connect()
        defer { observer.close() }
        func daemonConnections() throws -> Int {
            try observer.query("""
                SELECT count(*)::int8 AS n FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
                """).first?.decode("n", as: Int.self) ?? -1
        }
        var peak = try daemonConnections()
        for (index, name) in names.enumerated() {
            let document = String(decoding: DaemonHarness.events(index..<index + 1), as: UTF8.self)
            try observer.execute("INSERT INTO chorus.inbox (source, format, document) VALUES (\(name), 'jsonl', \(document))")
            if index % 20 == 0 { peak = max(peak, try daemonConnections()) }
        }
        #expect(DaemonHarness.eventually(timeout: 120) {
            peak = max(peak, try daemonConnections())
            return try harness.count("SELECT count(*) FROM chorus.inbox WHERE processed_at IS NOT NULL") == names.count
        }, "\(daemon.log.suffix(3000))")
        #expect(try harness.exactlyOnceProblem(count: names.count) == nil)
        #expect(peak <= 8, "the daemon had \(peak) connections")
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 10) == 0, "\(daemon.log.suffix(2000))")
    }
}
