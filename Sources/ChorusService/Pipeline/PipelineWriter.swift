import ChorusCore
import ChorusStore
import Foundation
import Postgres

/// How the pipeline (the daemon's ``GroupCommitter`` and `chorus ingest`) writes a batch into the queue so
/// that nothing is lost whatever the store says (PRODUCT.md §2, step 6):
///
/// - **Bounded transactions.** Each bundle plan takes two transaction-level advisory locks, and the
///   server's lock table is shared and small (`max_locks_per_transaction` × connections, 6,400 by
///   default); each draft is a row of every statement's arrays: a batch with more than
///   ``maximumPlansPerTransaction`` plans or ``maximumDraftsPerTransaction`` drafts is written in several
///   transactions, in order, the cursor with the last one (``QueueBatch/chunked(maximumPlans:maximumDrafts:)``).
/// - **Poison items alone.** When the store refuses a transaction for what the values are (a data
///   exception, a constraint, an index row too large: ``PostgresError/isDataError``), the batch is halved
///   and each half written on its own, down to the one item at fault, which is kept as a rejected input
///   with the store's reason in its stead; every good item beside it is queued.
/// - **Statements cut short.** A statement cancelled (`pg_cancel_backend`, `statement_timeout`) or short
///   of locks is retried in halves too, since smaller transactions finish sooner and lock less; one item
///   that still cannot be written is a transient failure for the caller to retry later.
///
/// A crash between two transactions leaves the cursor before the whole batch: the source delivers it again
/// and what was already written is found by its unique keys. Connection failures are not handled here:
/// they fail the call, and the caller retries from its cursor.
public struct PipelineWriter: Sendable {
    /// The most bundle plans one transaction writes: at most twice as many advisory locks, a third of the
    /// default lock table.
    public static let maximumPlansPerTransaction = 1000
    /// The most drafts one transaction writes: its statements' arrays (and libpq's copies of them) stay a
    /// few megabytes, however many drafts each event's rules make (the shipped rules make twenty).
    public static let maximumDraftsPerTransaction = 2000

    /// What a write did.
    public struct Report: Sendable {
        /// What the transactions stored, added up.
        public var summary = QueueWriteSummary()
        /// Items the store refused, each kept as a rejected input (with the store's reason) in its stead.
        public var refused: [RejectedInput] = []
        /// How many of ``refused`` were accepted events (the others were rejected inputs already).
        public var refusedEvents = 0
        /// How many transactions committed.
        public var transactions = 0
        /// Why transactions failed and were retried in smaller pieces (each reason once), for the log.
        public var splitBecause: [String] = []

        public init() {}

        /// Adds what another write did.
        public mutating func add(_ other: Report) {
            summary.add(other.summary)
            refused += other.refused
            refusedEvents += other.refusedEvents
            transactions += other.transactions
            for reason in other.splitBecause where !splitBecause.contains(reason) { splitBecause.append(reason) }
        }
    }

    let maximumPlans: Int
    let maximumDrafts: Int

    public init(maximumPlansPerTransaction: Int = PipelineWriter.maximumPlansPerTransaction,
                maximumDraftsPerTransaction: Int = PipelineWriter.maximumDraftsPerTransaction) {
        maximumPlans = max(1, maximumPlansPerTransaction)
        maximumDrafts = max(1, maximumDraftsPerTransaction)
    }

    /// Writes `batch`, whose items came from `origin` (a file, a URL: what refused items are named after).
    /// - Throws: a connection failure, a transient failure of a single item (retry the batch later), or a
    ///   failure that is not about the data (a missing grant, a missing table).
    public func write(_ batch: QueueBatch, origin: String, on connection: Connection) throws -> Report {
        var report = Report()
        for piece in batch.chunked(maximumPlans: maximumPlans, maximumDrafts: maximumDrafts) {
            report.add(try writeSplitting(piece, origin: origin, on: connection))
        }
        return report
    }

    /// Writes several batches in one transaction (group commit); on any failure but the connection's, each
    /// batch is written alone by ``write(_:origin:on:)`` and gets its own outcome.
    /// - Returns: each batch's outcome, and how many transactions committed in all.
    func write(group: [(batch: QueueBatch, origin: String)], on connection: Connection)
        -> (outcomes: [Result<Report, any Error>], transactions: Int) {
        if group.count > 1 {
            do {
                var report = Report()
                report.summary = try QueueWriter().write(group.map(\.batch), on: connection)
                report.transactions = 1
                // One summary for the whole transaction: each batch gets it (workers log their own events).
                return (group.map { _ in .success(report) }, 1)
            } catch let error as PostgresError where error.isConnectionFailure {
                return (group.map { _ in .failure(error) }, 0)
            } catch {
                // Written one by one below, so that one bad batch cannot hold back the others.
            }
        }
        let outcomes = group.map { item in Result { try write(item.batch, origin: item.origin, on: connection) } }
        return (outcomes, outcomes.reduce(0) { $0 + ((try? $1.get())?.transactions ?? 0) })
    }

    private func writeSplitting(_ batch: QueueBatch, origin: String, on connection: Connection) throws -> Report {
        do {
            var report = Report()
            report.summary = try QueueWriter().write([batch], on: connection)
            report.transactions = 1
            return report
        } catch let error as PostgresError where Self.splits(error) {
            if let (first, rest) = batch.halves() {
                var report = Report()
                report.splitBecause = [error.summary]
                report.add(try writeSplitting(first, origin: origin, on: connection))
                report.add(try writeSplitting(rest, origin: origin, on: connection))
                return report
            }
            // One item: cancelled or short of locks even alone is for later; refused for its data, it is kept
            // as a rejected input instead.
            guard error.isDataError else { throw error }
            return try deadLetter(batch, error: error, origin: origin, on: connection)
        }
    }

    /// The one item of `batch` as a rejected input with the store's reason; the cursor stays with it.
    private func deadLetter(_ batch: QueueBatch, error: PostgresError, origin: String, on connection: Connection) throws -> Report {
        let reason = "could not be queued: \(error.summary)"
        var candidates: [RejectedInput] = []
        if let planned = batch.events.first {
            let item = "\(origin)#event:\(escaped(planned.event.id))"
            candidates.append(RejectedInput(item: item, reason: reason, raw: (try? planned.event.jsonLine()).map { Data($0.utf8) }))
            candidates.append(RejectedInput(item: item, reason: reason, raw: nil))
        } else if let rejection = batch.rejections.first {
            candidates.append(RejectedInput(item: rejection.item.map { escaped($0) }, reason: reason, raw: nil))
        }
        // Whatever the item held, its place in the queue is kept by a row that holds nothing of it.
        candidates.append(RejectedInput(item: "\(origin)#item", reason: reason, raw: nil))
        var last: any Error = error
        for candidate in candidates {
            do {
                var report = Report()
                report.summary = try QueueWriter().write([batch.piece(rejections: [candidate], cursor: batch.cursor)], on: connection)
                report.transactions = 1
                report.refused = [candidate]
                report.refusedEvents = batch.events.count
                return report
            } catch let failure as PostgresError where failure.isDataError {
                last = failure
            }
        }
        throw last
    }

    /// Whether a smaller transaction may succeed where this one failed.
    static func splits(_ error: PostgresError) -> Bool {
        error.isDataError || (error.kind == .server && ["57014", "53200", "55P03"].contains(error.sqlState))
    }
}
