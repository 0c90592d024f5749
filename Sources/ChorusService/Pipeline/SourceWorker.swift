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
/// lock is held again. Items the store refuses for what they hold are kept as rejected inputs one by one
/// (``PipelineWriter``); a delivery as a whole is never given up.
///
/// While it works, the worker also watches its source's own health (``Source/status()``, every second):
/// a feed that fails inside `next()` — an HTTP feed answering 500, timing out or too large, which retries
/// by itself — makes the source `failing` in `chorus status`, and each failure is logged once, with its
/// backoff, as is the recovery.
struct SourceWorker: Sendable {
    let source: SourceConfiguration
    let location: String?
    let environment: Environment

    /// What every worker shares.
    struct Environment: Sendable {
        let locks: SourceLocks
        let committer: GroupCommitter
        let reader: PostgresClient
        /// What the inbox sources share: one listening connection, a bounded number for claims.
        let inbox: InboxHub
        let settings: SettingsBox
        let daemonState: DaemonState
        let logger: Logger
    }

    private var logger: Logger { environment.logger.with("source", source.name) }

    func run() async {
        var backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(10))
        while !Task.isCancelled {
            guard let epoch = await environment.locks.waitUntilHeld(source.name) else { return }
            // A failing source stays failing until it delivers again.
            environment.daemonState.updateSource(source.name) { if $0.role != .failing { $0.role = .active } }
            do {
                let cursor = try await loadCursor()
                let settings = environment.settings.current
                let feed = try SourceFactory.make(source, location: location, cursor: cursor, kinds: settings.kinds,
                                                  gazetteer: settings.ruleSet.gazetteer,
                                                  inbox: environment.inbox, logger: logger)
                logger.info("source started", ["type": source.kind.rawValue, "cursor": cursor?.json ?? "none"])
                let outcome = await work(feed, epoch: epoch, backoff: &backoff)
                await SourceFactory.close(feed)
                switch outcome {
                case .cancelled:
                    return
                case .lockLost:
                    logger.warning("source lock lost; resuming from the committed cursor once it is held again")
                    // With the database there, another instance has the lock; without it, everyone waits.
                    let role: SourceRole = environment.daemonState.databaseError == nil ? .standby : .paused
                    environment.daemonState.updateSource(source.name) { $0.role = role }
                case .failed(let error):
                    let delay = backoff.next()
                    environment.daemonState.updateSource(source.name) {
                        $0.role = .failing
                        $0.failingSince = $0.failingSince ?? Date()
                        $0.lastError = Logger.describe(error)
                        $0.retryAt = Date().addingTimeInterval(Double(delay.milliseconds) / 1000)
                    }
                    logger.log(Self.isTransient(error) ? .warning : .error, "source failed; restarting it from the committed cursor",
                               ["error": Logger.describe(error), "retry.ms": "\(delay.milliseconds)"])
                    if !(await pause(delay)) { return }
                }
            } catch {
                let delay = backoff.next()
                let transient = Self.isTransient(error)
                environment.daemonState.updateSource(source.name) {
                    $0.role = transient ? .paused : .failing
                    if !transient { $0.failingSince = $0.failingSince ?? Date() }
                    $0.lastError = Logger.describe(error)
                    $0.retryAt = Date().addingTimeInterval(Double(delay.milliseconds) / 1000)
                }
                // The database coming back after a restart is routine: a warning, not an error.
                logger.log(transient ? .warning : .error, "cannot start the source",
                           ["error": Logger.describe(error), "retry.ms": "\(delay.milliseconds)"])
                if !(await pause(delay)) { return }
            }
        }
    }

    static func isTransient(_ error: any Error) -> Bool {
        (error as? PostgresError)?.isTransient ?? false
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
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await watch(feed) }
            let outcome = await deliver(feed, epoch: epoch, backoff: &backoff)
            group.cancelAll()
            return outcome
        }
    }

    /// Every second, what the source says about itself: its backlog for `chorus status`, and whether it
    /// fails. A failure is logged once (again only when what is wrong changes), with when it is retried —
    /// also one that came and went between two looks (the source counts its failures) —, and so is the
    /// recovery.
    private func watch(_ feed: any Source) async {
        var reported: String?
        var failuresSeen = 0
        while !Task.isCancelled {
            let status = await feed.status()
            let now = Date()
            environment.daemonState.updateSource(source.name) { state in
                state.backlog = status.backlog
                state.backlogUnit = status.backlogUnit
                if let success = status.lastSuccess { state.lastSuccessAt = success }
                if let error = status.lastError {
                    if state.role == .active { state.role = .failing }
                    state.failingSince = status.failingSince ?? state.failingSince ?? now
                    state.lastError = error
                    state.retryAt = status.retryAt
                } else if state.role == .failing {
                    state.role = .active
                    state.failingSince = nil
                    state.lastError = nil
                    state.retryAt = nil
                }
            }
            let failure = status.lastError ?? (status.failures > failuresSeen ? status.lastFailure : nil)
            if let failure, failure != reported {
                let retry = status.retryAt.map { max(0, Int(($0.timeIntervalSince(now) * 1000).rounded())) }
                logger.warning("source failing", ["error": failure, "retry.ms": retry.map(String.init) ?? "-",
                                                  "failing.since": (status.failingSince ?? now).formatted(.iso8601)])
                reported = failure
            }
            if status.lastError == nil, reported != nil {
                logger.notice("source recovered")
                reported = nil
            }
            failuresSeen = status.failures
            if !(await pause(.seconds(1))) { return }
        }
    }

    /// Delivery after delivery until cancelled or a delivery cannot be committed. The next delivery is read
    /// (a child task) while this one's pieces are committed, and collected before the round ends; one read
    /// ahead but never committed is dropped — the source starts again from the committed cursor.
    private func deliver(_ feed: any Source, epoch: UInt64, backoff: inout Backoff) async -> Outcome {
        var ahead: Result<SourceDelivery?, any Error>?
        while !Task.isCancelled {
            let delivery: SourceDelivery
            do {
                let next: SourceDelivery?
                if let read = ahead {
                    ahead = nil
                    next = try read.get()
                } else {
                    next = try await feed.next()
                }
                guard let next, !Task.isCancelled else { return .cancelled }
                delivery = next
            } catch {
                return Task.isCancelled ? .cancelled : .failed(error)
            }
            let settings = environment.settings.current
            // Drafted piece by piece, each committed before the next is planned: a delivery's drafts are never
            // all in memory at once. The cursor goes with the last piece.
            let pieces = DraftingStage(ruleSet: settings.ruleSet).batches(
                source: source.name, origin: delivery.origin, result: delivery.result, raw: delivery.document,
                cursor: delivery.cursor.json, now: Date(), maximumDrafts: PipelineWriter.maximumDraftsPerTransaction)
            let round: (stop: Outcome?, ahead: Result<SourceDelivery?, any Error>?) = await withTaskGroup(
                of: Result<SourceDelivery?, any Error>.self
            ) { reading in
                if readsAhead {
                    reading.addTask {
                        do { return .success(try await feed.next()) } catch { return .failure(error) }
                    }
                }
                while let batch = pieces.next() {
                    if let stop = await commit(batch, delivery: delivery, epoch: epoch, backoff: &backoff) {
                        reading.cancelAll()
                        return (stop, nil)
                    }
                }
                do {
                    try await feed.acknowledge(delivery)
                } catch {
                    // Committed but not acknowledged (a spool file not moved): the cursor lists it, so a restart
                    // finishes the move without delivering it again.
                    reading.cancelAll()
                    return (.failed(error), nil)
                }
                return (nil, await reading.next())
            }
            if let stop = round.stop { return stop }
            ahead = round.ahead
        }
        return .cancelled
    }

    /// Commits one piece of a delivery, retrying transient failures while the lock is held; `nil` once it
    /// is committed, else how the work ends.
    private func commit(_ batch: QueueBatch, delivery: SourceDelivery, epoch: UInt64, backoff: inout Backoff) async -> Outcome? {
        while true {
            // Another instance may have taken over: its cursor wins, ours is dropped.
            guard environment.locks.holds(source.name, epoch: epoch) else { return .lockLost }
            do {
                let report = try await environment.committer.commit(batch, origin: delivery.origin)
                backoff.reset()
                record(batch, origin: delivery.origin, report: report)
                return nil
            } catch is CancellationError {
                return .cancelled
            } catch let error as PostgresError where error.isTransient {
                if error.isConnectionFailure {
                    environment.daemonState.setDatabaseError(Logger.describe(error))
                    environment.daemonState.updateSource(source.name) { $0.role = .paused }
                }
                let delay = backoff.next()
                logger.warning("cannot queue the delivery; retrying",
                               ["origin": delivery.origin, "error": Logger.describe(error), "retry.ms": "\(delay.milliseconds)"])
                if !(await pause(delay)) { return .cancelled }
            } catch {
                // Not about one item's data (those are kept as rejected inputs by the writer) and not
                // passing by itself (a missing grant, a missing table): nothing is given up; the source
                // starts again from its committed cursor after a backoff.
                logger.error("cannot queue the delivery", ["origin": delivery.origin, "error": Logger.describe(error)])
                return .failed(error)
            }
        }
    }

    /// One log line an event, and the counters for `STATUS=` and `chorus status`.
    private func record(_ batch: QueueBatch, origin: String, report: PipelineWriter.Report) {
        let version = environment.settings.current.ruleSet.version
        let refused = Set(report.refused.compactMap(\.item))
        for planned in batch.events where !refused.contains("\(origin)#event:\(escaped(planned.event.id))") {
            let rules = planned.plans.map(\.ruleID)
            let drafts = planned.plans.reduce(0) { $0 + $1.drafts.count }
            // What the event did to bundles it belongs to (an update or a cancel applies whatever it matched).
            let applied = report.summary.correlations.filter { $0.eventID == planned.event.id }
                .map { "\($0.bundle):\($0.relation.rawValue)" }
            logger.info("event queued", [
                "event.id": planned.event.id, "event.kind": planned.event.kind, "event.msgType": planned.event.msgType.rawValue,
                "rule.id": rules.isEmpty ? "-" : rules.joined(separator: ","), "drafts": "\(drafts)",
                "bundles": applied.isEmpty ? "-" : applied.joined(separator: ","),
                "ruleset.version": String(version.prefix(12)),
            ])
        }
        for rejection in batch.rejections + report.refused {
            logger.warning("input rejected", ["item": rejection.item ?? "-", "reason": rejection.reason])
        }
        if let reason = report.splitBecause.first {
            logger.notice("delivery written in smaller transactions",
                          ["origin": origin, "transactions": "\(report.transactions)", "reason": reason])
        }
        environment.daemonState.updateSource(source.name) { state in
            state.eventsQueued += batch.events.count - report.refusedEvents
            state.lastCommitAt = Date()
            // It delivered: whatever failed before works again.
            state.role = .active
            state.failingSince = nil
            state.lastError = nil
            state.retryAt = nil
        }
    }

    private func loadCursor() async throws -> SourceCursor? {
        let name = source.name
        let text = try await environment.reader.withConnection { connection in try DaemonRecords.cursor(of: name, on: connection) }
        return text.map(SourceCursor.init(json:))
    }
}
