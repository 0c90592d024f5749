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

    /// Each mistake is named where it is, as the rules' problems are (`FILE:LINE:COL: message`, or
    /// `FILE: json.path: message` for what is missing).
    @Test(arguments: [
        (#"{ sources: [ { name: "a", type: "file", location: "x", colour: 1 } ] }"#,
         "1:56: unknown field 'colour'; allowed: name, type, format, location, pollInterval, defaultCountries, maxLines, timeout"),
        (#"{ sources: [ { name: "a", type: "ftp", location: "x" } ] }"#, "1:33: 'ftp' is not one of file, spool, http, inbox"),
        (#"{ sources: [ { name: "a", type: "file" } ] }"#, " sources[0].location: missing required field 'location' (a file source reads from it)"),
        (#"{ sources: [ { name: "a", type: "inbox" }, { name: "a", type: "inbox" } ] }"#,
         "1:52: the source name 'a' is used twice (first at 1:22): each source needs a name of its own"),
        (#"{ sources: [ { name: "a", type: "spool", location: "x", pollInterval: "soon" } ] }"#,
         #"1:71: 'soon' is not a duration (examples: "500ms", "5s", "2m", "1h", or a number of seconds)"#),
        (#"{ sources: [ { name: "a", type: "spool", location: "x", format: "rss" } ] }"#, "1:65: 'rss' is not one of auto, jsonl, cap, gdacs, geojson, news, gdelt"),
        (#"{ batch: { maxEvents: 0 } }"#, "1:23: expected a whole number of at least 1"),
        (#"{ sources: [ { name: "a", type: "spool", location: "x", maxLines: 10 } ] }"#,
         "1:67: maxLines applies to file sources only (this one is spool)"),
        (#"{ batch: { size: 10 } }"#, "1:12: unknown field 'size'; allowed: maxEvents, maxDelay"),
        (#"{ sources: [ { name: "a" type: "file" } ] }"#, "1:26: syntax error: unexpected 't', expected ',' or '}'"),
    ])
    func mistakesAreNamed(text: String, message: String) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-config-\(UUID().uuidString).json5")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        do {
            _ = try ChorusConfiguration.load(from: file)
            Issue.record("accepted: \(text)")
        } catch {
            #expect("\(error)" == file.path + ":" + message)
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
