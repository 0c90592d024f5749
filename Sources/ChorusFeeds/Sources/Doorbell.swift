import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Wakes a waiting source when something may have changed: rung by inotify, or by a timeout.
///
/// `wait(timeout:)` returns at the first ring or after the timeout, whichever comes first; a ring while
/// nobody waits is remembered, so that a change between a read and the wait is never missed.
final class Doorbell: @unchecked Sendable {
    // @unchecked: `pending`, `rung` and `generation` are only touched under `lock`.
    private let lock = NSLock()
    private var pending: CheckedContinuation<Void, Never>?
    private var rung = false
    private var generation = 0
    private let timerQueue = DispatchQueue(label: "chorus.doorbell.timer")

    func ring() {
        let continuation: CheckedContinuation<Void, Never>? = lock.withLock {
            if let pending {
                self.pending = nil
                return pending
            }
            rung = true
            return nil
        }
        continuation?.resume()
    }

    func wait(timeout: Duration) async {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ticket: Int? = lock.withLock {
                    if rung || Task.isCancelled {
                        rung = false
                        return nil
                    }
                    generation += 1
                    pending = continuation
                    return generation
                }
                guard let ticket else { return continuation.resume() }
                timerQueue.asyncAfter(deadline: .now() + max(0, seconds)) { [weak self] in
                    self?.expire(ticket)
                }
            }
        } onCancel: {
            ring()
        }
    }

    private func expire(_ ticket: Int) {
        let continuation: CheckedContinuation<Void, Never>? = lock.withLock {
            guard ticket == generation, let pending else { return nil }
            self.pending = nil
            return pending
        }
        continuation?.resume()
    }
}

/// Rings a ``Doorbell`` whenever inotify reports a change in a directory.
///
/// Watching the directory (not the file) sees creation, rotation (rename) and truncation alike. When
/// inotify is unavailable (limits reached, an unusual file system) the source falls back to its poll
/// interval alone.
final class DirectoryWatcher: @unchecked Sendable {
    // @unchecked: `source` and `descriptor` are set once in init and only cancelled in `stop()`.
    private let descriptor: Int32
    private let source: (any DispatchSourceRead)?

    init?(directory: String, doorbell: Doorbell) {
        let fd = inotify_init1(Int32(IN_NONBLOCK) | Int32(IN_CLOEXEC))
        guard fd >= 0 else { return nil }
        let mask = UInt32(IN_MODIFY) | UInt32(IN_CREATE) | UInt32(IN_MOVED_TO) | UInt32(IN_MOVED_FROM)
            | UInt32(IN_DELETE) | UInt32(IN_CLOSE_WRITE) | UInt32(IN_ATTRIB)
        guard inotify_add_watch(fd, directory, mask) >= 0 else {
            close(fd)
            return nil
        }
        descriptor = fd
        let readSource = DispatchSource.makeReadSource(fileDescriptor: fd, queue: DispatchQueue(label: "chorus.inotify"))
        readSource.setEventHandler {
            // Drain the events; which file changed does not matter, the source looks for itself.
            var buffer = [UInt8](repeating: 0, count: 4096)
            while buffer.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }) > 0 {}
            doorbell.ring()
        }
        readSource.setCancelHandler { close(fd) }
        readSource.resume()
        source = readSource
    }

    func stop() { source?.cancel() }

    deinit { source?.cancel() }
}
