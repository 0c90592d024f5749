import Foundation
import Testing
import TestSupport

/// The sd_notify protocol as systemd sees it: a Unix datagram socket the test binds, named to the daemon
/// in `$NOTIFY_SOCKET` — a path, or an abstract name starting with `@`.
@Suite(.serialized)
struct NotifyProtocolTests {
    @Test(arguments: [false, true])
    func readyStatusWatchdogReloadingAndStopping(abstract: Bool) throws {
        let harness = try DaemonHarness()
        let name = abstract ? "@chorus-test-\(getpid())-\(UUID().uuidString.prefix(8))"
            : harness.directory.appendingPathComponent("notify.sock").path
        let socket = try NotifySocket(name: name)
        // 400 ms watchdog: keep-alives every 200 ms.
        let daemon = try harness.start(environment: ["NOTIFY_SOCKET": name, "WATCHDOG_USEC": "400000"])
        defer { daemon.stop() }

        let ready = socket.receive(until: { $0.contains("READY=1") }, timeout: 30)
        #expect(ready.contains { $0.contains("READY=1") }, "\(ready) \(daemon.log)")
        #expect(ready.contains { $0.contains("STATUS=") })
        // Keep-alives keep coming while the pipeline is healthy.
        let start = Date()
        var watchdogs = 0
        var statuses: [String] = []
        while Date().timeIntervalSince(start) < 1.2 {
            for message in socket.receive(until: { _ in true }, timeout: 0.3) {
                if message.contains("WATCHDOG=1") { watchdogs += 1 }
                if message.hasPrefix("STATUS=") { statuses.append(message) }
            }
        }
        #expect(watchdogs >= 3, "only \(watchdogs) WATCHDOG=1 in 1.2 s")

        // The status line says what the daemon does.
        try harness.append(DaemonHarness.events(0..<3))
        let afterEvents = socket.receive(until: { $0.contains("3 events") }, timeout: 10)
        #expect(afterEvents.contains { $0.hasPrefix("STATUS=") && $0.contains("3 events") && $0.contains("active: feed") },
                "\(afterEvents)")

        daemon.signal(SIGHUP)
        let reload = socket.receive(until: { $0.contains("READY=1") }, timeout: 10)
        let reloading = try #require(reload.first { $0.contains("RELOADING=1") }, "\(reload)")
        #expect(reloading.contains("MONOTONIC_USEC="))
        #expect(reload.last { $0.contains("READY=1") } != nil)
        if let reloadingIndex = reload.firstIndex(where: { $0.contains("RELOADING=1") }),
           let readyIndex = reload.lastIndex(where: { $0.contains("READY=1") }) {
            #expect(reloadingIndex < readyIndex)
        }

        daemon.signal(SIGTERM)
        let stop = socket.receive(until: { $0.contains("STOPPING=1") }, timeout: 10)
        #expect(stop.contains { $0.contains("STOPPING=1") }, "\(stop)")
        #expect(daemon.waitForExit(timeout: 5) == 0)
    }
}

/// A Unix datagram socket bound to a path or an abstract name, as systemd's notify socket.
final class NotifySocket {
    let descriptor: Int32
    let path: String?

    init(name: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(name.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        path = abstract ? nil : name
        let length = socklen_t((MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2) + bytes.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard descriptor >= 0, bound == 0 else {
            throw SocketError(message: "cannot bind the notify socket \(name): \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        close(descriptor)
        if let path { unlink(path) }
    }

    /// Messages received until one satisfies `stop` or `timeout` passes.
    func receive(until stop: (String) -> Bool, timeout: TimeInterval) -> [String] {
        var messages: [String] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var descriptorSet = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let remaining = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
            guard poll(&descriptorSet, 1, remaining) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { continue }
            let message = String(decoding: buffer[0..<count], as: UTF8.self)
            messages.append(message)
            if stop(message) { break }
        }
        return messages
    }
}

struct SocketError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
