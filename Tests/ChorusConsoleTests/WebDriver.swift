import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Glibc
import TestSupport

/// Headless Chromium driven over the W3C WebDriver protocol (chromedriver) from Swift: the console's tests
/// click through real pages in a real browser — its cookies, its CSP, its EventSource.
///
/// The commands go over a plain socket, not URLSession: chromedriver writes its response headers without a
/// space after the colon (`Content-Length:251`), which this toolchain's FoundationNetworking refuses
/// ("Failed writing header", swift-corelibs-foundation#5527, fixed in later releases). The console itself
/// is tested through URLSession (`ConsoleClient`).
final class WebDriver: @unchecked Sendable {
    // @unchecked: the process and port are set once in `init`; each session's commands run in order.
    private let driver: Process
    let port: UInt16

    /// The chromedriver and chromium of this machine (`$CHROMEDRIVER`, `$CHROMIUM` to override).
    static var driverPath: String { ProcessInfo.processInfo.environment["CHROMEDRIVER"] ?? "/usr/bin/chromedriver" }
    static var browserPath: String { ProcessInfo.processInfo.environment["CHROMIUM"] ?? "/usr/bin/chromium" }

    /// Whether a browser can be driven here (its absence fails the browser tests, never skips them).
    static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: driverPath) && FileManager.default.isExecutableFile(atPath: browserPath)
    }

    /// Starts chromedriver on a free port and waits until it answers.
    init() throws {
        let port = try Self.freePort()
        driver = Process()
        driver.executableURL = URL(fileURLWithPath: Self.driverPath)
        driver.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1", "--log-level=SEVERE"]
        driver.standardOutput = FileHandle.nullDevice
        driver.standardError = FileHandle.nullDevice
        try driver.run()
        // Killed at the test process's exit whatever happens: a driver held until then never sees deinit.
        SpawnedProcesses.started(driver.processIdentifier)
        self.port = port
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let status = try? request("GET", "/status"), (status["value"] as? [String: Any])?["ready"] as? Bool == true { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        kill(driver.processIdentifier, SIGKILL)
        throw WebDriverError("chromedriver did not start")
    }

    deinit {
        // Not waitUntilExit(): Foundation's Process can wait forever here. SIGKILL, not terminate(): the
        // driver inherits the test process's blocked SIGTERM and would outlive the run.
        if driver.isRunning { kill(driver.processIdentifier, SIGKILL) }
        SpawnedProcesses.ended(driver.processIdentifier)
    }

    /// A browser window of its own (its own profile: its own cookies), at a phone's size.
    func session(width: Int = 412, height: Int = 915) throws -> BrowserSession {
        let capabilities: [String: Any] = ["capabilities": ["alwaysMatch": [
            "browserName": "chrome",
            "goog:chromeOptions": [
                "binary": Self.browserPath,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                         "--window-size=\(width),\(height)", "--force-device-scale-factor=1", "--lang=en-GB",
                         "--no-first-run", "--disable-extensions", "--disable-background-networking"],
            ],
        ] as [String: Any]]]
        let answer = try request("POST", "/session", capabilities)
        guard let value = answer["value"] as? [String: Any], let id = value["sessionId"] as? String else {
            throw WebDriverError("no session: \(answer)")
        }
        return BrowserSession(driver: self, id: id)
    }

    /// One WebDriver command; returns the decoded JSON answer. A WebDriver error becomes a ``WebDriverError``.
    @discardableResult
    func request(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> [String: Any] {
        let payload = try body.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data()
        let (status, data) = try Self.exchange(port: port, method: method, path: path, body: payload)
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        if status >= 400 {
            let value = object["value"] as? [String: Any]
            throw WebDriverError("\(method) \(path): \(value?["error"] ?? status) \(value?["message"] ?? "")")
        }
        return object
    }

    /// One HTTP/1.1 request on a connection of its own (`Connection: close`): the status and the body.
    static func exchange(port: UInt16, method: String, path: String, body: Data) throws -> (Int, Data) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw WebDriverError("cannot reach chromedriver: \(String(cString: strerror(errno)))") }
        var timeout = timeval(tv_sec: 120, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let request = Array(head.utf8) + Array(body)
        var sent = 0
        while sent < request.count {
            let count = request.withUnsafeBytes { send(descriptor, $0.baseAddress! + sent, request.count - sent, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw WebDriverError("chromedriver closed the connection") }
            sent += count
        }
        // Read the head, then as many bytes as its Content-Length says (chromedriver keeps the connection open).
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var bodyStart: Int?
        var length: Int?
        while bodyStart == nil || response.count - (bodyStart ?? 0) < (length ?? Int.max) {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, 65536, 0) }
            if count <= 0 { break }
            response.append(contentsOf: chunk[0..<count])
            if bodyStart == nil, let end = headEnd(response) {
                bodyStart = end + 4
                let head = String(decoding: response[0..<end], as: UTF8.self).lowercased()
                length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) }
            }
        }
        guard let bodyStart, response.count >= 12, let status = Int(String(decoding: response[9..<12], as: UTF8.self)) else {
            throw WebDriverError("chromedriver gave no HTTP answer")
        }
        return (status, Data(response[bodyStart...]))
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        for index in 0..<max(0, bytes.count - 3)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }

    final class Box<T>: @unchecked Sendable {
        // @unchecked: written once by a completion handler before a semaphore is signalled, read after.
        var value: T?
    }

    static func freePort() throws -> UInt16 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(descriptor, pointer, length) == 0 else { return -1 }
                return getsockname(descriptor, pointer, &length)
            }
        }
        guard bound == 0 else { throw WebDriverError("no free port") }
        return UInt16(bigEndian: address.sin_port)
    }
}

/// One browser window.
final class BrowserSession: @unchecked Sendable {
    // @unchecked: commands of one session are sent one after another by one test.
    let driver: WebDriver
    let id: String

    init(driver: WebDriver, id: String) {
        self.driver = driver
        self.id = id
    }

    deinit { _ = try? driver.request("DELETE", "/session/\(id)") }

    @discardableResult
    private func command(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> Any? {
        try driver.request(method, "/session/\(id)\(path)", body)["value"]
    }

    func open(_ url: String) throws { try command("POST", "/url", ["url": url]) }

    var url: String { get throws { try command("GET", "/url") as? String ?? "" } }
    var title: String { get throws { try command("GET", "/title") as? String ?? "" } }

    /// The first element matching `css`.
    func find(_ css: String) throws -> String {
        guard let value = try command("POST", "/element", ["using": "css selector", "value": css]) as? [String: Any],
              let element = value.values.first as? String else { throw WebDriverError("no element \(css)") }
        return element
    }

    /// Clicks the first element matching `css`, scrolled to the middle of the window first (the console's
    /// header sticks to the top and would take a click at the edge).
    func click(_ css: String) throws {
        let element = try find(css)
        try run("arguments[0].scrollIntoView({ block: 'center' })", [["element-6066-11e4-a52e-4f735466cecf": element]])
        try command("POST", "/element/\(element)/click", [:])
    }

    func type(_ css: String, _ text: String) throws {
        try command("POST", "/element/\(try find(css))/value", ["text": text])
    }

    func text(_ css: String) throws -> String {
        try command("GET", "/element/\(try find(css))/text") as? String ?? ""
    }

    /// Runs `script` (a function body; `arguments` as its arguments) in the page and returns its value.
    @discardableResult
    func run(_ script: String, _ arguments: [Any] = []) throws -> Any? {
        try command("POST", "/execute/sync", ["script": script, "args": arguments])
    }

    /// Runs an asynchronous script: it ends by calling `arguments[arguments.length - 1](value)`.
    @discardableResult
    func runAsync(_ script: String, _ arguments: [Any] = []) throws -> Any? {
        try command("POST", "/execute/async", ["script": script, "args": arguments])
    }

    /// Waits until `script` returns `true` in the page, or `timeout` passes; returns whether it did.
    func wait(timeout: TimeInterval = 20, until script: String) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? run(script)) as? Bool == true { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    /// The page (or, with `css`, one element) as a PNG.
    func screenshot(_ css: String? = nil) throws -> Data {
        let path = try css.map { "/element/\(try find($0))/screenshot" } ?? "/screenshot"
        guard let text = try command("GET", path) as? String, let data = Data(base64Encoded: text) else {
            throw WebDriverError("no screenshot")
        }
        return data
    }

    func cookies() throws -> [[String: Any]] { try command("GET", "/cookie") as? [[String: Any]] ?? [] }
}

struct WebDriverError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
