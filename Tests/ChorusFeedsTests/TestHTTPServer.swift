import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 for the HTTP source's tests: it answers each request with the next
/// scripted behaviour and records the requests' headers. One connection at a time, `Connection: close`.
final class TestHTTPServer: @unchecked Sendable {
    // @unchecked: `script`, `requests` and `hanging` are only touched under `lock`.
    enum Behaviour: Sendable {
        case respond(status: Int, headers: [String: String], body: Data)
        /// Read the request and never answer (the connection stays open until the server stops).
        case hang
    }

    struct Request: Sendable {
        var line: String
        var headers: [String: String]
    }

    private let lock = NSLock()
    private var script: [Behaviour]
    private var requests: [Request] = []
    private var hanging: [Int32] = []
    private let listener: Int32
    private var stopped = false
    let port: UInt16

    var url: URL { URL(fileURLWithPath: "/feed.xml").withHost("127.0.0.1", port: port) }

    var receivedRequests: [Request] { lock.withLock { requests } }

    init(script: [Behaviour]) throws {
        self.script = script
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: actual.sin_port)
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// Adds behaviours at the end of the script.
    func append(_ behaviours: Behaviour...) { lock.withLock { script += behaviours } }

    func stop() {
        let toClose: [Int32] = lock.withLock {
            stopped = true
            defer { hanging = [] }
            return hanging
        }
        for descriptor in toClose { close(descriptor) }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if lock.withLock({ stopped }) { return }
                if errno == EINTR { continue }
                return
            }
            handle(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !received.contains(Data("\r\n\r\n".utf8)) {
            let count = buffer.withUnsafeMutableBytes { read(connection, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            received.append(contentsOf: buffer[0..<count])
        }
        let text = String(decoding: received, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let behaviour: Behaviour = lock.withLock {
            requests.append(Request(line: lines.first ?? "", headers: headers))
            return script.isEmpty ? .respond(status: 503, headers: [:], body: Data()) : script.removeFirst()
        }
        switch behaviour {
        case .hang:
            lock.withLock { hanging.append(connection) }
        case .respond(let status, let extra, let body):
            var head = "HTTP/1.1 \(status) \(status == 200 ? "OK" : status == 304 ? "Not Modified" : "Error")\r\n"
            head += "Content-Length: \(status == 304 ? 0 : body.count)\r\nConnection: close\r\n"
            for (name, value) in extra { head += "\(name): \(value)\r\n" }
            var response = Data((head + "\r\n").utf8)
            if status != 304 { response.append(body) }
            response.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = write(connection, raw.baseAddress?.advanced(by: offset), raw.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
            close(connection)
        }
    }
}

extension URL {
    fileprivate func withHost(_ host: String, port: UInt16) -> URL {
        var components = URLComponents()
        components.scheme = "http"
        components.host = host
        components.port = Int(port)
        components.path = path
        return components.url ?? self
    }
}

/// Runs `work`, failing if it takes longer than `seconds`.
///
/// Generous limits catch hangs without failing on a machine whose cooperative thread pool is busy with
/// other tests: when the pool is starved, the timer and the work resume together, and the timer must not win.
func withTimeout<T: Sendable>(_ seconds: Double, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await work() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            throw TimeoutError(seconds: seconds)
        }
        guard let first = try await group.next() else { throw TimeoutError(seconds: seconds) }
        group.cancelAll()
        return first
    }
}

struct TimeoutError: Error, CustomStringConvertible {
    var seconds: Double
    var description: String { "timed out after \(seconds) s" }
}
