import ChorusStore
import Foundation
import Postgres
import Synchronization
import TestSupport

/// A daemon's world for one test: a migrated database, a rules directory whose one rule drafts exactly one
/// message for every generated earthquake event, a feed file and a configuration file — and the real
/// `chorus run` processes started on them.
struct DaemonHarness {
    let directory: URL
    let conninfo: String
    var rulesDirectory: URL { directory.appendingPathComponent("rules", isDirectory: true) }
    var configurationFile: URL { directory.appendingPathComponent("chorus.json5") }
    var feedFile: URL { directory.appendingPathComponent("feed.jsonl") }
    var spoolDirectory: URL { directory.appendingPathComponent("spool", isDirectory: true) }

    static let repositoryRoot = Repository.root

    /// A harness on a fresh database of the shared test server, or on `conninfo`.
    init(conninfo: String? = nil, sources: String? = nil, batch: String = "", template: String = "We stand with everyone affected, version one.",
         release: String = #"{ policy: "each", notBefore: "0", expiry: "48h" }"#, configuration: String = "") throws {
        directory = try TestPostgres.makeTemporaryDirectory(prefix: "chorus-daemon")
        self.conninfo = try conninfo ?? TestPostgres.makeDatabase()
        let connection = try Connection(self.conninfo)
        try Migrator().migrate(connection)
        try FileManager.default.createDirectory(at: rulesDirectory.appendingPathComponent("rules"), withIntermediateDirectories: true)
        for file in ["kinds.json5", "landmarks.json5"] {
            try FileManager.default.copyItem(at: Self.repositoryRoot.appendingPathComponent("Rules").appendingPathComponent(file),
                                             to: rulesDirectory.appendingPathComponent(file))
        }
        try """
        { participants: [ { id: "test-ministry", name: "Test Ministry", country: "DE", languages: ["en"],
            timeZone: "Europe/Berlin", channels: [ { channel: "x", handle: "@test", languages: ["en"] } ] } ] }
        """.write(to: rulesDirectory.appendingPathComponent("participants.json5"), atomically: true, encoding: .utf8)
        try writeRule(template: template, release: release)
        try Data().write(to: feedFile)
        try FileManager.default.createDirectory(at: spoolDirectory, withIntermediateDirectories: true)
        let sourceList = sources ?? #"{ name: "feed", type: "file", format: "jsonl", location: "feed.jsonl", pollInterval: "1s" }"#
        try """
        // Written by the test.
        {
          database: "\(self.conninfo.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))",
          rules: "rules",
          sources: [ \(sourceList) ],
          \(batch)
          \(configuration)
        }
        """.write(to: configurationFile, atomically: true, encoding: .utf8)
    }

    /// The one rule: every earthquake drafts one message; each event is its own incident.
    func writeRule(template: String, release: String = #"{ policy: "each", notBefore: "0", expiry: "48h" }"#) throws {
        try """
        {
          id: "test-quake",
          description: "Every earthquake, one message",
          when: { kind: "earthquake" },
          participants: [ { participant: "test-ministry" } ],
          templates: { en: "\(template)" },
          release: \(release),
          suppress: { key: ["incident"], window: "1s" },
        }
        """.write(to: rulesDirectory.appendingPathComponent("rules/test-quake.json5"), atomically: true, encoding: .utf8)
    }

    /// Generated events `first..<first+count`, one JSON line each.
    static func events(_ range: Range<Int>, prefix: String = "ev") -> Data {
        var text = ""
        text.reserveCapacity(range.count * 140)
        for number in range {
            text += #"{"id":"\#(prefix)-\#(number)","kind":"earthquake","countries":["IL"],"sentAt":"2026-01-01T00:00:00Z","headline":{"en":"Quake \#(number)"}}"#
            text += "\n"
        }
        return Data(text.utf8)
    }

    /// Appends to the feed file.
    func append(_ data: Data) throws {
        let handle = try FileHandle(forWritingTo: feedFile)
        try handle.seekToEnd()
        try handle.write(contentsOf: data)
        try handle.close()
    }

    func connect() throws -> Connection { try Connection(conninfo) }

    func count(_ query: Query) throws -> Int {
        try connect().query(query).first?.decode(0, as: Int.self) ?? -1
    }

    /// Waits until `condition` holds, polling every 50 ms; false on timeout.
    @discardableResult
    static func eventually(timeout: TimeInterval, _ condition: () throws -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? condition()) == true { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return (try? condition()) == true
    }

    /// Checks the exactly-once invariant for events `prefix-0..<count`: each stored once, each with one
    /// bundle and one draft. Returns a description of what is wrong, or `nil`.
    func exactlyOnceProblem(count expected: Int) throws -> String? {
        let row = try connect().query("""
            SELECT (SELECT count(*) FROM chorus.events) AS events,
                   (SELECT count(DISTINCT event_id) FROM chorus.events) AS distinct_events,
                   (SELECT count(*) FROM chorus.bundles) AS bundles,
                   (SELECT count(*) FROM chorus.drafts) AS drafts,
                   (SELECT count(*) FROM (SELECT event_id FROM chorus.bundles GROUP BY event_id HAVING count(*) <> 1) d) AS doubled,
                   (SELECT count(*) FROM chorus.bundles b WHERE NOT EXISTS (SELECT 1 FROM chorus.drafts d WHERE d.bundle_id = b.id)) AS empty_bundles
            """).first
        guard let row else { return "no answer" }
        let values = try ["events", "distinct_events", "bundles", "drafts", "doubled", "empty_bundles"].map { try row.decode($0, as: Int.self) }
        let wanted = [expected, expected, expected, expected, 0, 0]
        return values == wanted ? nil : "events, distinct, bundles, drafts, doubled, empty = \(values), expected \(wanted)"
    }

    /// Starts `chorus run --config …` with `environment` added.
    func start(environment: [String: String] = [:], name: String = "daemon") throws -> DaemonProcess {
        try DaemonProcess(arguments: ["run", "--config", configurationFile.path], directory: directory,
                          logFile: directory.appendingPathComponent("\(name)-\(UUID().uuidString.prefix(6)).log"),
                          environment: environment)
    }
}

/// A running `chorus run`, its standard error in a file.
final class DaemonProcess: @unchecked Sendable {
    // @unchecked: `process` is only used through its thread-safe methods.
    let process: Process
    let logFile: URL

    init(arguments: [String], directory: URL, logFile: URL, environment: [String: String]) throws {
        process = Process()
        process.executableURL = ChorusProcess.executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var variables = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": directory.path]
        variables.merge(environment) { $1 }
        process.environment = variables
        self.logFile = logFile
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logFile)
        process.standardError = handle
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        SpawnedProcesses.started(process.processIdentifier)
        try handle.close()
    }

    var pid: Int32 { process.processIdentifier }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// The process's CPU time so far (user and system, `/proc/PID/stat`: getrusage sees only ended children).
    var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        // After "pid (comm)": state is field 3, utime 14 and stime 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The process's peak resident set (VmHWM), in bytes.
    var peakResidentBytes: Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
        return kilobytes * 1024
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the process to end; its exit status, or `nil` on timeout.
    func waitForExit(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { return nil }
        SpawnedProcesses.ended(process.processIdentifier)
        return process.terminationStatus
    }

    /// Waits until the log contains `text`.
    @discardableResult
    func waitForLog(_ text: String, timeout: TimeInterval) -> Bool {
        DaemonHarness.eventually(timeout: timeout) { log.contains(text) }
    }

    /// Kills it for good (a test's cleanup).
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        SpawnedProcesses.ended(process.processIdentifier)
    }

    deinit { stop() }
}
