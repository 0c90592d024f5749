import Foundation
import Glibc
import Synchronization
@testable import ChorusHTTP

/// A TCP client that sends exactly the bytes a test gives — garbage included — and reads what comes back.
final class RawClient {
    let descriptor: Int32

    init(port: UInt16) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw ClientError("connect: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { return }
            offset += count
        }
    }

    /// Everything the server sends until it closes the connection or `timeout` passes.
    func readAll(timeout: TimeInterval = 10) -> String {
        var data: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard readSome(into: &data, timeout: deadline.timeIntervalSinceNow) else { break }
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads until `text` has arrived (or the connection closes, or `timeout`); returns all read.
    func read(until text: String, timeout: TimeInterval = 10) -> String {
        var data: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, !String(decoding: data, as: UTF8.self).contains(text) {
            guard readSome(into: &data, timeout: deadline.timeIntervalSinceNow) else { break }
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Whether the server closed the connection within `timeout` (reading and dropping what it sends).
    func isClosed(within timeout: TimeInterval) -> Bool {
        var data: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var descriptorSet = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptorSet, 1, Int32(max(1, deadline.timeIntervalSinceNow * 1000)))
            if ready <= 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, 4096, 0) }
            if count <= 0 { return true }
            data.append(contentsOf: chunk[0..<count])
        }
        return false
    }

    private func readSome(into data: inout [UInt8], timeout: TimeInterval) -> Bool {
        var descriptorSet = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptorSet, 1, Int32(max(1, timeout * 1000)))
        guard ready > 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, 65536, 0) }
        guard count > 0 else { return false }
        data.append(contentsOf: chunk[0..<count])
        return true
    }
}

struct ClientError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Holds the requests for `/slow` until the test opens it: a request in flight for as long as a test needs,
/// however loaded the machine.
final class Gate: Sendable {
    private let state = Mutex((entered: 0, open: false))

    func open() { state.withLock { $0.open = true } }
    var entered: Int { state.withLock { $0.entered } }

    /// Called on the connection's thread: waits (at most five minutes: a loaded machine) until the gate is open.
    func pass() {
        state.withLock { $0.entered += 1 }
        let deadline = Date().addingTimeInterval(300)
        while !state.withLock({ $0.open }), Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    }
}

/// Answers every request with what it received, so tests can see exactly what the server parsed.
/// `/slow` waits for its gate (an open gate unless a test gives one).
struct EchoHandler: HTTPHandler {
    var gate: Gate?

    func respond(to request: HTTPRequest) -> HTTPResponse {
        if request.path == "/slow" { gate?.pass() }
        let query = request.query.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        let text = "\(request.method) \(request.path) \(query) body=\(String(decoding: request.body, as: UTF8.self))"
        return .text(text)
    }
}

/// A server on a free loopback port for the duration of `body`, stopped afterwards.
func withServer(limits: HTTPLimits = HTTPLimits(), heartbeat: Duration = .seconds(20),
                handler: any HTTPHandler = EchoHandler(), _ body: (HTTPServer) async throws -> Void) async throws {
    let server = try HTTPServer(address: ListenAddress(host: "127.0.0.1", port: 0), limits: limits, heartbeat: heartbeat,
                                grace: .seconds(2), handler: handler)
    server.start()
    do {
        try await body(server)
    } catch {
        server.stop()
        await server.stopped()
        throw error
    }
    server.stop()
    await server.stopped()
}

/// The status code of the first response in `text`.
func status(of text: String) -> Int? {
    guard text.hasPrefix("HTTP/1.1 ") else { return nil }
    return Int(text.dropFirst(9).prefix(3))
}
