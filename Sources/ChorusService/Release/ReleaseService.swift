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
/// every ``lockRetry``, taking over when the holder's connection closes. The holder waits — in `poll()` on
/// its connection's socket, never a fixed sleep — until the first of: the next approved draft's not-before,
/// the next expiry of a bundle with unreleased drafts, or the next delivery retry (``Wake/due``:
/// `chorus.release_due()`, which also expires, then a ``Deliverer`` round); `chorus_outbox` (``Wake/released``: an approval released something — deliver it);
/// `chorus_review` (``Wake/changed``: an approval or an update may have moved what is due when — one cheap
/// query, coalesced over ``reviewCoalescing`` so that a busy pipeline does not cost a round per
/// transaction); and at most ``safetyInterval`` between full rounds, a net for anything a notification
/// missed.
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

    /// Why the service woke up, which says what its round does.
    enum Wake: Equatable {
        /// A due time came (a not-before, an expiry, a retry, the safety interval), or the service just took the lock:
        /// release what is due (and expire), then deliver.
        case due
        /// Something was released (`chorus_outbox`, e.g. by an approval): deliver it.
        case released
        /// The queue changed (`chorus_review`: an approval, an update, new bundles): only when something is
        /// due may have moved. On a busy pipeline this comes with every transaction, so it costs cheap
        /// queries: approved drafts' not-before, and the expiry of the `bundles` the notifications named
        /// (`nil`: they did not say which).
        case changed(bundles: Set<Int>?)
    }

    /// The thread's loop; returns when stopped. Closing the connection releases the lock.
    private func work() {
        var connection: Connection?
        var holding = false
        var reconnects = 0
        var backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(10))
        var cache = PublisherCache()
        var wake = Wake.due
        var lastFullRound = ContinuousClock.now
        var nextExpiry: ContinuousClock.Instant?
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
                    wake = .due
                }
                if wake == .due { lastFullRound = .now }
                let next = try round(wake, on: active, cache: &cache, nextExpiry: &nextExpiry)
                backoff.reset()
                // Anything a notification missed is caught at least every safety interval.
                let untilSafety = safetyInterval - lastFullRound.duration(to: .now)
                wake = try waitForWork(on: active, until: min(next, untilSafety))
            } catch {
                connection?.close()
                connection = nil
                holding = false
                wake = .due
                daemonState.setReleaseRole(.paused)
                let delay = backoff.next()
                logger.warning("release round failed; retrying", ["error": Logger.describe(error), "retry.ms": "\(delay.milliseconds)"])
                sleep(delay)
            }
        }
        connection?.close()
        daemonState.setReleaseRole(.standby)
    }

    /// Does what `wake` calls for; returns how long until something may be due next. `nextExpiry` is when
    /// the next bundle with unreleased drafts expires, as the last full round found (a bundle opened since
    /// expires hours later, long after the next full round).
    private func round(_ wake: Wake, on connection: Connection, cache: inout PublisherCache,
                       nextExpiry: inout ContinuousClock.Instant?) throws -> Duration {
        let configuration = settings.current.configuration
        let deliverer = Deliverer(publishers: cache.publishers(for: configuration), policy: configuration.delivery, claimant: instance)
        let release = ReleaseStore(connection: connection)
        let notifier = ReviewerNotifier(configuration: configuration)
        var next = safetyInterval
        // New bundles awaiting review come with chorus_review: their announcements go out in this round.
        let noticed = try notifier.map { try queueNotices($0, on: connection) } ?? 0
        switch wake {
        case .due, .released:
            if wake == .due {
                let review = ReviewStore(connection: connection)
                // Expired first, on its own, so that the log says so; release_due would expire them as well.
                let expired = try review.expireDue()
                if expired > 0 { logger.info("expired", ["drafts": "\(expired)"]) }
                let released = try review.releaseDue()
                if released > 0 { logger.info("released", ["drafts": "\(released)"]) }
                nextExpiry = try release.nextExpiryDelay().map { ContinuousClock.now + $0 }
            }
            // Woken by a release: what it released is minutes old at most; a due round looks further back.
            try deliver(deliverer, on: connection, recentOnly: wake == .released, next: &next)
        case .changed(let bundles):
            if noticed > 0 {
                try deliver(deliverer, on: connection, recentOnly: true, next: &next)
            } else if let retry = try release.nextAttemptDelay(routes: deliverer.routes) {
                next = min(next, retry)
            }
            // A bundle opened (or changed) since the last full round may expire before the next one.
            if let expiry = try release.nextExpiryDelay(bundles: bundles.map { $0.sorted() }) {
                let instant = ContinuousClock.now + expiry
                nextExpiry = min(nextExpiry ?? instant, instant)
            }
        }
        if let due = try release.nextReleaseDelay() { next = min(next, due) }
        if let nextExpiry { next = min(next, max(.zero, ContinuousClock.now.duration(to: nextExpiry))) }
        if let notifier, let due = try notifier.nextDelay(on: connection) { next = min(next, due) }
        return next
    }

    private func deliver(_ deliverer: Deliverer, on connection: Connection, recentOnly: Bool, next: inout Duration) throws {
        let report = try deliverer.round(on: connection, recentOnly: recentOnly)
        for attempt in report.attempts { log(attempt) }
        if let retry = report.nextAttempt { next = min(next, retry) }
        // A full round: more may be due at once.
        if report.attempts.count >= Deliverer.claimsPerRound { next = .zero }
    }

    /// Queues the reviewers' notices due now; returns how many.
    private func queueNotices(_ notifier: ReviewerNotifier, on connection: Connection) throws -> Int {
        let queued = try notifier.queue(on: connection)
        for notice in queued {
            logger.info("reviewers notified", ["bundle.id": "\(notice.bundleID)", "notice": notice.kind.rawValue])
        }
        return queued.count
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

    /// Waits until `delay` has passed (``Wake/due``) or a notification comes: `chorus_outbox` from another
    /// session (``Wake/released``), or `chorus_review` (``Wake/changed``) coalesced with those that follow
    /// within ``reviewCoalescing``. The service's own notifications are ignored.
    private func waitForWork(on connection: Connection, until delay: Duration) throws -> Wake {
        let deadline = ContinuousClock.now + delay
        func released(_ notifications: [Postgres.Notification]) -> Bool {
            notifications.contains { $0.channel == Self.outboxChannel && $0.senderPID != connection.backendPID }
        }
        while !isStopped {
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { return .due }
            var notifications = try wait(on: connection, for: remaining).filter { $0.senderPID != connection.backendPID }
            if released(notifications) { return .released }
            if !notifications.isEmpty {
                let coalesced = min(deadline, ContinuousClock.now + reviewCoalescing)
                while !isStopped, ContinuousClock.now < coalesced {
                    let more = try wait(on: connection, for: ContinuousClock.now.duration(to: coalesced))
                    if released(more) { return .released }
                    notifications += more.filter { $0.senderPID != connection.backendPID }
                }
                return .changed(bundles: Self.bundles(named: notifications))
            }
        }
        return .due
    }

    /// The bundle ids `chorus_review` notifications name (`12,13`), or `nil` when one names none (a
    /// transaction too large to list them, a clean-up).
    static func bundles(named notifications: [Postgres.Notification]) -> Set<Int>? {
        var bundles: Set<Int> = []
        for notification in notifications where notification.channel == QueueWriter.notificationChannel {
            let ids = notification.payload.split(separator: ",").map { Int($0) }
            guard !ids.isEmpty, !ids.contains(nil) else { return nil }
            bundles.formUnion(ids.compactMap { $0 })
        }
        return bundles
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
        if self.configuration?.webhooks != configuration.webhooks || self.configuration?.delivery != configuration.delivery
            || self.configuration?.notifications != configuration.notifications {
            cached = configuration.publishers()
            self.configuration = configuration
        }
        return cached
    }
}
