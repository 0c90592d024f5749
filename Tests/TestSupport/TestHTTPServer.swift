import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one test HTTP server (for the feeds' and the daemon's tests): a tiny HTTP/1.1 server on 127.0.0.1
/// that answers each request with the next scripted behaviour — an answer, a hang, a slow loris, an
/// endless chunked body — and records the requests' headers. `Connection: close`.
public final class TestHTTPServer: @unchecked Sendable {
    // @unchecked: `script`, `requests` and `hanging` are only touched under `lock`.
    public enum Behaviour: Sendable {
        case respond(status: Int, headers: [String: String], body: Data)
        /// Read the request and never answer (the connection stays open until the server stops).
        case hang
        /// A slow loris: the status line and headers at once, then the body one byte every `interval`
        /// seconds, on a thread of its own (the server goes on accepting), until it is all sent or the
        /// server stops.
        case dribble(status: Int, headers: [String: String], body: Data, interval: TimeInterval)
        /// `bytes` bytes of a body in chunked encoding, without a Content-Length, as fast as the client reads.
        case chunked(bytes: Int)
    }

    public struct Request: Sendable {
        public var line: String
        public var headers: [String: String]
    }

    private let lock = NSLock()
    private var script: [Behaviour]
    private var requests: [Request] = []
    private var hanging: [Int32] = []
    private let listener: Int32
    private var stopped = false
    public let port: UInt16

    public var url: URL { URL(fileURLWithPath: "/feed.xml").withHost("127.0.0.1", port: port) }

    public var receivedRequests: [Request] { lock.withLock { requests } }

    public init(script: [Behaviour]) throws {
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
    public func append(_ behaviours: Behaviour...) { lock.withLock { script += behaviours } }

    public func stop() {
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
        case .dribble(let status, let extra, let body, let interval):
            lock.withLock { hanging.append(connection) }
            var head = "HTTP/1.1 \(status) OK\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
            for (name, value) in extra { head += "\(name): \(value)\r\n" }
            guard transmit(Data((head + "\r\n").utf8), on: connection) else { return }
            let thread = Thread { [self] in
                for byte in body {
                    if lock.withLock({ stopped }) || !transmit(Data([byte]), on: connection) { return }
                    Thread.sleep(forTimeInterval: interval)
                }
            }
            thread.start()
        case .chunked(let bytes):
            let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/xml\r\nConnection: close\r\n\r\n"
            guard transmit(Data(head.utf8), on: connection) else {
                close(connection)
                return
            }
            let piece = Data(String(repeating: "<a>chunk</a>", count: 5461).utf8)  // 65,532 bytes
            var left = bytes
            while left > 0 {
                let part = piece.prefix(left)
                var chunk = Data((String(part.count, radix: 16) + "\r\n").utf8)
                chunk.append(part)
                chunk.append(contentsOf: Array("\r\n".utf8))
                guard transmit(chunk, on: connection) else { break }
                left -= part.count
            }
            _ = transmit(Data("0\r\n\r\n".utf8), on: connection)
            close(connection)
        case .respond(let status, let extra, let body):
            var head = "HTTP/1.1 \(status) \(status == 200 ? "OK" : status == 304 ? "Not Modified" : "Error")\r\n"
            head += "Content-Length: \(status == 304 ? 0 : body.count)\r\nConnection: close\r\n"
            for (name, value) in extra { head += "\(name): \(value)\r\n" }
            var response = Data((head + "\r\n").utf8)
            if status != 304 { response.append(body) }
            _ = transmit(response, on: connection)
            close(connection)
        }
    }
}

extension TestHTTPServer {
    /// Writes all of `data`; false once the client is gone (no SIGPIPE: the client may hang up first).
    fileprivate func transmit(_ data: Data, on connection: Int32) -> Bool {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = send(connection, raw.baseAddress?.advanced(by: offset), raw.count - offset, Int32(MSG_NOSIGNAL))
                if written <= 0 { return false }
                offset += written
            }
            return true
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
public func withTimeout<T: Sendable>(_ seconds: Double, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
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

public struct TimeoutError: Error, CustomStringConvertible {
    public var seconds: Double
    public var description: String { "timed out after \(seconds) s" }
}
