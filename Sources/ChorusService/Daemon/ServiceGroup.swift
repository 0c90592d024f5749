import Foundation
import Synchronization

/// A long-running part of the daemon, in the style of swift-service-lifecycle: `run()` works until its
/// task is cancelled, then returns after cleaning up.
public protocol Service: Sendable {
    /// For logs.
    var name: String { get }
    /// Works until cancelled; throwing ends the whole group.
    func run() async throws
}

/// Starts services in order and stops them in reverse order — each one cancelled and awaited before the
/// next — when ``Trigger/fire()`` is called or when one of them ends by itself.
///
/// Structured: every service runs in a child task of one task group, so none outlives ``run(until:)``.
/// A task group cannot cancel one child alone, so each child runs its service in a group of its own and
/// cancels that group when its stop trigger fires — the group's body fires them one at a time, last first.
struct ServiceGroup: Sendable {
    let services: [any Service]
    let logger: Logger

    /// Runs the services until `shutdown` fires or one ends; rethrows the first service's failure.
    func run(until shutdown: Trigger) async throws {
        let failure = FirstFailure()
        let stop = services.map { _ in Trigger() }
        let stopped = services.map { _ in Trigger() }
        let logger = self.logger
        await withDiscardingTaskGroup { group in
            for (index, service) in services.enumerated() {
                group.addTask {
                    await withDiscardingTaskGroup { own in
                        own.addTask {
                            do {
                                try await service.run()
                            } catch is CancellationError {
                            } catch {
                                logger.error("service failed", ["service": service.name, "error": Logger.describe(error)])
                                failure.record(error)
                            }
                            // A service that ends on its own ends the daemon.
                            shutdown.fire()
                            stop[index].fire()
                        }
                        await stop[index].wait()
                        own.cancelAll()
                    }
                    stopped[index].fire()
                }
            }
            await shutdown.wait()
            for index in services.indices.reversed() {
                stop[index].fire()
                await stopped[index].wait()
                logger.debug("service stopped", ["service": services[index].name])
            }
        }
        if let error = failure.error { throw error }
    }
}

/// The first error of several tasks.
final class FirstFailure: Sendable {
    private let value = Mutex<(any Error)?>(nil)

    func record(_ error: any Error) { value.withLock { if $0 == nil { $0 = error } } }

    var error: (any Error)? { value.withLock { $0 } }
}

/// A one-shot event that any number of tasks can wait for.
final class Trigger: Sendable {
    private let state = Mutex<(fired: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// Fires once; later calls do nothing.
    func fire() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.fired else { return [] }
            state.fired = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    var hasFired: Bool { state.withLock { $0.fired } }

    /// Returns once fired (at once when it already has).
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.fired { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}

/// Capped exponential backoff with jitter: each delay is between half and all of `initial × 2^attempt`,
/// never more than `maximum`.
/// The one backoff of chorus: the daemon's services and sources, and `chorus review watch`.
public struct Backoff: Sendable {
    public var initial: Duration = .milliseconds(100)
    public var maximum: Duration = .seconds(5)
    public private(set) var attempt = 0

    public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(5)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The next delay; grows with every call until ``reset()``.
    public mutating func next() -> Duration {
        let base = min(maximum, initial * (1 << min(attempt, 20)))
        attempt += 1
        let half = base / 2
        return half + half * Double.random(in: 0...1)
    }

    /// Starts again from ``initial`` (after a success).
    public mutating func reset() { attempt = 0 }
}

/// Runs `work` on a thread of its own — for a service that blocks in libpq or `poll()`, which must never
/// happen on Swift's cooperative pool — and returns when it has returned. Cancelling the awaiting task calls
/// `stop`, which must make `work` return soon.
func runOnOwnThread(named name: String, _ work: @escaping @Sendable () -> Void, stop: @escaping @Sendable () -> Void) async {
    let done = Trigger()
    let thread = Thread {
        work()
        done.fire()
    }
    thread.name = name
    thread.start()
    await withTaskCancellationHandler {
        await done.wait()
    } onCancel: {
        stop()
    }
}

/// Sleeps for `duration`; returns `false` when the task was cancelled meanwhile.
@discardableResult
func pause(_ duration: Duration) async -> Bool {
    do {
        try await Task.sleep(for: duration)
        return true
    } catch {
        return false
    }
}
