import Foundation
import Postgres
import Synchronization

/// High availability: each source is worked by one instance at a time, the one holding the source's
/// PostgreSQL session-level advisory lock (`pg_try_advisory_lock` on a hash of its name).
///
/// The locks live on one dedicated connection, owned by a thread of its own that blocks only in libpq:
/// it tries to take the locks this instance wants every ``retryInterval`` and otherwise waits in `poll()`
/// on the connection's socket, so a connection that drops is noticed at once. When it drops — the
/// database restarted, the network failed — every lock is lost: the server has released them and another
/// instance may take them over. The workers notice (the lock's epoch changed), drop what they were doing
/// without committing it, and start again from the committed cursor once they hold the lock again.
/// When an instance dies, its connection closes, the server releases its locks and the next try of a
/// standby instance succeeds.
final class SourceLocks: Service, Sendable {
    let name = "source-locks"
    private let conninfo: String
    private let retryInterval: Duration
    private let logger: Logger
    private let daemonState: DaemonState

    private struct State: Sendable {
        var wanted: Set<String> = []
        var held: [String: UInt64] = [:]
        var toRelease: Set<String> = []
        var epoch: UInt64 = 0
        var waiters: [String: [UUIDKey: CheckedContinuation<UInt64?, Never>]] = [:]
        var stopped = false
    }

    private let state = Mutex(State())

    init(conninfo: String, retryInterval: Duration = .seconds(1), logger: Logger, daemonState: DaemonState) {
        self.conninfo = conninfo
        self.retryInterval = retryInterval
        self.logger = logger.with("service", "source-locks")
        self.daemonState = daemonState
    }

    // MARK: Workers' side

    /// Waits until this instance holds `source`'s lock; returns the lock's epoch, or `nil` when cancelled.
    func waitUntilHeld(_ source: String) async -> UInt64? {
        let key = UUIDKey()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<UInt64?, Never>) in
                let now: UInt64?? = state.withLock { state in
                    if state.stopped || Task.isCancelled { return .some(nil) }
                    state.wanted.insert(source)
                    state.toRelease.remove(source)
                    if let epoch = state.held[source] { return .some(epoch) }
                    state.waiters[source, default: [:]][key] = continuation
                    return .none
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters[source]?.removeValue(forKey: key) }
            waiter?.resume(returning: nil)
        }
    }

    /// Whether this instance still holds `source`'s lock taken at `epoch`.
    func holds(_ source: String, epoch: UInt64) -> Bool {
        state.withLock { $0.held[source] == epoch }
    }

    /// This instance no longer wants `source` (removed from the configuration): its lock is released.
    func release(_ source: String) {
        state.withLock { state in
            state.wanted.remove(source)
            if state.held.removeValue(forKey: source) != nil { state.toRelease.insert(source) }
        }
    }

    // MARK: The keeper

    func run() async throws {
        await runOnOwnThread(named: "chorus.source-locks", { [self] in keep() }, stop: { [self] in state.withLock { $0.stopped = true } })
        let waiters = state.withLock { state -> [CheckedContinuation<UInt64?, Never>] in
            defer { state.waiters = [:] }
            return state.waiters.values.flatMap(\.values)
        }
        waiters.forEach { $0.resume(returning: nil) }
    }

    /// The keeper thread's loop; returns when stopped. The connection closes with it, releasing every lock.
    private func keep() {
        var connection: Connection?
        // Capped at a second: the locks are retried every second anyway, and a database that is back should
        // be used (and said to be back) at once, not after a long backoff.
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1))
        var nextAttempt = ContinuousClock.now
        var reportedDown = false
        while !state.withLock({ $0.stopped }) {
            daemonState.lockKeeperTicked()
            do {
                if connection == nil {
                    guard ContinuousClock.now >= nextAttempt else {
                        Thread.sleep(forTimeInterval: 0.05)
                        continue
                    }
                    connection = try Connection(conninfo)
                    backoff.reset()
                    daemonState.setDatabaseError(nil)
                    if reportedDown { logger.notice("database reachable again") }
                    reportedDown = false
                }
                guard let active = connection else { continue }
                // A connection that quietly re-established itself has lost its session's locks.
                guard active.reconnectCount == 0 else {
                    throw PostgresError(.connectionLost, message: "the lock connection was re-established")
                }
                let (wanted, releases) = state.withLock { state -> ([String], [String]) in
                    defer { state.toRelease = [] }
                    return (state.wanted.subtracting(state.held.keys).sorted(), state.toRelease.sorted())
                }
                for source in releases {
                    try active.execute("SELECT pg_advisory_unlock(hashtextextended('chorus.source:' || \(source), 0))")
                }
                for source in wanted {
                    let taken = try active.query(
                        "SELECT pg_try_advisory_lock(hashtextextended('chorus.source:' || \(source), 0)) AS taken"
                    ).first?.decode("taken", as: Bool.self) ?? false
                    if taken { acquired(source) }
                }
                // Waiting in poll() on the socket notices a dropped connection at once.
                let slice = min(retryInterval, .milliseconds(250))
                let until = ContinuousClock.now + retryInterval
                while ContinuousClock.now < until, !state.withLock({ $0.stopped }) {
                    daemonState.lockKeeperTicked()
                    _ = try active.waitForNotifications(timeout: slice)
                    if state.withLock({ !$0.toRelease.isEmpty }) { break }
                }
            } catch {
                connection?.close()
                connection = nil
                let lost = state.withLock { state -> [String] in
                    defer { state.held = [:] }
                    return state.held.keys.sorted()
                }
                let delay = backoff.next()
                nextAttempt = ContinuousClock.now + delay
                daemonState.setDatabaseError(Logger.describe(error))
                if !lost.isEmpty {
                    logger.warning("lost the source locks with the database connection",
                                   ["sources": lost.joined(separator: ","), "error": Logger.describe(error)])
                } else if !reportedDown {
                    logger.warning("database unreachable, retrying with backoff",
                                   ["error": Logger.describe(error), "retry.ms": "\(delay.milliseconds)"])
                }
                reportedDown = true
            }
        }
        connection?.close()
    }

    private func acquired(_ source: String) {
        let (epoch, waiters) = state.withLock { state -> (UInt64, [CheckedContinuation<UInt64?, Never>]) in
            state.epoch += 1
            state.held[source] = state.epoch
            let waiters = state.waiters.removeValue(forKey: source).map { Array($0.values) } ?? []
            return (state.epoch, waiters)
        }
        logger.info("source lock taken: this instance works the source", ["source": source])
        waiters.forEach { $0.resume(returning: epoch) }
    }
}

/// A unique key for a waiter.
struct UUIDKey: Hashable, Sendable {
    private let id = UUID()
}

extension Duration {
    /// The whole milliseconds in this duration.
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
