import ChorusConsole
import ChorusHTTP
import ChorusStore
import Foundation
import Glibc
import Postgres
import Synchronization
import TestSupport

/// PRODUCT.md §9, the review console: a page within 100 ms (p99) with 20 reviewers at once, and a change
/// on a reviewer's open page within 100 ms of its NOTIFY.
///
/// - **Pages.** The console on the benchmark's cluster (the jerusalem-2017 scenario queued live and as a
///   drill: both bundles with every sender's drafts, their events, action items and audit), 20 named
///   reviewers logged in through the login form (PostgreSQL checks each password), each on a keep-alive
///   connection of its own, asking in turn for the queue and the two bundle pages as fast as answers come. The baseline is `GET /healthz`
///   under the same 20 clients: the server, a pooled connection and one `SELECT 1` — the floor of any page.
/// - **Live.** A reviewer's open event stream (`GET /events`); a `pg_notify('chorus_review', …)` committed
///   on another connection; the time until its `event: bundle` line arrives. The baseline is the same
///   NOTIFY seen by a plain libpq listener (`LISTEN chorus_review`): the database's own delivery.
enum ConsoleBench {
    static let reviewers = 20

    static func run(cluster: EmbeddedPostgres, database: String, quick: Bool, into table: inout ReportTable) throws {
        let fixture = try ReviewFixture(conninfo: cluster.conninfo(database: database))
        let people = ReviewerStore(connection: fixture.owner)
        let names = (0..<reviewers).map { "bench_reviewer_\($0)" }
        for name in names { try people.add(name, as: .editor, password: "bench pass phrase of \(name)") }
        let console = try Console(settings: ConsoleSettings(listen: ListenAddress(host: "127.0.0.1", port: 0)),
                                  conninfo: cluster.conninfo(database: database, user: DatabaseRoles.consoleRole),
                                  loginConninfo: { user, password in
                                      try ConnectionString.replacing(["user": user, "password": password],
                                                                     in: cluster.conninfo(database: EmbeddedPostgres.loginDatabase))
                                  })
        try console.checkDatabase()
        console.start()
        defer {
            console.stop()
            console.waitUntilStopped()
        }
        let port = console.address.port
        let clients = try names.map { name in
            let client = try BenchClient(port: port)
            try client.login(name, "bench pass phrase of \(name)")
            return client
        }
        let pages = ["/", "/bundles/\(fixture.liveBundle)", "/bundles/\(fixture.drillBundle)"]
        let seconds = quick ? 4.0 : 15.0
        // Warm: every page once per client.
        for client in clients { for page in pages { _ = try client.get(page) } }
        let measured = try load(clients, paths: pages, seconds: seconds)
        let floor = try load(clients, paths: ["/healthz"], seconds: seconds)
        let p99 = percentile(measured, 0.99), floorP99 = percentile(floor, 0.99)
        table.add("console", "page p99, \(reviewers) reviewers at once (queue, 2 bundles; \(measured.count) pages)",
                  String(format: "%.1f ms (p50 %.1f)", p99, percentile(measured, 0.5)),
                  baseline: String(format: "%.1f ms /healthz p99 (p50 %.1f)", floorP99, percentile(floor, 0.5)),
                  ratio: String(format: "%.1f×", p99 / floorP99))

        // Live updates.
        let stream = clients[0]
        try stream.openEvents()
        let listener = try Connection(cluster.conninfo(database: database))
        try listener.listen(QueueWriter.notificationChannel)
        let notifier = try Connection(cluster.conninfo(database: database))
        let rounds = quick ? 40 : 150
        var live: [Double] = [], direct: [Double] = []
        for round in 0..<rounds {
            // One NOTIFY for each path a round, in alternating order, so that drift falls on both alike.
            let viaConsole = String(1_000_000 + 2 * round), plain = String(1_000_001 + 2 * round)
            func throughConsole() throws {
                let sent = ContinuousClock.now
                _ = try notifier.query("SELECT pg_notify(\(QueueWriter.notificationChannel), \(viaConsole)) AS sent")
                guard try stream.waitForEvent(data: viaConsole, timeout: 10) else {
                    throw BenchError("the console's event stream did not carry notification \(viaConsole) within 10 s")
                }
                live.append(milliseconds(sent.duration(to: .now)))
            }
            func throughListener() throws {
                let sent = ContinuousClock.now
                _ = try notifier.query("SELECT pg_notify(\(QueueWriter.notificationChannel), \(plain)) AS sent")
                let deadline = sent + .seconds(10)
                while try !listener.waitForNotifications(timeout: .milliseconds(500)).contains(where: { $0.payload == plain }) {
                    guard ContinuousClock.now < deadline else { throw BenchError("the plain listener missed notification \(plain)") }
                }
                direct.append(milliseconds(sent.duration(to: .now)))
            }
            if round % 2 == 0 {
                try throughConsole()
                try throughListener()
            } else {
                try throughListener()
                try throughConsole()
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        let liveP99 = percentile(live, 0.99), directP99 = percentile(direct, 0.99)
        table.add("console", "NOTIFY → server-sent event on an open page, p99 (\(rounds) notifications)",
                  String(format: "%.1f ms (p50 %.1f)", liveP99, percentile(live, 0.5)),
                  baseline: String(format: "%.1f ms plain LISTEN p99 (p50 %.1f)", directP99, percentile(direct, 0.5)),
                  ratio: String(format: "%.1f×", Measurement.median(live) / max(0.001, Measurement.median(direct))))
        for client in clients { client.close() }
    }

    /// Every client asks for `paths` in turn, as fast as answers come, for `seconds`; returns each
    /// answer's time in milliseconds.
    static func load(_ clients: [BenchClient], paths: [String], seconds: Double) throws -> [Double] {
        let results = Mutex<[Double]>([])
        let failure = Mutex<(any Error)?>(nil)
        let group = DispatchGroup()
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        for (index, client) in clients.enumerated() {
            group.enter()
            let thread = Thread {
                var times: [Double] = []
                var next = index
                do {
                    while ContinuousClock.now < deadline {
                        let started = ContinuousClock.now
                        let status = try client.get(paths[next % paths.count])
                        guard status == 200 else { throw BenchError("\(paths[next % paths.count]) answered \(status)") }
                        times.append(milliseconds(started.duration(to: .now)))
                        next += 1
                    }
                } catch {
                    failure.withLock { $0 = error }
                }
                results.withLock { $0 += times }
                group.leave()
            }
            thread.start()
        }
        group.wait()
        if let error = failure.withLock({ $0 }) { throw error }
        return results.withLock { $0 }
    }

    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)]
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}

/// One reviewer's browser, reduced to what the benchmark needs: a keep-alive HTTP/1.1 connection, the
/// session cookie, and an event stream it can read.
final class BenchClient: @unchecked Sendable {
    // @unchecked: each client is used by one thread at a time.
    private let descriptor: Int32
    private let host: String
    private var cookies: [String: String] = [:]
    private var buffer: [UInt8] = []

    init(port: UInt16) throws {
        host = "127.0.0.1:\(port)"
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(descriptor)
            throw BenchError("cannot connect to the console")
        }
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    func close() { Glibc.close(descriptor) }

    /// Logs in through the form, as a browser does.
    func login(_ name: String, _ password: String) throws {
        let (_, page) = try request("GET", "/login")
        guard let range = page.range(of: "name=\"csrf\" value=\""),
              let end = page[range.upperBound...].firstIndex(of: "\"") else { throw BenchError("no CSRF token on the login page") }
        let csrf = String(page[range.upperBound..<end])
        let form = [("csrf", csrf), ("name", name), ("password", password), ("next", "/")]
            .map { "\(HTTPForm.encode($0.0))=\(HTTPForm.encode($0.1))" }.joined(separator: "&")
        let (status, _) = try request("POST", "/login", body: form)
        guard status == 303 || status == 302, cookies.count >= 1 else { throw BenchError("the login of \(name) answered \(status)") }
    }

    /// A GET on the keep-alive connection; returns the status (the body is read and dropped).
    func get(_ path: String) throws -> Int { try request("GET", path).0 }

    /// Opens the event stream on this connection (which then serves nothing else) and reads its greeting.
    func openEvents() throws {
        send("GET /events HTTP/1.1\r\nHost: \(host)\r\nAccept: text/event-stream\r\n\(cookieLine)\r\n")
        guard try readUntil("event: hello", timeout: 10) else { throw BenchError("the event stream did not open") }
    }

    /// Reads the stream until an event whose data names `id` arrives (the console joins the ids of
    /// notifications that come together: `data: 12,13`), or `timeout` seconds pass.
    func waitForEvent(data id: String, timeout: Double) throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        while true {
            while let end = find("\n") {
                let line = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeFirst(end + 1)
                if line.hasPrefix("data: "), line.dropFirst(6).split(separator: ",").contains(Substring(id)) { return true }
            }
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero, try fill(timeout: Double(remaining.components.seconds) + 0.001) else { return false }
        }
    }

    private var cookieLine: String {
        cookies.isEmpty ? "" : "Cookie: " + cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") + "\r\n"
    }

    private func request(_ method: String, _ path: String, body: String? = nil) throws -> (Int, String) {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\n\(cookieLine)"
        if let body {
            head += "Content-Type: application/x-www-form-urlencoded\r\nOrigin: http://\(host)\r\nContent-Length: \(body.utf8.count)\r\n"
        }
        send(head + "\r\n" + (body ?? ""))
        // The head.
        guard try readUntil("\r\n\r\n", timeout: 30, consume: false), let end = find("\r\n\r\n") else {
            throw BenchError("no answer to \(method) \(path)")
        }
        let headText = String(decoding: buffer[..<end], as: UTF8.self)
        buffer.removeFirst(end + 4)
        let lines = headText.components(separatedBy: "\r\n")
        guard let status = lines.first.flatMap({ Int($0.split(separator: " ").dropFirst().first ?? "") }) else {
            throw BenchError("a malformed answer to \(method) \(path)")
        }
        var length = 0
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            switch parts[0].lowercased() {
            case "content-length": length = Int(parts[1]) ?? 0
            case "set-cookie":
                let pair = parts[1].split(separator: ";")[0].split(separator: "=", maxSplits: 1).map(String.init)
                if pair.count == 2 { if parts[1].contains("Max-Age=0") { cookies[pair[0]] = nil } else { cookies[pair[0]] = pair[1] } }
            default: break
            }
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while buffer.count < length {
            guard ContinuousClock.now < deadline, try fill(timeout: 30) else { throw BenchError("a short answer to \(method) \(path)") }
        }
        let bodyText = String(decoding: buffer[..<length], as: UTF8.self)
        buffer.removeFirst(length)
        return (status, bodyText)
    }

    private func send(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { return }
            offset += count
        }
    }

    private func find(_ text: String) -> Int? {
        let needle = Array(text.utf8)
        guard buffer.count >= needle.count else { return nil }
        for index in 0...(buffer.count - needle.count) where buffer[index] == needle[0] {
            if Array(buffer[index..<(index + needle.count)]) == needle { return index }
        }
        return nil
    }

    /// Reads until `text` is in the buffer (and, with `consume`, drops everything up to its end).
    private func readUntil(_ text: String, timeout: Double, consume: Bool = true) throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        while true {
            if let index = find(text) {
                if consume { buffer.removeFirst(index + text.utf8.count) }
                return true
            }
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero, try fill(timeout: Double(remaining.components.seconds) + 0.001) else { return false }
        }
    }

    /// Waits for bytes (at most `timeout` seconds) and appends them; false when none came or the server closed.
    private func fill(timeout: Double) throws -> Bool {
        var descriptors = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptors, 1, Int32(min(timeout, 60) * 1000)) > 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, 65536, 0) }
        guard count > 0 else { return false }
        buffer += chunk[..<count]
        return true
    }
}
