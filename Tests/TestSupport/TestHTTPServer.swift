import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The one tiny HTTP/1.1 server of the tests, on 127.0.0.1: it answers each request with the next
/// scripted behaviour (then with the fallback), and records each request's line, headers, body and arrival.
/// Each connection is served on its own thread, one request a connection (`Connection: close`); a hanging
/// answer keeps its connection open until the server stops.
public final class TestHTTPServer: @unchecked Sendable {
    // @unchecked: `script`, `requests`, `hanging` and `stopped` are only touched under `lock`; the
    // listening socket is shut down by `stop()` and closed once, by the accepting thread.
    public enum Behaviour: Sendable {
        case respond(status: Int, headers: [String: String], body: Data)
        /// Read the request and never answer (the connection stays open until the server stops).
        case hang
        /// A slow loris: the status line and headers at once, then the body one byte every `interval`
        /// seconds, until it is all sent, the client hangs up or the server stops.
        case dribble(status: Int, headers: [String: String], body: Data, interval: TimeInterval)
        /// `bytes` bytes of a body in chunked encoding, without a Content-Length, as fast as the client reads.
        case chunked(bytes: Int)

        /// An answer with `status`, no extra header and no body.
        public static func status(_ code: Int, headers: [String: String] = [:]) -> Behaviour {
            .respond(status: code, headers: headers, body: Data())
        }
    }

    public struct Request: Sendable {
        /// `POST /hook HTTP/1.1`.
        public var line: String
        /// Lower-cased names.
        public var headers: [String: String]
        public var body: Data
        public var receivedAt: ContinuousClock.Instant
    }

    private let lock = NSLock()
    private var script: [Behaviour]
    private let fallback: Behaviour
    private let latency: TimeInterval
    private var requests: [Request] = []
    private var hanging: [Int32] = []
    private let listener: Int32
    private var stopped = false
    public let port: UInt16

    /// A server that answers with `script`, then with `fallback` (503 unless said otherwise), each answer
    /// `latency` seconds after the request.
    public init(script: [Behaviour] = [], fallback: Behaviour = .status(503), latency: TimeInterval = 0) throws {
        self.script = script
        self.fallback = fallback
        self.latency = latency
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
        guard fd >= 0, bound == 0, listen(fd, 64) == 0 else { throw POSIXError(.EADDRINUSE) }
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

    /// A server whose answer to the n-th request (from 0) has status `status(n)`.
    public convenience init(latency: TimeInterval = 0, status: @escaping @Sendable (Int) -> Int) throws {
        try self.init(script: (0..<64).map { .status(status($0)) }, fallback: .status(status(64)), latency: latency)
    }

    /// `http://127.0.0.1:PORT/feed.xml`.
    public var url: URL { url(path: "/feed.xml") }

    /// `http://127.0.0.1:PORT` and `path`.
    public func url(path: String) -> URL {
        var components = URLComponents()
        components.scheme = "http"
        components.host = "127.0.0.1"
        components.port = Int(port)
        components.path = path
        return components.url ?? URL(fileURLWithPath: path)
    }

    public var receivedRequests: [Request] { lock.withLock { requests } }

    /// Adds behaviours at the end of the script.
    public func append(_ behaviours: Behaviour...) { lock.withLock { script += behaviours } }

    /// Waits until `count` requests arrived or `timeout` passed; whether they did.
    @discardableResult
    public func waitForRequests(_ count: Int, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if receivedRequests.count >= count { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return receivedRequests.count >= count
    }

    public func stop() {
        let toClose: [Int32] = lock.withLock {
            stopped = true
            defer { hanging = [] }
            return hanging
        }
        for descriptor in toClose { close(descriptor) }
        // Only shut down here: the accepting thread closes the socket once its accept() has failed. Closing
        // it here let another server's new socket take the same number while this thread was about to
        // accept again — it then answered that server's requests with this one's script.
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR, !lock.withLock({ stopped }) { continue }
                close(listener)
                return
            }
            // Each connection on a thread of its own: a client's idle or slow connection holds up no other.
            Thread.detachNewThread { [self] in handle(connection) }
        }
    }

    private func handle(_ connection: Int32) {
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        var headerEnd: Range<Data.Index>?
        var expected = Int.max
        while received.count < expected {
            let count = buffer.withUnsafeMutableBytes { read(connection, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            received.append(contentsOf: buffer[0..<count])
            if headerEnd == nil, let end = received.range(of: Data("\r\n\r\n".utf8)) {
                headerEnd = end
                let head = String(decoding: received[..<end.lowerBound], as: UTF8.self)
                let length = head.components(separatedBy: "\r\n").compactMap { line -> Int? in
                    guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == "content-length" else { return nil }
                    return Int(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
                }.first ?? 0
                expected = end.upperBound + length
            }
        }
        let end = headerEnd ?? received.endIndex..<received.endIndex
        let lines = String(decoding: received[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let request = Request(line: lines.first ?? "", headers: headers, body: Data(received[end.upperBound...]), receivedAt: .now)
        let behaviour: Behaviour = lock.withLock {
            requests.append(request)
            return script.isEmpty ? fallback : script.removeFirst()
        }
        switch behaviour {
        case .hang:
            lock.withLock { hanging.append(connection) }
        case .dribble(let status, let extra, let body, let interval):
            lock.withLock { hanging.append(connection) }
            var head = "HTTP/1.1 \(status) OK\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
            for (name, value) in extra { head += "\(name): \(value)\r\n" }
            guard transmit(Data((head + "\r\n").utf8), on: connection) else { return }
            for byte in body {
                if lock.withLock({ stopped }) || !transmit(Data([byte]), on: connection) { return }
                Thread.sleep(forTimeInterval: interval)
            }
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
            if latency > 0 { Thread.sleep(forTimeInterval: latency) }
            let reason = switch status {
            case 200: "OK"
            case 304: "Not Modified"
            case 300..<400: "Found"
            default: "Error"
            }
            var head = "HTTP/1.1 \(status) \(reason)\r\n"
            head += "Content-Length: \(status == 304 ? 0 : body.count)\r\nConnection: close\r\n"
            for (name, value) in extra { head += "\(name): \(value)\r\n" }
            var response = Data((head + "\r\n").utf8)
            if status != 304 { response.append(body) }
            _ = transmit(response, on: connection)
            close(connection)
        }
    }

    /// Writes all of `data`; false once the client is gone (no SIGPIPE: the client may hang up first).
    private func transmit(_ data: Data, on connection: Int32) -> Bool {
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
