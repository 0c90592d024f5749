@testable import ChorusService
import Foundation
import Postgres
import Testing

/// The daemon's small parts, without processes: configuration, log lines, backoff, sd_notify environment.
struct DaemonUnitTests {
    func load(_ text: String) throws -> ChorusConfiguration {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-config-\(UUID().uuidString).json5")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try ChorusConfiguration.load(from: file)
    }

    @Test func sourcesAndBatchLimitsAreRead() throws {
        let configuration = try load("""
            { sources: [ { name: "a", type: "file", location: "a.jsonl", pollInterval: "250ms", maxLines: 5000 },
                         { name: "b", type: "inbox", pollInterval: 2 } ],
              batch: { maxEvents: 100, maxDelay: "5ms" } }
            """)
        #expect(configuration.sources.count == 2)
        #expect(configuration.sources[0].pollInterval == .milliseconds(250))
        #expect(configuration.sources[0].maximumLines == 5000)
        #expect(configuration.sources[1].pollInterval == .seconds(2))
        #expect(configuration.batch == BatchConfiguration(maximumEvents: 100, maximumDelay: .milliseconds(5)))
        // A relative location is relative to the configuration file.
        let location = configuration.resolvedLocation(of: configuration.sources[0], workingDirectory: URL(fileURLWithPath: "/nowhere"))
        #expect(location == FileManager.default.temporaryDirectory.appendingPathComponent("a.jsonl").standardizedFileURL.path)
    }

    @Test(arguments: [
        (#"{ sources: [ { name: "a", type: "file", location: "x", colour: 1 } ] }"#, "sources[0].colour: unknown field"),
        (#"{ sources: [ { name: "a", type: "ftp", location: "x" } ] }"#, "sources.a.type: 'ftp' is not"),
        (#"{ sources: [ { name: "a", type: "file" } ] }"#, "sources.a.location: required"),
        (#"{ sources: [ { name: "a", type: "inbox" }, { name: "a", type: "inbox" } ] }"#, "used twice"),
        (#"{ sources: [ { name: "a", type: "spool", location: "x", pollInterval: "soon" } ] }"#, "sources.a.pollInterval: expected a duration"),
        (#"{ sources: [ { name: "a", type: "spool", location: "x", format: "rss" } ] }"#, "sources.a.format: 'rss'"),
        (#"{ batch: { maxEvents: 0 } }"#, "batch.maxEvents"),
        (#"{ sources: [ { name: "a", type: "spool", location: "x", maxLines: 10 } ] }"#, "sources.a.maxLines: only file sources"),
        (#"{ batch: { size: 10 } }"#, "batch.size: unknown field"),
    ])
    func mistakesAreNamed(text: String, message: String) {
        do {
            _ = try load(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    @Test func logLinesAreKeyValueWithQuotingAndJournalPriorities() {
        let sink = LogSink.capture()
        let logger = Logger(sink: sink).with("source", "ops desk")
        logger.info("event queued", ["event.id": "ev-1", "rule.id": "a,b", "note": "say \"hi\"\nthere"])
        #expect(sink.lines == [#"level=info msg="event queued" source="ops desk" event.id=ev-1 rule.id=a,b note="say \"hi\"\nthere""#])
        // Passwords never reach a log line: libpq's own errors are redacted where they are made, whatever
        // the spelling of the connection string.
        for conninfo in ["host=/nonexistent password\t=s3cret dbname=chorus", "postgres://u:s3c@ret@db.invalid/chorus",
                         "postgres://u:s3c/ret@db.invalid/chorus"] {
            do {
                _ = try Connection(conninfo)
                Issue.record("connected with \(conninfo)")
            } catch {
                let line = Logger.describe(error)
                #expect(!line.contains("s3c") && !line.contains("ret@"), "\(line)")
            }
        }
    }

    @Test func notifierReadsTheEnvironment() {
        let armed = SystemdNotifier(environment: ["NOTIFY_SOCKET": "@chorus", "WATCHDOG_USEC": "30000000"])
        #expect(armed.socketPath == "@chorus")
        #expect(armed.watchdogInterval == .seconds(15))
        let otherProcess = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "100", "WATCHDOG_PID": "1"])
        #expect(otherProcess.watchdogInterval == nil || getpid() == 1)
        #expect(SystemdNotifier(environment: [:]).socketPath == nil)
        #expect(SystemdNotifier(environment: ["NOTIFY_SOCKET": "relative"]).socketPath == nil)
    }

    @Test func backoffGrowsWithJitterAndIsCapped() {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(2))
        let delays = (0..<10).map { _ in backoff.next() }
        #expect(delays[0] >= .milliseconds(50) && delays[0] <= .milliseconds(100))
        #expect(delays[3] >= .milliseconds(400) && delays[3] <= .milliseconds(800))
        #expect(delays.allSatisfy { $0 <= .seconds(2) })
        #expect(delays[9] >= .seconds(1))
        backoff.reset()
        #expect(backoff.next() <= .milliseconds(100))
    }
}
