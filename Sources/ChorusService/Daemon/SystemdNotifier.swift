import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The sd_notify protocol, by hand: datagrams to the Unix socket systemd names in `$NOTIFY_SOCKET`.
///
/// `$NOTIFY_SOCKET` is a path, or an abstract socket name starting with `@`. Without it (not under
/// systemd) every message is dropped. The watchdog interval is half of `$WATCHDOG_USEC` when that is set
/// and `$WATCHDOG_PID` (if set) is this process.
public struct SystemdNotifier: Sendable {
    /// The socket address, `nil` when not under a notify-aware supervisor.
    public let socketPath: String?
    /// How often to send `WATCHDOG=1`: half the supervisor's timeout; `nil` when no watchdog is armed.
    public let watchdogInterval: Duration?

    public init(environment: [String: String]) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path.flatMap { $0.hasPrefix("/") || $0.hasPrefix("@") ? $0 : nil }
        var interval: Duration?
        if let text = environment["WATCHDOG_USEC"], let microseconds = UInt64(text), microseconds > 0 {
            let pid = environment["WATCHDOG_PID"].flatMap { Int32($0) }
            if pid == nil || pid == getpid() {
                interval = .microseconds(Int64(clamping: microseconds / 2))
            }
        }
        watchdogInterval = interval
    }

    /// Sends `READY=1`.
    public func ready(status: String? = nil) { send(["READY=1"] + (status.map { ["STATUS=\($0)"] } ?? [])) }
    /// Sends `STATUS=…` (one line).
    public func status(_ text: String) { send(["STATUS=" + text.split(whereSeparator: \.isNewline).joined(separator: " ")]) }
    /// Sends `WATCHDOG=1`.
    public func watchdog() { send(["WATCHDOG=1"]) }
    /// Sends `RELOADING=1` with `MONOTONIC_USEC`, as `Type=notify-reload` expects.
    public func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let microseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        send(["RELOADING=1", "MONOTONIC_USEC=\(microseconds)"])
    }
    /// Sends `STOPPING=1`.
    public func stopping() { send(["STOPPING=1"]) }

    /// Sends one datagram with `assignments`, one a line. Failures are ignored: the supervisor may be gone.
    public func send(_ assignments: [String]) {
        guard let socketPath else { return }
        let message = assignments.joined(separator: "\n")
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        let abstract = pathBytes.first == UInt8(ascii: "@")
        if abstract { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() { raw[index] = byte }
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
        // A path is NUL-terminated; an abstract name is exactly its bytes.
        let length = socklen_t(pathOffset + pathBytes.count + (abstract ? 0 : 1))
        _ = message.withCString { text in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    // Never block: a supervisor that stops reading must not stall the pipeline or its shutdown.
                    sendto(descriptor, text, strlen(text), Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT), socketAddress, length)
                }
            }
        }
    }
}
