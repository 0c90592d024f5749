import ChorusCore
import Foundation
import Postgres
import Synchronization
import Testing
import TestSupport

/// Faults injected for real against the real `chorus` binary on the throwaway cluster: poison items,
/// statements cancelled with `pg_cancel_backend` and cut short by `statement_timeout`, deliveries too
/// large for the lock table. Each asserts that every good event is queued exactly once and every bad item
/// is kept once with its reason.
@Suite(.serialized)
struct FaultInjectionTests {
    /// A line of the harness's shape whose `field` holds a NUL (`\u0000` in JSON), which PostgreSQL cannot store.
    static func poisonLine(_ number: Int, field: String) -> String {
        switch field {
        case "id": return #"{"id":"ev-\#(number)\u0000","kind":"earthquake","countries":["IL"],"sentAt":"2026-01-01T00:00:00Z"}"#
        case "place": return #"{"id":"poison-\#(number)","kind":"earthquake","countries":["IL"],"place":"Ram\u0000la","sentAt":"2026-01-01T00:00:00Z"}"#
        default: return #"{"id":"poison-\#(number)","kind":"earthquake","countries":["IL"],"headline":{"en":"a \u0000 b"},"sentAt":"2026-01-01T00:00:00Z"}"#
        }
    }

    /// `count` events of the harness's shape with poison lines at `poison` (1-based line numbers).
    static func document(count: Int, poison: [Int: String]) -> (data: Data, good: Int) {
        var lines: [String] = []
        var good = 0
        for line in 1...count {
            if let field = poison[line] {
                lines.append(poisonLine(line, field: field))
            } else {
                lines.append(String(decoding: DaemonHarness.events(good..<good + 1), as: UTF8.self).trimmingCharacters(in: .newlines))
                good += 1
            }
        }
        return (Data((lines.joined(separator: "\n") + "\n").utf8), good)
    }

    @Test func poisonLinesInsideAThousandLineDeliveryCostOnlyThemselves() throws {
        let harness = try DaemonHarness()
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(daemon.waitForLog("msg=\"ready\"", timeout: 30), "\(daemon.log)")
        let poison = [10: "id", 500: "place", 1000: "headline"]
        let (data, good) = Self.document(count: 1000, poison: poison)
        try harness.append(data)  // one write: one delivery of 1,000 lines
        #expect(DaemonHarness.eventually(timeout: 60) {
            try harness.count("SELECT count(*) FROM chorus.events") == good
                && harness.count("SELECT count(*) FROM chorus.rejected_inputs") == poison.count
        }, "\(daemon.log.suffix(3000))")
        #expect(try harness.exactlyOnceProblem(count: good) == nil)
        let rows = try harness.connect().query("SELECT item, reason FROM chorus.rejected_inputs ORDER BY id").rows
        let items = try rows.map { try $0.decode("item", as: String.self) }
        #expect(items.map { $0.split(separator: "#").last.map(String.init) } == ["line:10", "line:500", "line:1000"], "\(items)")
        for row in rows {
            #expect(try row.decode("reason", as: String.self).contains("U+0000 (NUL)"))
        }
        #expect(daemon.process.isRunning)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0)
    }

    @Test func aSpoolFileWithOnePoisonLineQueuesTheOthers() throws {
        let harness = try DaemonHarness(sources: #"{ name: "drop", type: "spool", location: "spool", pollInterval: "200ms" }"#)
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(daemon.waitForLog("msg=\"ready\"", timeout: 30), "\(daemon.log)")
        let (data, good) = Self.document(count: 6, poison: [4: "headline"])
        try data.write(to: harness.spoolDirectory.appendingPathComponent("mixed.tmp"))
        try FileManager.default.moveItem(at: harness.spoolDirectory.appendingPathComponent("mixed.tmp"),
                                         to: harness.spoolDirectory.appendingPathComponent("mixed.jsonl"))
        #expect(DaemonHarness.eventually(timeout: 30) {
            try FileManager.default.contentsOfDirectory(atPath: harness.spoolDirectory.appendingPathComponent("processed").path) == ["mixed.jsonl"]
        }, "\(daemon.log.suffix(3000))")
        #expect(try harness.exactlyOnceProblem(count: good) == nil)
        #expect(try harness.count("SELECT count(*) FROM chorus.rejected_inputs WHERE item LIKE '%#line:4'") == 1)
    }

    @Test func ingestWithPoisonLinesQueuesEveryGoodEventAndExits65() throws {
        let harness = try DaemonHarness()
        // 5,000 events: more drafts than one transaction takes, so the document is written in pieces, the
        // poison line in the middle of one of them.
        let (data, good) = Self.document(count: 5000, poison: [1: "id", 2500: "place", 4999: "headline"])
        let file = harness.directory.appendingPathComponent("mixed.jsonl")
        try data.write(to: file)
        let arguments = ["ingest", file.path, "--database", harness.conninfo, "--rules", harness.rulesDirectory.path, "--source", "feed"]
        let first = try ChorusProcess.run(arguments, timeout: 300)
        #expect(first.status == 65, "\(first.standardError)")
        #expect(first.standardError.split(separator: "\n").filter { $0.hasPrefix("chorus: rejected ") }.count == 3, "\(first.standardError)")
        #expect(try harness.exactlyOnceProblem(count: good) == nil)
        #expect(try harness.count("SELECT count(*) FROM chorus.rejected_inputs") == 3)
        // Again: nothing new, nothing twice.
        let second = try ChorusProcess.run(arguments, timeout: 300)
        #expect(second.status == 65)
        #expect(try harness.exactlyOnceProblem(count: good) == nil)
        #expect(try harness.count("SELECT count(*) FROM chorus.rejected_inputs") == 3)
    }

    /// A value the parsers accept but the store refuses (an index row larger than a B-tree page: a rule
    /// whose suppression key holds the place, and a place of random text): that item alone is kept as a
    /// rejected input with the store's reason; the other 49 of its delivery are queued.
    @Test func anItemTheStoreRefusesIsKeptAloneWithItsReason() throws {
        let harness = try DaemonHarness()
        let rule = harness.rulesDirectory.appendingPathComponent("rules/test-quake.json5")
        let text = try String(contentsOf: rule, encoding: .utf8).replacingOccurrences(of: #"key: ["incident"]"#, with: #"key: ["incident", "place"]"#)
        try text.write(to: rule, atomically: true, encoding: .utf8)
        var generator = SeededGenerator(seed: 17)
        let scalars = (0..<12_000).map { _ in Character(Unicode.Scalar(UInt32(0x4E00 + generator.next() % 20_000)) ?? "x") }
        let place = String(scalars)
        var lines = String(decoding: DaemonHarness.events(0..<25), as: UTF8.self)
        lines += #"{"id":"too-big","kind":"earthquake","countries":["IL"],"place":"\#(place)","sentAt":"2026-01-01T00:00:00Z"}"# + "\n"
        lines += String(decoding: DaemonHarness.events(25..<49), as: UTF8.self)
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(daemon.waitForLog("msg=\"ready\"", timeout: 30), "\(daemon.log)")
        try harness.append(Data(lines.utf8))
        #expect(DaemonHarness.eventually(timeout: 60) {
            try harness.count("SELECT count(*) FROM chorus.events") == 49 && harness.count("SELECT count(*) FROM chorus.rejected_inputs") == 1
        }, "\(daemon.log.suffix(3000))")
        #expect(try harness.exactlyOnceProblem(count: 49) == nil)
        let row = try #require(try harness.connect().query("SELECT item, reason, raw_size FROM chorus.rejected_inputs").first)
        #expect(try row.decode("item", as: String.self).hasSuffix("#event:too-big"))
        let reason = try row.decode("reason", as: String.self)
        #expect(reason.hasPrefix("could not be queued: PostgreSQL error 54000"), "\(reason)")
        #expect(!reason.contains(String(place.prefix(8))), "the reason must not quote the value")
        #expect(try row.decode("raw_size", as: Int.self) > 0)
        #expect(daemon.process.isRunning)
    }

    /// Another session cancels the daemon's statements (`pg_cancel_backend`) every 20 ms while 6,000 events
    /// stream in: cancelled transactions are retried, in smaller pieces, never given up.
    @Test func repeatedCancelsLoseNothing() throws {
        let harness = try DaemonHarness()
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(daemon.waitForLog("msg=\"ready\"", timeout: 30), "\(daemon.log)")
        let canceller = try Canceller(conninfo: harness.conninfo, every: 0.02)
        defer { canceller.stop() }
        for chunk in 0..<6 {
            try harness.append(DaemonHarness.events(chunk * 1000..<(chunk + 1) * 1000))
            Thread.sleep(forTimeInterval: 0.3)
        }
        let done = DaemonHarness.eventually(timeout: 180) { try harness.count("SELECT count(*) FROM chorus.events") >= 6000 }
        canceller.stop()
        #expect(done, "\(daemon.log.suffix(3000))")
        #expect(canceller.cancelled > 0, "nothing was cancelled: the test did not test")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try harness.exactlyOnceProblem(count: 6000) == nil)
        #expect(try harness.count("SELECT count(*) FROM chorus.rejected_inputs") == 0)
        #expect(daemon.process.isRunning)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0)
    }

    /// Every statement of every session may take 30 ms at most: a thousand-line delivery does not fit in
    /// one transaction, and is written in pieces that do.
    @Test func aShortStatementTimeoutLosesNothing() throws {
        let harness = try DaemonHarness()
        try harness.append(DaemonHarness.events(0..<3000))
        let database = try #require(try harness.connect().query("SELECT current_database() AS d").first?.decode("d", as: String.self))
        try harness.connect().execute("ALTER DATABASE \(identifier: database) SET statement_timeout = '30ms'")
        let daemon = try harness.start()
        defer { daemon.stop() }
        // The test's own counting must not time out on a busy machine.
        let checker = try Connection(harness.conninfo + " options='-c statement_timeout=0'")
        func events() throws -> Int { try checker.query("SELECT count(*) AS n FROM chorus.events").first?.decode("n", as: Int.self) ?? -1 }
        #expect(DaemonHarness.eventually(timeout: 180) { try events() >= 3000 }, "\(daemon.log.suffix(3000))")
        Thread.sleep(forTimeInterval: 0.5)
        try checker.execute("ALTER DATABASE \(identifier: database) RESET statement_timeout")
        #expect(try harness.exactlyOnceProblem(count: 3000) == nil)
        #expect(try harness.count("SELECT count(*) FROM chorus.rejected_inputs") == 0)
        // The timeout did strike, and the delivery went in smaller transactions instead of being given up.
        #expect(daemon.log.contains("delivery written in smaller transactions") && daemon.log.contains("57014"), "\(daemon.log.suffix(3000))")
    }

    /// 10,000 events in one spool document: each takes two advisory locks, more than the server's lock
    /// table holds in one transaction; written in bounded transactions, every one is queued.
    @Test func aTenThousandEventSpoolDocument() throws {
        let harness = try DaemonHarness(sources: #"{ name: "drop", type: "spool", location: "spool", pollInterval: "200ms" }"#)
        try DaemonHarness.events(0..<10_000).write(to: harness.spoolDirectory.appendingPathComponent("big.tmp"))
        try FileManager.default.moveItem(at: harness.spoolDirectory.appendingPathComponent("big.tmp"),
                                         to: harness.spoolDirectory.appendingPathComponent("big.jsonl"))
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(DaemonHarness.eventually(timeout: 240) {
            try FileManager.default.contentsOfDirectory(atPath: harness.spoolDirectory.appendingPathComponent("processed").path) == ["big.jsonl"]
        }, "\(daemon.log.suffix(3000))")
        #expect(try harness.exactlyOnceProblem(count: 10_000) == nil)
        #expect(try harness.count("SELECT count(*) FROM chorus.rejected_inputs") == 0)
    }

    /// The followed file truncated and refilled in place with 1,000 lines written at once, while the daemon
    /// runs: no line skipped, none read from the middle.
    @Test func theFollowedFileTruncatedAndRefilledWhileRunning() throws {
        let harness = try DaemonHarness()
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(daemon.waitForLog("msg=\"ready\"", timeout: 30), "\(daemon.log)")
        try harness.append(DaemonHarness.events(0..<200))
        #expect(DaemonHarness.eventually(timeout: 60) { try harness.count("SELECT count(*) FROM chorus.events") == 200 })
        let handle = try FileHandle(forWritingTo: harness.feedFile)
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: DaemonHarness.events(200..<1200))
        try handle.close()
        #expect(DaemonHarness.eventually(timeout: 60) { try harness.count("SELECT count(*) FROM chorus.events") >= 1200 },
                "\(daemon.log.suffix(3000))")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try harness.exactlyOnceProblem(count: 1200) == nil)
        #expect(try harness.count("SELECT count(*) FROM chorus.rejected_inputs") == 0)
        #expect(daemon.log.contains("truncated or written again"), "\(daemon.log.suffix(3000))")
    }

    /// Truncated and refilled while the daemon is down, then rotated while it is down: every line of
    /// every file, once.
    @Test func theFollowedFileTruncatedOrRotatedWhileDown() throws {
        let harness = try DaemonHarness()
        try harness.append(DaemonHarness.events(0..<100))
        var daemon = try harness.start(name: "first")
        #expect(DaemonHarness.eventually(timeout: 60) { try harness.count("SELECT count(*) FROM chorus.events") == 100 })
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 10) == 0)
        // Down: rewritten in place with 300 lines (more than was read).
        try DaemonHarness.events(100..<400).write(to: harness.feedFile, options: [])
        daemon = try harness.start(name: "second")
        #expect(DaemonHarness.eventually(timeout: 60) { try harness.count("SELECT count(*) FROM chorus.events") >= 400 },
                "\(daemon.log.suffix(3000))")
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 10) == 0)
        // Down: 100 unread lines, then rotated and a new file begun.
        try harness.append(DaemonHarness.events(400..<500))
        try FileManager.default.moveItem(at: harness.feedFile, to: harness.directory.appendingPathComponent("feed.jsonl.1"))
        try DaemonHarness.events(500..<600).write(to: harness.feedFile)
        daemon = try harness.start(name: "third")
        defer { daemon.stop() }
        #expect(DaemonHarness.eventually(timeout: 60) { try harness.count("SELECT count(*) FROM chorus.events") >= 600 },
                "\(daemon.log.suffix(3000))")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try harness.exactlyOnceProblem(count: 600) == nil)
        #expect(try harness.count("SELECT count(*) FROM chorus.rejected_inputs") == 0)
        #expect(daemon.log.contains("the file was rotated"), "\(daemon.log.suffix(3000))")
    }

    /// An HTTP feed that trickles its answer (a slow loris, a byte every 200 ms): the poll is cut off at its
    /// deadline, the source shows as failing with the reason and is logged once with its backoff, and the
    /// next answer's events are queued exactly once. While the answer trickles the daemon waits in poll():
    /// its CPU time over the fetch stays under a fifth of the wall time (URLSession's loop used a core).
    @Test func aSlowLorisHTTPFeed() throws {
        let server = try TestHTTPServer(script: [
            .dribble(status: 200, headers: [:], body: Data(repeating: 0x20, count: 100_000), interval: 0.2),
            .respond(status: 200, headers: ["ETag": "\"one\""], body: DaemonHarness.events(0..<20)),
        ] + Array(repeating: .respond(status: 304, headers: [:], body: Data()), count: 100))
        defer { server.stop() }
        let harness = try DaemonHarness(sources: """
            { name: "web", type: "http", format: "jsonl", location: "\(server.url.absoluteString)", pollInterval: "1s", timeout: "4s" }
            """)
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(server.waitForRequests(1, timeout: 60))
        let cpuBefore = daemon.cpuSeconds
        let started = ContinuousClock.now
        #expect(daemon.waitForLog("msg=\"source failing\"", timeout: 60), "\(daemon.log.suffix(3000))")
        let cpu = daemon.cpuSeconds - cpuBefore
        let wall = Double((ContinuousClock.now - started).components.seconds)
            + Double((ContinuousClock.now - started).components.attoseconds) / 1e18
        #expect(wall >= 3, "the deadline of 4 s fired after \(wall) s")
        #expect(cpu < 0.2 * wall, "\(cpu) s of CPU in \(wall) s of a trickling fetch")
        #expect(daemon.log.contains("no complete answer within 4 s"), "\(daemon.log.suffix(3000))")
        #expect(daemon.log.contains("retry.ms="))
        #expect(DaemonHarness.eventually(timeout: 60) { try harness.count("SELECT count(*) FROM chorus.events") >= 20 },
                "\(daemon.log.suffix(3000))")
        Thread.sleep(forTimeInterval: 2)
        #expect(try harness.exactlyOnceProblem(count: 20) == nil)
        #expect(daemon.log.contains("msg=\"source recovered\""), "\(daemon.log.suffix(3000))")
        // One line for the failure, not one a retry.
        #expect(daemon.log.components(separatedBy: "msg=\"source failing\"").count - 1 == 1, "\(daemon.log)")
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0)
    }

    /// 64 MB in chunked encoding against the 10 MB document limit: cut off at the limit without buffering
    /// past it — the fetch adds less than twice the limit to the daemon's peak resident set — and the next
    /// answer's events are queued.
    @Test func anEndlessChunkedHTTPAnswerIsCutAtTheLimit() throws {
        let server = try TestHTTPServer(script: [
            .chunked(bytes: 64 << 20),
            .respond(status: 200, headers: ["ETag": "\"one\""], body: DaemonHarness.events(0..<5)),
        ] + Array(repeating: .respond(status: 304, headers: [:], body: Data()), count: 100))
        defer { server.stop() }
        let harness = try DaemonHarness(sources: """
            { name: "web", type: "http", format: "jsonl", location: "\(server.url.absoluteString)", pollInterval: "1s", timeout: "30s" }
            """)
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(daemon.waitForLog("msg=\"ready\"", timeout: 60))
        // The peak so far (about 39 MB in a debug build): the fetch's share is what comes on top.
        let before = daemon.peakResidentBytes
        #expect(daemon.waitForLog("msg=\"source failing\"", timeout: 60), "\(daemon.log.suffix(3000))")
        #expect(daemon.log.contains("the response is larger than the limit of 10485760 bytes"), "\(daemon.log.suffix(3000))")
        #expect(DaemonHarness.eventually(timeout: 60) { try harness.count("SELECT count(*) FROM chorus.events") >= 5 },
                "\(daemon.log.suffix(3000))")
        #expect(try harness.exactlyOnceProblem(count: 5) == nil)
        let peak = daemon.peakResidentBytes
        // URLSession buffered far past the limit (193–315 MB peak); now the body grows to the limit and stops.
        #expect(before > 0 && peak - before < 2 * 10_485_760, "peak resident set \(before / 1024) kB → \(peak / 1024) kB")
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0)
    }

    /// SIGTERM while a poll waits on a server that never answers: the fetch is cancelled and the daemon
    /// exits within its shutdown budget, not at the poll's 30 s deadline.
    @Test func sigtermDuringAHangingPollEndsPromptly() throws {
        let server = try TestHTTPServer(script: [.hang])
        defer { server.stop() }
        let harness = try DaemonHarness(sources: """
            { name: "web", type: "http", format: "jsonl", location: "\(server.url.absoluteString)", pollInterval: "1s", timeout: "30s" }
            """)
        let daemon = try harness.start()
        defer { daemon.stop() }
        #expect(daemon.waitForLog("msg=\"ready\"", timeout: 60), "\(daemon.log.suffix(3000))")
        #expect(server.waitForRequests(1, timeout: 60))
        let signalled = ContinuousClock.now
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0, "\(daemon.log.suffix(3000))")
        #expect(ContinuousClock.now - signalled < .seconds(5))
    }

    @Test func ingestOfTenThousandEvents() throws {
        let harness = try DaemonHarness()
        let file = harness.directory.appendingPathComponent("big.jsonl")
        try DaemonHarness.events(0..<10_000).write(to: file)
        let outcome = try ChorusProcess.run(["ingest", file.path, "--database", harness.conninfo, "--rules", harness.rulesDirectory.path,
                                             "--source", "feed", "--json"], timeout: 300)
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(try harness.exactlyOnceProblem(count: 10_000) == nil)
    }
}

/// Cancels the statements other sessions of the database are running, every `every` seconds, from a
/// thread of its own; counts how many it cancelled.
final class Canceller: Sendable {
    private let running = Atomic<Bool>(true)
    private let count = Atomic<Int>(0)
    private let finished = Mutex<Bool>(false)

    init(conninfo: String, every interval: TimeInterval) throws {
        let connection = try Connection(conninfo)
        // The connection is used by the thread alone.
        nonisolated(unsafe) let owned = connection
        let thread = Thread { [self] in
            while running.load(ordering: .relaxed) {
                // The pipeline's statements, not the test's own counting nor the heartbeat.
                let cancelled = (try? owned.query("""
                    SELECT count(*) FILTER (WHERE pg_cancel_backend(pid)) AS n FROM pg_stat_activity
                    WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
                      AND query LIKE '%chorus.%' AND query NOT LIKE '%count(%' AND query NOT LIKE '%daemon_instances%'
                    """).first?.decode("n", as: Int.self)) ?? 0
                count.add(cancelled, ordering: .relaxed)
                Thread.sleep(forTimeInterval: interval)
            }
            owned.close()
            finished.withLock { $0 = true }
        }
        thread.start()
    }

    var cancelled: Int { count.load(ordering: .relaxed) }

    func stop() {
        running.store(false, ordering: .relaxed)
        _ = DaemonHarness.eventually(timeout: 5) { finished.withLock { $0 } }
    }
}
