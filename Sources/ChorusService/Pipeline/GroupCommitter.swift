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
/// A failure fails the batches of that transaction; the workers decide what to do (retry after a backoff,
/// or start again from the committed cursor when they lost their source's lock). When several batches
/// fail together for a reason other than the connection, each is retried alone so that one bad batch
/// cannot hold back the others.
final class GroupCommitter: Service, Sendable {
    let name = "group-commit"
    private let client: PostgresClient
    private let limits: Mutex<BatchConfiguration>
    private let daemonState: DaemonState
    private let logger: Logger

    private struct Pending: Sendable {
        var batch: QueueBatch
        var continuation: CheckedContinuation<QueueWriteSummary, any Error>
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

    /// Queues `batch` and returns once the transaction that wrote it committed.
    /// - Throws: the transaction's failure; `CancellationError` when the daemon stops before writing it.
    func commit(_ batch: QueueBatch) async throws -> QueueWriteSummary {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<QueueWriteSummary, any Error>) in
            let (accepted, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
                guard !state.stopped else { return (false, nil) }
                state.queue.append(Pending(batch: batch, continuation: continuation))
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

    /// The oldest batches up to `maximumEvents` events (at least one batch).
    private func take(maximumEvents: Int) -> [Pending] {
        state.withLock { state in
            var count = 0
            var taken = 0
            for pending in state.queue {
                let size = max(1, pending.batch.events.count)
                if taken > 0, count + size > maximumEvents { break }
                count += size
                taken += 1
            }
            defer { state.queue.removeFirst(taken) }
            return Array(state.queue.prefix(taken))
        }
    }

    private func write(_ group: [Pending]) async {
        do {
            let summary = try await transaction(group.map(\.batch))
            // One summary for the whole transaction: each batch gets it (workers log their own events).
            group.forEach { $0.continuation.resume(returning: summary) }
        } catch let error as PostgresError where error.isTransient {
            group.forEach { $0.continuation.resume(throwing: error) }
        } catch {
            guard group.count > 1 else {
                group.forEach { $0.continuation.resume(throwing: error) }
                return
            }
            logger.warning("a group of batches failed; writing them one by one",
                           ["batches": "\(group.count)", "error": Logger.describe(error)])
            for pending in group {
                do {
                    pending.continuation.resume(returning: try await transaction([pending.batch]))
                } catch {
                    pending.continuation.resume(throwing: error)
                }
            }
        }
    }

    private func transaction(_ batches: [QueueBatch]) async throws -> QueueWriteSummary {
        daemonState.writeStarted()
        defer { daemonState.writeEnded() }
        let summary = try await client.withConnection { connection in
            try QueueWriter().write(batches, on: connection)
        }
        daemonState.recordCommit(events: batches.reduce(0) { $0 + $1.events.count })
        return summary
    }
}
