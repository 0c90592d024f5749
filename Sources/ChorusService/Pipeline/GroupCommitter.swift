import ChorusStore
import Foundation
import Postgres
import Synchronization

/// The pipeline's one writer: turns the workers' batches into transactions through ``QueueWriter``, on a
/// connection of its own (a ``PostgresClient``, so libpq blocks a dispatch queue, never the pool).
///
/// Group commit: when the writer is idle, a batch is written at once, alone — an idle system commits each
/// delivery without waiting. While a transaction is in flight, the batches that arrive meanwhile wait and
/// then share the next one, up to ``BatchConfiguration/maximumEvents`` events; once busy, the writer may
/// also wait up to ``BatchConfiguration/maximumDelay`` for more. Each worker awaits its own batch's
/// commit before it acknowledges the delivery to its source.
///
/// Transactions are bounded: a group holds at most ``PipelineWriter/maximumPlansPerTransaction`` bundle
/// plans (each takes two advisory locks), and ``PipelineWriter`` cuts a larger delivery into several
/// transactions and isolates an item the store refuses. A connection failure fails the batches of that
/// transaction; the workers decide what to do (retry after a backoff, or start again from the committed
/// cursor when they lost their source's lock). When several batches fail together for a reason other
/// than the connection, each is written alone so that one bad batch cannot hold back the others.
final class GroupCommitter: Service, Sendable {
    let name = "group-commit"
    private let client: PostgresClient
    private let limits: Mutex<BatchConfiguration>
    private let daemonState: DaemonState
    private let logger: Logger

    private struct Pending: Sendable {
        var batch: QueueBatch
        var origin: String
        var continuation: CheckedContinuation<PipelineWriter.Report, any Error>
    }

    private struct State: Sendable {
        var queue: [Pending] = []
        var waiter: CheckedContinuation<Void, Never>?
        var stopped = false
    }

    private let state = Mutex(State())

    init(client: PostgresClient, limits: BatchConfiguration, daemonState: DaemonState, logger: Logger) {
        self.client = client
        self.limits = Mutex(limits)
        self.daemonState = daemonState
        self.logger = logger.with("service", "group-commit")
    }

    /// New limits (a reload).
    func setLimits(_ limits: BatchConfiguration) { self.limits.withLock { $0 = limits } }

    /// Queues `batch` (delivered from `origin`) and returns once the transactions that wrote it committed.
    /// - Throws: the transaction's failure; `CancellationError` when the daemon stops before writing it.
    @discardableResult
    func commit(_ batch: QueueBatch, origin: String = "delivery") async throws -> PipelineWriter.Report {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<PipelineWriter.Report, any Error>) in
            let (accepted, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
                guard !state.stopped else { return (false, nil) }
                state.queue.append(Pending(batch: batch, origin: origin, continuation: continuation))
                defer { state.waiter = nil }
                return (true, state.waiter)
            }
            if !accepted { continuation.resume(throwing: CancellationError()) }
            waiter?.resume()
        }
    }

    func run() async throws {
        var busy = false
        while !Task.isCancelled {
            await waitForWork()
            if Task.isCancelled { break }
            let limits = self.limits.withLock { $0 }
            if busy, limits.maximumDelay > .zero, queuedEvents() < limits.maximumEvents {
                // Under load a little patience fills the transaction.
                await pause(limits.maximumDelay)
            }
            let group = take(maximumEvents: limits.maximumEvents)
            guard !group.isEmpty else { continue }
            await write(group)
            // Batches arrived during that transaction: the pipeline is busy.
            busy = queuedEvents() > 0
        }
        let abandoned = state.withLock { state -> [Pending] in
            state.stopped = true
            defer { state.queue = [] }
            return state.queue
        }
        abandoned.forEach { $0.continuation.resume(throwing: CancellationError()) }
    }

    private func waitForWork() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if !state.queue.isEmpty || Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }

    private func queuedEvents() -> Int {
        state.withLock { $0.queue.reduce(0) { $0 + max(1, $1.batch.events.count) } }
    }

    /// The oldest batches up to `maximumEvents` events and the writer's plan and draft bounds (at least one batch).
    private func take(maximumEvents: Int) -> [Pending] {
        state.withLock { state in
            var count = 0
            var plans = 0
            var drafts = 0
            var taken = 0
            for pending in state.queue {
                let size = max(1, pending.batch.events.count)
                let batchPlans = pending.batch.planCount
                let batchDrafts = pending.batch.draftCount
                if taken > 0, count + size > maximumEvents || plans + batchPlans > PipelineWriter.maximumPlansPerTransaction
                    || drafts + batchDrafts > PipelineWriter.maximumDraftsPerTransaction { break }
                count += size
                plans += batchPlans
                drafts += batchDrafts
                taken += 1
            }
            defer { state.queue.removeFirst(taken) }
            return Array(state.queue.prefix(taken))
        }
    }

    private func write(_ group: [Pending]) async {
        daemonState.writeStarted()
        defer { daemonState.writeEnded() }
        let items = group.map { (batch: $0.batch, origin: $0.origin) }
        let written: (outcomes: [Result<PipelineWriter.Report, any Error>], transactions: Int)
        do {
            written = try await client.withConnection { connection in
                // The writer runs the same few statements for every delivery: parsed (and, once a generic plan
                // is as good, planned) once per connection instead of for each of them (about a fifth of the
                // server's CPU for a lone event, in two A/B pairs under load).
                connection.preparesStatements = true
                return PipelineWriter().write(group: items, on: connection)
            }
        } catch {
            group.forEach { $0.continuation.resume(throwing: error) }
            return
        }
        let events = zip(group, written.outcomes).reduce(0) { total, item in
            (try? item.1.get()) == nil ? total : total + item.0.batch.events.count
        }
        if written.transactions > 0 { daemonState.recordCommit(events: events, transactions: written.transactions) }
        if group.count > 1, written.transactions != 1 {
            logger.warning("a group of batches failed; wrote them one by one", ["batches": "\(group.count)"])
        }
        for (pending, outcome) in zip(group, written.outcomes) { pending.continuation.resume(with: outcome) }
    }
}
