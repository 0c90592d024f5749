import ChorusCore
import ChorusStore
import Foundation
import Postgres
import Synchronization

/// Step 8 of the pipeline, in the daemon: releases what is due, expires what is past its expiry, and hands
/// released drafts to the publishers — as soon as it is due, with nobody running `chorus outbox`.
///
/// One instance at a time does it, like a source: the holder of the advisory lock
/// `hashtextextended('chorus.release', 0)`, on the service's own connection; the others stand by and try
/// every ``lockRetry``, taking over when the holder's connection closes. The holder runs a round
/// (`chorus.release_due()`, then a ``Deliverer`` round) and then waits — in `poll()` on its connection's
/// socket, never a fixed sleep — until the first of: a notification (`chorus_outbox`: something was
/// released, e.g. by an approval; `chorus_review`: an approval or an update may have changed what is due
/// when), the next not-before or expiry, the next delivery retry, or ``safetyInterval`` as a net for a
/// clock that jumps. Notifications about the queue are coalesced over ``reviewCoalescing``, so that a busy
/// pipeline does not cost a round per transaction.
///
/// The thread blocks only in libpq and in publishers' attempts (each bounded by its timeout); it is not
/// Swift's cooperative pool.
final class ReleaseService: Service, Sendable {
    let name = "release"
    /// The advisory lock key's text.
    static let lockName = "chorus.release"
    static let outboxChannel = "chorus_outbox"

    private let conninfo: String
    private let settings: SettingsBox
    private let daemonState: DaemonState
    private let logger: Logger
    private let instance: String
    let lockRetry: Duration
    let safetyInterval: Duration
    let reviewCoalescing: Duration
    private let stopped = Mutex(false)

    init(conninfo: String, settings: SettingsBox, daemonState: DaemonState, logger: Logger, instance: String,
         lockRetry: Duration = .seconds(1), safetyInterval: Duration = .seconds(30), reviewCoalescing: Duration = .milliseconds(50)) {
        self.conninfo = conninfo
        self.settings = settings
        self.daemonState = daemonState
        self.logger = logger.with("service", "release")
        self.instance = instance
        self.lockRetry = lockRetry
        self.safetyInterval = safetyInterval
        self.reviewCoalescing = reviewCoalescing
    }

    func run() async throws {
        await runOnOwnThread(named: "chorus.release", { [self] in work() }, stop: { [self] in stopped.withLock { $0 = true } })
    }

    private var isStopped: Bool { stopped.withLock { $0 } }

    /// The thread's loop; returns when stopped. Closing the connection releases the lock.
    private func work() {
        var connection: Connection?
        var holding = false
        var reconnects = 0
        var backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(10))
        var cache = PublisherCache()
        daemonState.setReleaseRole(.standby)
        while !isStopped {
            do {
                let active: Connection
                if let connection {
                    active = connection
                } else {
                    active = try Connection(conninfo)
                    try active.listen(Self.outboxChannel)
                    try active.listen(QueueWriter.notificationChannel)
                    connection = active
                    reconnects = active.reconnectCount
                }
                // A connection that quietly re-established itself has lost its session's lock.
                if active.reconnectCount != reconnects {
                    reconnects = active.reconnectCount
                    if holding { logger.warning("the release lock was lost with the connection; taking it again") }
                    holding = false
                }
                if !holding {
                    holding = try active.query("SELECT pg_try_advisory_lock(hashtextextended(\(Self.lockName), 0)) AS taken")
                        .first?.decode("taken", as: Bool.self) ?? false
                    guard holding else {
                        daemonState.setReleaseRole(.standby)
                        _ = try wait(on: active, for: lockRetry)
                        continue
                    }
                    daemonState.setReleaseRole(.active)
                    logger.info("release lock taken: this instance releases and delivers")
                }
                let next = try round(on: active, cache: &cache)
                backoff.reset()
                try waitForWork(on: active, until: next)
            } catch {
                connection?.close()
                connection = nil
                holding = false
                daemonState.setReleaseRole(.paused)
                let delay = backoff.next()
                logger.warning("release round failed; retrying", ["error": Logger.describe(error), "retry.ms": "\(delay.milliseconds)"])
                sleep(delay)
            }
        }
        connection?.close()
        daemonState.setReleaseRole(.standby)
    }

    /// Releases, expires and delivers; returns how long until something may be due next.
    private func round(on connection: Connection, cache: inout PublisherCache) throws -> Duration {
        let released = try ReviewStore(connection: connection).releaseDue()
        if released > 0 { logger.info("released", ["drafts": "\(released)"]) }
        let configuration = settings.current.configuration
        let deliverer = Deliverer(publishers: cache.publishers(for: configuration), policy: configuration.delivery, claimant: instance)
        let report = try deliverer.round(on: connection)
        for attempt in report.attempts { log(attempt) }
        var next = safetyInterval
        if let release = try ReleaseStore(connection: connection).nextReleaseDelay() { next = min(next, release) }
        if let retry = report.nextAttempt { next = min(next, retry) }
        // A full round: more may be due at once.
        if report.attempts.count >= Deliverer.claimsPerRound { next = .zero }
        return next
    }

    private func log(_ attempt: Deliverer.Attempt) {
        let fields: Logger.Metadata = [
            "draft.id": attempt.claim.draftID.map(String.init) ?? "-", "publisher": attempt.claim.publisher,
            "audience": attempt.claim.audience, "destination": attempt.destination, "attempt": "\(attempt.claim.attempt)",
            "status": attempt.outcome.statusCode.map(String.init) ?? "-",
            "error": attempt.outcome.failure?.description ?? "-",
        ]
        switch attempt.next {
        case .delivered: logger.info("delivered", fields)
        case .retry: logger.warning("delivery failed; it will be retried", fields)
        case .givenUp: logger.error("delivery given up", fields)
        }
    }

    /// Waits until `delay` has passed or a notification says something may be due; a notification about
    /// the review queue only is coalesced with those that follow within ``reviewCoalescing``.
    private func waitForWork(on connection: Connection, until delay: Duration) throws {
        let deadline = ContinuousClock.now + delay
        while !isStopped {
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { return }
            let notifications = try wait(on: connection, for: remaining)
            let others = notifications.filter { $0.senderPID != connection.backendPID }
            if others.contains(where: { $0.channel == Self.outboxChannel }) { return }
            if !others.isEmpty {
                let coalesced = ContinuousClock.now + reviewCoalescing
                while !isStopped, ContinuousClock.now < coalesced {
                    let more = try wait(on: connection, for: ContinuousClock.now.duration(to: coalesced))
                    if more.contains(where: { $0.channel == Self.outboxChannel && $0.senderPID != connection.backendPID }) { return }
                }
                return
            }
        }
    }

    /// Waits for notifications in slices, so that a stop is noticed within a quarter of a second.
    private func wait(on connection: Connection, for duration: Duration) throws -> [Postgres.Notification] {
        let deadline = ContinuousClock.now + duration
        while !isStopped {
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { return [] }
            let received = try connection.waitForNotifications(timeout: min(remaining, .milliseconds(250)))
            if !received.isEmpty { return received }
        }
        return []
    }

    /// Sleeps `duration` in slices, so that a stop is noticed.
    private func sleep(_ duration: Duration) {
        let deadline = ContinuousClock.now + duration
        while !isStopped, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: min(0.25, ContinuousClock.now.duration(to: deadline).timeInterval))
        }
    }
}

/// The publishers of the configuration in force, made again only when it changes (a reload).
private struct PublisherCache {
    private var configuration: ChorusConfiguration?
    private var cached: [any Publisher] = []

    mutating func publishers(for configuration: ChorusConfiguration) -> [any Publisher] {
        if self.configuration?.webhooks != configuration.webhooks || self.configuration?.delivery != configuration.delivery {
            cached = configuration.publishers()
            self.configuration = configuration
        }
        return cached
    }
}
