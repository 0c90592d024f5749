import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP socket descriptor and the few calls the server makes on it. Blocking I/O with deadlines kept by
/// `poll()`; writes never raise SIGPIPE (`MSG_NOSIGNAL`).
struct Socket: Sendable, Hashable {
    let descriptor: Int32

    /// What waiting for input gave.
    enum Readiness {
        case readable
        case timedOut
        /// The server's stop signal became readable.
        case stopping
    }

    /// Waits until the socket is readable, `stop` (a descriptor that becomes readable when the server
    /// stops) is readable, or `timeout` passes.
    func waitReadable(timeout: Duration, stop: Int32) -> Readiness {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { return .timedOut }
            var descriptors = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
                               pollfd(fd: stop, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&descriptors, 2, Self.milliseconds(remaining))
            if ready < 0 {
                if errno == EINTR { continue }
                return .readable // let the read report the error
            }
            if ready == 0 { continue }
            if descriptors[1].revents != 0 { return .stopping }
            return .readable
        }
    }

    /// Reads what is there (at most `capacity` bytes) into `buffer`; returns the count, 0 at end of stream,
    /// -1 on an error.
    func read(into buffer: inout [UInt8], capacity: Int) -> Int {
        var chunk = [UInt8](repeating: 0, count: capacity)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, capacity, 0) }
            if count < 0 && errno == EINTR { continue }
            if count > 0 { buffer.append(contentsOf: chunk[0..<count]) }
            return count
        }
    }

    /// Writes every byte (the send timeout of ``configure(writeTimeout:)`` bounds each wait); returns
    /// whether all went out.
    func writeAll(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if count < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += count
        }
        return true
    }

    /// Writes `head` and then `body` with one `sendmsg` each round (no copy of the body behind its head:
    /// a bundle page is a few hundred kilobytes); returns whether all went out.
    func writeAll(_ head: [UInt8], _ body: [UInt8]) -> Bool {
        var offset = 0
        let total = head.count + body.count
        while offset < total {
            let count = head.withUnsafeBytes { headBytes in
                body.withUnsafeBytes { bodyBytes -> Int in
                    // What is left of each part: the head first, then the body.
                    let headLeft = max(0, head.count - offset)
                    let bodyStart = max(0, offset - head.count)
                    var parts = [
                        iovec(iov_base: headLeft > 0 ? UnsafeMutableRawPointer(mutating: headBytes.baseAddress! + (head.count - headLeft)) : nil,
                              iov_len: headLeft),
                        iovec(iov_base: body.count > bodyStart ? UnsafeMutableRawPointer(mutating: bodyBytes.baseAddress! + bodyStart) : nil,
                              iov_len: body.count - bodyStart),
                    ]
                    return parts.withUnsafeMutableBufferPointer { vectors in
                        var message = msghdr()
                        message.msg_iov = vectors.baseAddress
                        message.msg_iovlen = 2
                        return sendmsg(descriptor, &message, Int32(MSG_NOSIGNAL))
                    }
                }
            }
            if count < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += count
        }
        return true
    }

    /// A send timeout (a client that stops reading cannot hold a thread) and no Nagle delay for the small
    /// writes of event streams.
    func configure(writeTimeout: Duration) {
        var timeout = timeval(tv_sec: Int(writeTimeout.components.seconds),
                              tv_usec: Int(writeTimeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var yes: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Ends both directions (wakes a thread blocked on the socket); the descriptor stays open.
    func shutdownBoth() { _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR)) }

    func close() { _ = Glibc.close(descriptor) }

    static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
    }
}

/// An address to listen on: `127.0.0.1:8480`, `[::1]:8480`, `0.0.0.0:8480`.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// The numeric host (IPv4 dotted or IPv6 without brackets).
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Reads `HOST:PORT` (`[V6]:PORT` for IPv6); `nil` when it is not a numeric address and a port.
    public init?(_ text: String) {
        let host: Substring
        let port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard let number = UInt16(port), ListenAddress.isNumeric(String(host)) else { return nil }
        self.host = String(host)
        self.port = number
    }

    var isIPv6: Bool { host.utf8.contains(UInt8(ascii: ":")) }

    /// Whether only this machine can connect (127.0.0.0/8, ::1).
    public var isLoopback: Bool { host == "::1" || host.hasPrefix("127.") }

    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    static func isNumeric(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}

/// Why the server could not listen.
public struct HTTPServerError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    init(_ message: String) { self.message = message }

    static func system(_ what: String, _ address: ListenAddress) -> HTTPServerError {
        HTTPServerError("cannot \(what) \(address): \(String(cString: strerror(errno)))")
    }
}

extension Socket {
    /// A listening socket bound to `address` (port 0: any free port); returns it with the bound address.
    static func listen(on address: ListenAddress, backlog: Int32 = 128) throws -> (Socket, ListenAddress) {
        let family = address.isIPv6 ? AF_INET6 : AF_INET
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw HTTPServerError.system("open a socket for", address) }
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var bound = address
        let result: Int32
        if address.isIPv6 {
            var socketAddress = sockaddr_in6()
            socketAddress.sin6_family = sa_family_t(AF_INET6)
            socketAddress.sin6_port = address.port.bigEndian
            inet_pton(AF_INET6, address.host, &socketAddress.sin6_addr)
            result = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
            if result == 0 {
                var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
                _ = withUnsafeMutablePointer(to: &socketAddress) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
                }
                bound.port = UInt16(bigEndian: socketAddress.sin6_port)
            }
        } else {
            var socketAddress = sockaddr_in()
            socketAddress.sin_family = sa_family_t(AF_INET)
            socketAddress.sin_port = address.port.bigEndian
            inet_pton(AF_INET, address.host, &socketAddress.sin_addr)
            result = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if result == 0 {
                var length = socklen_t(MemoryLayout<sockaddr_in>.size)
                _ = withUnsafeMutablePointer(to: &socketAddress) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
                }
                bound.port = UInt16(bigEndian: socketAddress.sin_port)
            }
        }
        guard result == 0 else {
            let error = HTTPServerError.system("listen on", address)
            Glibc.close(descriptor)
            throw error
        }
        guard Glibc.listen(descriptor, backlog) == 0 else {
            let error = HTTPServerError.system("listen on", address)
            Glibc.close(descriptor)
            throw error
        }
        return (Socket(descriptor: descriptor), bound)
    }

    /// Accepts one connection; returns it and the peer's numeric address, or `nil` on an error.
    func accept() -> (Socket, String)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let client = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(descriptor, $0, &length) }
        }
        guard client >= 0 else { return nil }
        _ = fcntl(client, F_SETFD, FD_CLOEXEC)
        var host = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = storage.ss_family
        withUnsafeMutablePointer(to: &storage) { pointer in
            if family == sa_family_t(AF_INET6) {
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                    _ = inet_ntop(AF_INET6, &v6.pointee.sin6_addr, &host, socklen_t(host.count))
                }
            } else {
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                    _ = inet_ntop(AF_INET, &v4.pointee.sin_addr, &host, socklen_t(host.count))
                }
            }
        }
        let text = host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return (Socket(descriptor: client), String(decoding: text, as: UTF8.self))
    }
}
