import ChorusCore
import ChorusFeeds
import ChorusStore
import Foundation
import Postgres

/// Works one source: takes its lock, reads its committed cursor, pulls deliveries, drafts them and hands
/// them to the ``GroupCommitter``; acknowledges each delivery to the source only after its transaction
/// committed.
///
/// Whatever goes wrong with the database, the rule is the same: a delivery is either committed (and then
/// acknowledged) or forgotten, and a worker that is not sure starts again from the cursor in the database.
/// A failed commit is retried with a backoff as long as this instance still holds the source's lock;
/// once the lock is lost (the lock connection dropped: the database restarted, or another instance took
/// over), the delivery is dropped, the source closed, and work resumes from the committed cursor when the
/// lock is held again.
struct SourceWorker: Sendable {
    let source: SourceConfiguration
    let location: String?
    let environment: Environment

    /// What every worker shares.
    struct Environment: Sendable {
        let locks: SourceLocks
        let committer: GroupCommitter
        let reader: PostgresClient
        let conninfo: String
        let settings: SettingsBox
        let daemonState: DaemonState
        let logger: Logger
    }

    private var logger: Logger { environment.logger.with("source", source.name) }

    func run() async {
        var backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(10))
        while !Task.isCancelled {
            environment.daemonState.updateSource(source.name) { $0.role = .standby }
            guard let epoch = await environment.locks.waitUntilHeld(source.name) else { return }
            environment.daemonState.updateSource(source.name) { $0.role = .active }
            do {
                let cursor = try await loadCursor()
                let settings = environment.settings.current
                let feed = try SourceFactory.make(source, location: location, cursor: cursor, kinds: settings.kinds,
                                                  conninfo: environment.conninfo)
                logger.info("source started", ["type": source.kind.rawValue, "cursor": cursor?.json ?? "none"])
                let outcome = await work(feed, epoch: epoch, backoff: &backoff)
                await SourceFactory.close(feed)
                switch outcome {
                case .cancelled:
                    return
                case .lockLost:
                    logger.warning("source lock lost; resuming from the committed cursor once it is held again")
                    environment.daemonState.updateSource(source.name) { $0.role = .paused }
                case .failed(let error):
                    environment.daemonState.updateSource(source.name) {
                        $0.role = .failing
                        $0.lastError = Logger.describe(error)
                    }
                    let delay = backoff.next()
                    logger.error("source failed; restarting it from the committed cursor",
                                 ["error": Logger.describe(error), "retry.ms": "\(delay.milliseconds)"])
                    if !(await pause(delay)) { return }
                }
            } catch {
                let delay = backoff.next()
                environment.daemonState.updateSource(source.name) {
                    $0.role = .paused
                    $0.lastError = Logger.describe(error)
                }
                logger.error("cannot start the source", ["error": Logger.describe(error), "retry.ms": "\(delay.milliseconds)"])
                if !(await pause(delay)) { return }
            }
        }
    }

    private enum Outcome {
        case cancelled
        case lockLost
        case failed(any Error)
    }

    /// Reading ahead: while a delivery's transaction is in flight, the next one is read and parsed, so that
    /// the source's work overlaps the database's. Not for the inbox, whose `next()` gives up the claim of
    /// the row before.
    private var readsAhead: Bool { source.kind != .inbox }

    private func work(_ feed: any Source, epoch: UInt64, backoff: inout Backoff) async -> Outcome {
        var prefetch: Task<SourceDelivery?, any Error>?
        let outcome = await work(feed, epoch: epoch, backoff: &backoff, prefetch: &prefetch)
        if let prefetch {
            // Read ahead but never committed: dropped; the source starts again from the committed cursor.
            prefetch.cancel()
            _ = await prefetch.result
        }
        return outcome
    }

    private func work(
        _ feed: any Source, epoch: UInt64, backoff: inout Backoff, prefetch: inout Task<SourceDelivery?, any Error>?
    ) async -> Outcome {
        var lastStatus = ContinuousClock.now - .seconds(60)
        while !Task.isCancelled {
            let delivery: SourceDelivery
            do {
                let next: SourceDelivery?
                if let ahead = prefetch {
                    prefetch = nil
                    next = try await withTaskCancellationHandler {
                        try await ahead.value
                    } onCancel: {
                        ahead.cancel()
                    }
                } else {
                    next = try await feed.next()
                }
                guard let next, !Task.isCancelled else { return .cancelled }
                delivery = next
            } catch {
                return Task.isCancelled ? .cancelled : .failed(error)
            }
            let settings = environment.settings.current
            var batch = DraftingStage(ruleSet: settings.ruleSet).batch(
                source: source.name, origin: delivery.origin, result: delivery.result, raw: delivery.document,
                cursor: delivery.cursor.json, now: Date())
            if readsAhead {
                // Owned: awaited at the top of the next round, or cancelled and awaited when the work ends.
                prefetch = Task { try await feed.next() }
            }
            var attempts = 0
            while true {
                // Another instance may have taken over: its cursor wins, ours is dropped.
                guard environment.locks.holds(source.name, epoch: epoch) else { return .lockLost }
                do {
                    let summary = try await environment.committer.commit(batch)
                    backoff.reset()
                    record(batch, summary: summary)
                    break
                } catch is CancellationError {
                    return .cancelled
                } catch let error as PostgresError where error.isTransient {
                    environment.daemonState.setDatabaseError(Logger.describe(error))
                    environment.daemonState.updateSource(source.name) { $0.role = .paused }
                    let delay = backoff.next()
                    logger.warning("cannot queue the delivery; retrying",
                                   ["origin": delivery.origin, "error": Logger.describe(error), "retry.ms": "\(delay.milliseconds)"])
                    if !(await pause(delay)) { return .cancelled }
                } catch {
                    attempts += 1
                    guard attempts == 1 else { return .failed(error) }
                    // The data itself cannot be stored: keep the document as rejected input, move on.
                    logger.error("cannot queue the delivery; recording it as rejected input",
                                 ["origin": delivery.origin, "error": Logger.describe(error)])
                    batch = QueueBatch(
                        source: source.name,
                        rejections: [RejectedInput(item: delivery.origin, reason: "could not be queued: \(Logger.describe(error))",
                                                   raw: delivery.document)],
                        cursor: delivery.cursor.json)
                }
            }
            environment.daemonState.updateSource(source.name) { $0.role = .active }
            do {
                try await feed.acknowledge(delivery)
            } catch {
                // Committed but not acknowledged (a spool file not moved): the cursor lists it, so a restart
                // finishes the move without delivering it again.
                return .failed(error)
            }
            // The backlog for `chorus status`, at most every two seconds (a spool lists its directory).
            if lastStatus.duration(to: .now) > .seconds(2) {
                lastStatus = .now
                let status = await feed.status()
                environment.daemonState.updateSource(source.name) { state in
                    state.backlog = status.backlog
                    state.backlogUnit = status.backlogUnit
                    if let error = status.lastError { state.lastError = error }
                }
            }
        }
        return .cancelled
    }

    /// One log line an event, and the counters for `STATUS=` and `chorus status`.
    private func record(_ batch: QueueBatch, summary: QueueWriteSummary) {
        let version = environment.settings.current.ruleSet.version
        for planned in batch.events {
            let rules = planned.plans.map(\.ruleID)
            let drafts = planned.plans.reduce(0) { $0 + $1.drafts.count }
            // What the event did to bundles it belongs to (an update or a cancel applies whatever it matched).
            let applied = summary.correlations.filter { $0.eventID == planned.event.id }
                .map { "\($0.bundle):\($0.relation.rawValue)" }
            logger.info("event queued", [
                "event.id": planned.event.id, "event.kind": planned.event.kind, "event.msgType": planned.event.msgType.rawValue,
                "rule.id": rules.isEmpty ? "-" : rules.joined(separator: ","), "drafts": "\(drafts)",
                "bundles": applied.isEmpty ? "-" : applied.joined(separator: ","),
                "ruleset.version": String(version.prefix(12)),
            ])
        }
        for rejection in batch.rejections {
            logger.warning("input rejected", ["item": rejection.item ?? "-", "reason": rejection.reason])
        }
        environment.daemonState.updateSource(source.name) { state in
            state.eventsQueued += batch.events.count
            state.lastCommitAt = Date()
            state.lastError = nil
        }
    }

    private func loadCursor() async throws -> SourceCursor? {
        let name = source.name
        let text = try await environment.reader.withConnection { connection in
            try connection.query("SELECT cursor::text AS cursor FROM chorus.source_cursors WHERE source = \(name)")
                .first?.decode("cursor", as: String.self)
        }
        return text.map(SourceCursor.init(json:))
    }
}
