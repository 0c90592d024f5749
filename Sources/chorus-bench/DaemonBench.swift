import ChorusCore
import Foundation
import Postgres

/// PRODUCT.md §9 for the running daemon, through the real `chorus run` process: latency from a line
/// appended to a followed file to its bundle's NOTIFY; peak resident memory while streaming a large feed;
/// start-up to `READY=1` with 1,000 rules. (Release latency is ``ReleaseBench``'s.)
enum DaemonBench {
    static func run(cluster: EmbeddedPostgres, database: String, rules: URL, workspace: URL, quick: Bool,
                    into table: inout ReportTable) throws {
        let chorus = try executable()
        let conninfo = cluster.conninfo(database: database)
        try latency(chorus: chorus, conninfo: conninfo, rules: rules, workspace: workspace, quick: quick, into: &table)
        try memory(chorus: chorus, conninfo: conninfo, rules: rules, workspace: workspace, quick: quick, into: &table)
        try startUp(chorus: chorus, conninfo: conninfo, rules: rules, workspace: workspace, quick: quick, into: &table)
    }

    /// The `chorus` binary built beside this one.
    static func executable() throws -> URL {
        let chorus = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("chorus")
        guard FileManager.default.isExecutableFile(atPath: chorus.path) else {
            throw BenchError("no chorus binary beside chorus-bench at \(chorus.path)")
        }
        return chorus
    }

    // MARK: Latency

    static func latency(chorus: URL, conninfo: String, rules: URL, workspace: URL, quick: Bool,
                        into table: inout ReportTable) throws {
        let feed = workspace.appendingPathComponent("latency.jsonl")
        _ = FileManager.default.createFile(atPath: feed.path, contents: nil)
        let daemon = try DaemonProcess.start(chorus: chorus, conninfo: conninfo, rules: rules, workspace: workspace,
                                             feed: feed, name: "latency")
        defer { daemon.stop() }
        let listener = try Connection(conninfo)
        try listener.listen("chorus_review")
        let handle = try FileHandle(forWritingTo: feed)
        defer { try? handle.close() }
        let count = quick ? 200 : 500
        var samples: [Double] = []
        for index in 0..<count {
            let line = try latencyEvent(index).jsonLine() + "\n"
            let started = ContinuousClock.now
            try handle.write(contentsOf: Data(line.utf8))
            let notes = try listener.waitForNotifications(timeout: .seconds(10))
            guard !notes.isEmpty else { throw BenchError("no bundle notification within 10 s for event \(index)") }
            samples.append(Double((ContinuousClock.now - started).components.attoseconds) / 1e15
                + Double((ContinuousClock.now - started).components.seconds) * 1000)
            // Idle between events, as the target describes.
            Thread.sleep(forTimeInterval: 0.02)
        }
        // The floor: the same kind of wake-up through the database without chorus — an INSERT and a NOTIFY.
        let direct = try Connection(conninfo)
        try direct.execute("CREATE TEMP TABLE floor (n int)")
        var floor: [Double] = []
        for index in 0..<count {
            let started = ContinuousClock.now
            try direct.transaction { transaction in
                try transaction.execute("INSERT INTO floor VALUES (\(index))")
                try transaction.notify("chorus_review", payload: "floor")
            }
            _ = try listener.waitForNotifications(timeout: .seconds(10))
            let elapsed = ContinuousClock.now - started
            floor.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        }
        let p50 = percentile(samples, 0.5), p99 = percentile(samples, 0.99), worst = samples.max() ?? 0
        let floor99 = percentile(floor, 0.99)
        table.add("latency", "append → bundle NOTIFY, \(count) events, p50 / p99 / max (target p99 < 50 ms)",
                  "\(p50.twoDecimals) / \(p99.twoDecimals) / \(worst.twoDecimals) ms",
                  baseline: "INSERT+NOTIFY p99 \(floor99.twoDecimals) ms", ratio: "\((p99 / max(floor99, 0.001)).twoDecimals)× at p99")
    }

    static func latencyEvent(_ index: Int) -> Event {
        let countries = ["IL", "DE", "FR", "GB", "US"]
        let now = Date()
        return Event(id: "latency-\(index)-\(UUID().uuidString.prefix(8))", kind: "terror_attack",
                     incident: "latency-\(index)-\(Int(now.timeIntervalSince1970))", sentAt: now, occurredAt: now,
                     countries: [countries[index % countries.count]], place: "Jerusalem", severity: .severe,
                     certainty: .observed, fatalities: 3, injured: 10, headline: ["en": "Attack"])
    }

    // MARK: Memory

    static func memory(chorus: URL, conninfo: String, rules: URL, workspace: URL, quick: Bool,
                       into table: inout ReportTable) throws {
        let feed = workspace.appendingPathComponent("memory.jsonl")
        _ = FileManager.default.createFile(atPath: feed.path, contents: nil)
        let daemon = try DaemonProcess.start(chorus: chorus, conninfo: conninfo, rules: rules, workspace: workspace,
                                             feed: feed, name: "memory")
        defer { daemon.stop() }
        let idle = daemon.residentKilobytes()
        // Events no rule matches, each with a 4 KB description: the feed's bytes, not drafting, are the load.
        let target = quick ? 100 * 1_048_576 : 1_073_741_824
        let description = String(repeating: "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", count: 70)
        let handle = try FileHandle(forWritingTo: feed)
        var written = 0
        var index = 0
        var chunk = Data()
        while written < target {
            let event = Event(id: "memory-\(index)", kind: "other", countries: ["AQ"], severity: .minor,
                              headline: ["en": "Routine report \(index)"], description: ["en": description])
            chunk.append(Data((try event.jsonLine() + "\n").utf8))
            index += 1
            if chunk.count >= 4 * 1_048_576 {
                try handle.write(contentsOf: chunk)
                written += chunk.count
                chunk.removeAll(keepingCapacity: true)
            }
        }
        try handle.close()
        let events = index
        // Wait until every event is stored.
        let counter = try Connection(conninfo)
        let deadline = Date().addingTimeInterval(quick ? 300 : 3_600)
        var stored = 0
        var peak = idle
        while Date() < deadline {
            stored = try counter.query("SELECT count(*) AS n FROM chorus.events WHERE event_id LIKE 'memory-%'").first?
                .decode("n", as: Int.self) ?? 0
            peak = max(peak, daemon.peakResidentKilobytes())
            if stored >= events { break }
            Thread.sleep(forTimeInterval: 0.5)
        }
        peak = max(peak, daemon.peakResidentKilobytes())
        guard stored >= events else { throw BenchError("the daemon stored \(stored) of \(events) events in time") }
        table.add("memory", "peak RSS streaming \(written / 1_048_576) MB (\(events.grouped) events; target < 64 MB)",
                  "\(peak / 1024) MB", baseline: "idle after start \(idle / 1024) MB",
                  ratio: "\((Double(peak) / Double(max(idle, 1))).twoDecimals)× idle")
    }

    // MARK: A day of news

    /// A day of EMM-sized traffic (300,000 items; 30,000 with `--quick`) dropped into a spool directory as
    /// EMM documents of 1,000 items, through the daemon with a rule that holds every incident until three
    /// independent origins report it within 24 hours: the resident set while the windows stay open.
    static func newsMemory(chorus: URL, conninfo: String, rules: URL, workspace: URL, quick: Bool, items: Int? = nil,
                           into table: inout ReportTable) throws {
        let count = items ?? (quick ? 30_000 : 300_000)
        let day = NewsDay(count: count).items
        let spool = workspace.appendingPathComponent("news-spool", isDirectory: true)
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
        let newsRules = try NewsBench.rulesDirectory(from: rules, in: workspace)
        let daemon = try DaemonProcess.start(chorus: chorus, conninfo: conninfo, rules: newsRules, workspace: workspace,
                                             feed: spool, name: "news", spool: spool)
        defer { daemon.stop() }
        let idle = daemon.residentKilobytes()
        let documents = stride(from: 0, to: day.count, by: 1_000).map { start in
            NewsDay.emmDocument(day[start..<min(start + 1_000, day.count)])
        }
        let started = ContinuousClock.now
        var peak = idle
        for (index, document) in documents.enumerated() {
            let name = String(format: "emm-%05d.xml", index)
            let part = spool.appendingPathComponent(name + ".part")
            try document.write(to: part)
            try FileManager.default.moveItem(at: part, to: spool.appendingPathComponent(name))
            peak = max(peak, daemon.peakResidentKilobytes())
        }
        let processed = spool.appendingPathComponent("processed", isDirectory: true)
        let deadline = Date().addingTimeInterval(quick ? 600 : 3_600)
        var done = 0
        while Date() < deadline {
            done = (try? FileManager.default.contentsOfDirectory(atPath: processed.path).count) ?? 0
            peak = max(peak, daemon.peakResidentKilobytes())
            if done >= documents.count { break }
            Thread.sleep(forTimeInterval: 0.25)
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        peak = max(peak, daemon.peakResidentKilobytes())
        guard done >= documents.count else { throw BenchError("the daemon processed \(done) of \(documents.count) news documents in time") }
        let counter = try Connection(conninfo)
        guard let row = try counter.query("""
            SELECT (SELECT count(*) FROM chorus.events WHERE source = 'news') AS events,
                   (SELECT count(*) FROM chorus.corroborations WHERE state = 'held' AND expires_at > now()) AS held,
                   (SELECT count(*) FROM chorus.corroborations WHERE state = 'corroborated') AS corroborated,
                   (SELECT count(*) FROM chorus.corroboration_evidence) AS evidence,
                   (SELECT count(*) FROM chorus.bundles) AS bundles
            """).first else { throw BenchError("no counts") }
        let held: Int = try row.decode("held"), corroborated: Int = try row.decode("corroborated")
        table.add("news", "peak RSS, \(count.grouped) news items (a day of EMM traffic) through the daemon, windows open (target < 64 MB)",
                  "\(peak / 1024) MB", baseline: "idle after start \(idle / 1024) MB",
                  ratio: "\((Double(peak) / Double(max(idle, 1))).twoDecimals)× idle")
        table.add("news", "open windows at the end: incidents held / corroborated (bundles), reports kept as evidence",
                  "\(held.grouped) / \(corroborated.grouped) (\(try row.decode("bundles", as: Int.self).grouped))",
                  baseline: "\(try row.decode("evidence", as: Int.self).grouped) reports of \(try row.decode("events", as: Int.self).grouped) events")
        table.add("news", "items/s through the daemon into PostgreSQL (classified, corroborated, committed)",
                  (Double(count) / seconds).grouped, baseline: "\(documents.count) documents in \(seconds.twoDecimals) s")
    }

    // MARK: Backlog

    /// Issue 17's memory figures, both with events the shipped rules draft for (many drafts each):
    /// the daemon's peak resident memory while it works off a 10,000-line backlog written before it started,
    /// and `chorus ingest`'s for a 1,000-event document — against the 64 MB target and the idle daemon.
    static func backlog(cluster: EmbeddedPostgres, database: String, rules: URL, workspace: URL, quick: Bool,
                        into table: inout ReportTable) throws {
        let chorus = try executable()
        let conninfo = cluster.conninfo(database: database)
        let counter = try Connection(conninfo)
        func stored(_ prefix: String) throws -> Int {
            try counter.query("SELECT count(*) AS n FROM chorus.events WHERE event_id LIKE \(prefix + "%")").first?
                .decode("n", as: Int.self) ?? 0
        }
        let lines = quick ? 2_000 : 10_000
        let feed = workspace.appendingPathComponent("backlog.jsonl")
        var data = Data()
        for index in 0..<lines { data.append(Data((try backlogEvent("backlog", index).jsonLine() + "\n").utf8)) }
        try data.write(to: feed)
        var peak = 0
        do {
            let daemon = try DaemonProcess.start(chorus: chorus, conninfo: conninfo, rules: rules, workspace: workspace,
                                                 feed: feed, name: "backlog")
            defer { daemon.stop() }
            let deadline = Date().addingTimeInterval(quick ? 300 : 1_800)
            while try stored("backlog-") < lines {
                guard Date() < deadline else { throw BenchError("the daemon stored \(try stored("backlog-")) of \(lines) backlog events in time") }
                peak = max(peak, daemon.peakResidentKilobytes())
                Thread.sleep(forTimeInterval: 0.2)
            }
            peak = max(peak, daemon.peakResidentKilobytes())
        }
        let idleFeed = workspace.appendingPathComponent("idle.jsonl")
        _ = FileManager.default.createFile(atPath: idleFeed.path, contents: nil)
        let idleKilobytes: Int
        do {
            let idle = try DaemonProcess.start(chorus: chorus, conninfo: conninfo, rules: rules, workspace: workspace,
                                               feed: idleFeed, name: "idle")
            defer { idle.stop() }
            Thread.sleep(forTimeInterval: 1)
            idleKilobytes = idle.residentKilobytes()
        }
        let drafts = try counter.query("""
            SELECT count(*) AS n FROM chorus.drafts d JOIN chorus.bundles b ON b.id = d.bundle_id
            JOIN chorus.events e ON e.id = b.event_id WHERE e.event_id LIKE 'backlog-%'
            """).first?.decode("n", as: Int.self) ?? 0
        table.add("memory", "peak RSS working off a \(lines.grouped)-line backlog (\(data.count / 1_048_576) MB, \(drafts / lines) drafts an event; target < 64 MB)",
                  "\(peak / 1024) MB", baseline: "idle after start \(idleKilobytes / 1024) MB",
                  ratio: "\((Double(peak) / Double(max(idleKilobytes, 1))).twoDecimals)× idle")

        let count = 1_000
        let document = workspace.appendingPathComponent("ingest.jsonl")
        var ingest = Data()
        for index in 0..<count { ingest.append(Data((try backlogEvent("ingest", index).jsonLine() + "\n").utf8)) }
        try ingest.write(to: document)
        let ingestPeak = try peakKilobytes(of: chorus, ["ingest", document.path, "--database", conninfo, "--rules", rules.path])
        guard try stored("ingest-") == count else { throw BenchError("chorus ingest stored \(try stored("ingest-")) of \(count) events") }
        table.add("memory", "peak RSS of `chorus ingest` of \(count.grouped) events (\(drafts / lines) drafts each; target < 64 MB)",
                  "\(ingestPeak / 1024) MB", baseline: "idle daemon \(idleKilobytes / 1024) MB",
                  ratio: "\((Double(ingestPeak) / Double(max(idleKilobytes, 1))).twoDecimals)× idle")
    }

    /// An event of `prefix` that the shipped rules draft for (a severe attack in Israel, distinct incidents).
    static func backlogEvent(_ prefix: String, _ index: Int) -> Event {
        let sent = Date(timeIntervalSince1970: 1_780_000_000 + Double(index))
        return Event(id: "\(prefix)-\(index)", kind: "terror_attack", incident: "\(prefix)-incident-\(index)", sentAt: sent,
                     occurredAt: sent, countries: ["IL"], place: "Jerusalem", severity: .severe, certainty: .observed,
                     fatalities: 3, injured: 10, headline: ["en": "Attack \(index)"])
    }

    /// Runs `executable` with `arguments` to its end; its peak resident set (`ru_maxrss` from `wait4`), in kB.
    static func peakKilobytes(of executable: URL, _ arguments: [String]) throws -> Int {
        var pid: pid_t = 0
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        guard posix_spawn(&pid, executable.path, &actions, nil, argv, environ) == 0 else {
            throw BenchError("cannot start \(executable.path)")
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchError("wait4 failed") }
        }
        // 65 (an item rejected) would still have measured the run; anything else is a failed run.
        let code = (status >> 8) & 0xff
        guard status & 0x7f == 0, code == 0 else { throw BenchError("\(executable.lastPathComponent) \(arguments.first ?? "") exited with \(status)") }
        return Int(usage.ru_maxrss)
    }

    // MARK: Start-up

    static func startUp(chorus: URL, conninfo: String, rules: URL, workspace: URL, quick: Bool,
                        into table: inout ReportTable) throws {
        let manyRules = try makeRulesDirectory(from: rules, count: 1_000, in: workspace)
        let runs = quick ? 3 : 7
        var ready: [Double] = []
        for run in 0..<runs {
            let feed = workspace.appendingPathComponent("startup-\(run).jsonl")
            _ = FileManager.default.createFile(atPath: feed.path, contents: nil)
            let daemon = try DaemonProcess.start(chorus: chorus, conninfo: conninfo, rules: manyRules, workspace: workspace,
                                                 feed: feed, name: "startup-\(run)")
            ready.append(daemon.secondsToReady * 1000)
            daemon.stop()
        }
        // The floor: exec of the same binary to exit, doing nothing (`chorus --version`).
        var exec: [Double] = []
        for _ in 0..<runs {
            exec.append(try Measurement.seconds {
                let process = Process()
                process.executableURL = chorus
                process.arguments = ["--version"]
                process.standardOutput = FileHandle.nullDevice
                try process.run()
                process.waitUntilExit()
            } * 1000)
        }
        let median = percentile(ready, 0.5)
        let floor = percentile(exec, 0.5)
        table.add("start-up", "exec → READY=1, 1,000 rules, median of \(runs) (target < 300 ms)", "\(median.twoDecimals) ms",
                  baseline: "exec → exit of 'chorus --version' \(floor.twoDecimals) ms", ratio: "\((median / max(floor, 0.001)).twoDecimals)×")
    }

    /// The shipped rules plus copies of the attack rule up to `count` rules.
    static func makeRulesDirectory(from rules: URL, count: Int, in workspace: URL) throws -> URL {
        let directory = workspace.appendingPathComponent("rules-\(count)", isDirectory: true)
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.copyItem(at: rules, to: directory)
        let template = try String(contentsOf: rules.appendingPathComponent("rules/attack.json5"), encoding: .utf8)
        let existing = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("rules").path).count
        for index in 0..<max(0, count - existing) {
            let copy = template.replacingOccurrences(of: "id: \"attack\"", with: "id: \"attack-copy-\(index)\"")
            try copy.write(to: directory.appendingPathComponent("rules/attack-copy-\(index).json5"), atomically: false, encoding: .utf8)
        }
        return directory
    }

    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
    }
}

/// A `chorus run` process with a file source, started with a notify socket so that `READY=1` is seen.
final class DaemonProcess {
    let process: Process
    let secondsToReady: Double
    private let notifySocket: Int32
    private let notifyPath: String

    /// Starts `chorus run` on `rules` with one source: the JSON Lines file `feed`, or the spool directory `spool`;
    /// `extra` is added to the configuration's top level.
    static func start(chorus: URL, conninfo: String, rules: URL, workspace: URL, feed: URL, name: String,
                      spool: URL? = nil, configuration extra: String = "") throws -> DaemonProcess {
        let config = workspace.appendingPathComponent("\(name).json5")
        let source = spool.map { #"type: "spool", location: \#(jsonString($0.path))"# }
            ?? #"type: "file", format: "jsonl", location: \#(jsonString(feed.path))"#
        let configuration = """
            {
              database: \(jsonString(conninfo)),
              rules: \(jsonString(rules.path)),
              sources: [{ name: \(jsonString(name)), \(source), pollInterval: "1s" }],
              batch: { maxEvents: 2000, maxDelay: "0ms" },
              \(extra)
            }
            """
        try configuration.write(to: config, atomically: true, encoding: .utf8)
        let notifyPath = workspace.appendingPathComponent("\(name).notify").path
        let socket = try bindDatagramSocket(at: notifyPath)
        let process = Process()
        process.executableURL = chorus
        process.arguments = ["run", "--config", config.path]
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = notifyPath
        environment["STATE_DIRECTORY"] = workspace.appendingPathComponent("state-\(name)").path
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        let started = ContinuousClock.now
        try process.run()
        guard waitForMessage(socket, containing: "READY=1", timeout: 60) else {
            process.terminate()
            close(socket)
            throw BenchError("chorus run (\(name)) did not send READY=1 within 60 s")
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        // Keep reading STATUS= and WATCHDOG=1 as systemd does, until the socket is closed.
        let drain = Thread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while recv(socket, &buffer, buffer.count, 0) > 0 {}
        }
        drain.start()
        return DaemonProcess(process: process, secondsToReady: seconds, notifySocket: socket, notifyPath: notifyPath)
    }

    private init(process: Process, secondsToReady: Double, notifySocket: Int32, notifyPath: String) {
        self.process = process
        self.secondsToReady = secondsToReady
        self.notifySocket = notifySocket
        self.notifyPath = notifyPath
    }

    /// Current resident set (VmRSS), in kB.
    func residentKilobytes() -> Int { statusField("VmRSS:") }

    /// Peak resident set (VmHWM), in kB.
    func peakResidentKilobytes() -> Int { statusField("VmHWM:") }

    private func statusField(_ name: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name) }) else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        shutdown(notifySocket, Int32(SHUT_RDWR))
        close(notifySocket)
        unlink(notifyPath)
    }

    private static func jsonString(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }

    private static func bindDatagramSocket(at path: String) throws -> Int32 {
        unlink(path)
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw BenchError("socket(): \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw BenchError("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw BenchError("bind(\(path)): \(String(cString: strerror(errno)))") }
        return descriptor
    }

    private static func waitForMessage(_ socket: Int32, containing text: String, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(max(1, deadline.timeIntervalSinceNow * 1000)))
            guard ready > 0 else { continue }
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else { continue }
            if String(decoding: buffer[0..<count], as: UTF8.self).contains(text) { return true }
        }
        return false
    }
}
