import ChorusCore
import Foundation
import Postgres

/// The `chorus.inbox` table: other systems INSERT documents, a trigger's NOTIFY on `chorus_inbox` wakes
/// Chorus, and each row is claimed with `FOR UPDATE SKIP LOCKED`, so several instances share the inbox
/// without taking the same row.
///
/// A claim is a transaction on the source's own connection that stays open until ``acknowledge(_:)``,
/// which marks the row processed (with its outcome) and commits. The consumer's own transaction (events,
/// drafts) commits on another connection just before; a crash between the two commits leaves the row
/// unprocessed, so it is delivered again — at least once, and the queue's unique keys
/// (source, event id, version) make the repeat a no-op. A delivery that is never acknowledged (the
/// consumer failed) is released by the next ``next()``: the row goes back to the inbox.
///
/// Rows belong to this source when their `source` column equals its name. A document larger than the
/// parser's limit is rejected without being fetched. The cursor (`{"id": N}`) only records the last row
/// delivered: progress itself lives in the table's `processed_at`.
public actor InboxSource: Source {
    /// The feed's name: rows whose `source` column equals it are this source's.
    public nonisolated let name: String
    /// The channel the inbox trigger notifies.
    public static let channel = "chorus_inbox"

    private let client: PostgresClient
    private let parser: FeedParser
    private let pollInterval: Duration
    private var listening = false
    private var claimed: Int64?
    private var lastError: String?
    private var lastSuccess: Date?

    struct Position: Codable, Sendable, Hashable {
        var id: Int64
    }

    /// - Parameters:
    ///   - client: a client of the source's own (a claim holds its connection's transaction open).
    ///   - pollInterval: how long to wait for a notification before looking anyway (a safety net).
    public init(name: String, client: PostgresClient, parser: FeedParser, pollInterval: Duration = .seconds(5)) {
        self.name = name
        self.client = client
        self.parser = parser
        self.pollInterval = pollInterval
    }

    /// Claims the next unprocessed row, waiting for a notification while there is none.
    public func next() async throws -> SourceDelivery? {
        try await release()
        while !Task.isCancelled {
            let row: ClaimedRow?
            do {
                row = try await claim()
            } catch {
                lastError = "\(error)"
                throw error
            }
            if let row {
                claimed = row.id
                lastError = nil
                lastSuccess = Date()
                return try delivery(for: row)
            }
            // Bounded waits, so that cancellation is noticed within a second; each is a poll() on the socket.
            let wait = min(pollInterval, .seconds(1))
            _ = try await client.withConnection { connection in try connection.waitForNotifications(timeout: wait) }
        }
        return nil
    }

    /// Marks the claimed row processed with its outcome and commits the claim.
    public func acknowledge(_ delivery: SourceDelivery) async throws {
        guard let id = claimed, delivery.origin == Self.origin(id) else { return }
        let outcome = delivery.result.isRejectedEntirely ? "rejected" : delivery.result.rejections.isEmpty ? "accepted" : "partial"
        _ = try await client.withConnection { connection in
            try connection.execute("UPDATE chorus.inbox SET processed_at = now(), outcome = \(outcome) WHERE id = \(id)")
            try connection.executeScript("COMMIT")
        }
        claimed = nil
    }

    /// Rows of this source not yet processed (claimed ones included), and the last failure.
    public func status() async -> SourceStatus {
        let name = self.name
        let count: Int? = try? await client.withConnection { connection in
            try connection.query(
                "SELECT count(*)::int8 AS n FROM chorus.inbox WHERE processed_at IS NULL AND source = \(name)"
            ).first?.decode("n", as: Int.self)
        }
        return SourceStatus(backlog: count, backlogUnit: "rows", lastError: lastError, lastSuccess: lastSuccess)
    }

    /// Gives up an unacknowledged claim (the row goes back to the inbox) and closes the connection.
    public func close() async {
        try? await release()
        await client.close()
    }

    /// Gives up an unacknowledged claim: the row goes back to the inbox.
    public func release() async throws {
        guard claimed != nil else { return }
        claimed = nil
        try await client.withConnection { connection in try connection.executeScript("ROLLBACK") }
    }

    private struct ClaimedRow: Sendable {
        var id: Int64
        var format: String
        var document: String?
        var size: Int
    }

    private func claim() async throws -> ClaimedRow? {
        let name = self.name
        let limit = parser.options.maximumDocumentBytes
        let subscribe = !listening
        let row = try await client.withConnection { connection -> ClaimedRow? in
            if subscribe { try connection.listen(InboxSource.channel) }
            try connection.executeScript("BEGIN")
            do {
                let result = try connection.query("""
                    SELECT id, format, octet_length(document)::int8 AS size,
                           CASE WHEN octet_length(document) <= \(limit) THEN document END AS document
                    FROM chorus.inbox
                    WHERE processed_at IS NULL AND source = \(name)
                    ORDER BY id
                    LIMIT 1
                    FOR UPDATE SKIP LOCKED
                    """)
                guard let first = result.first else {
                    try connection.executeScript("ROLLBACK")
                    return nil
                }
                return ClaimedRow(
                    id: try first.decode("id", as: Int64.self), format: try first.decode("format", as: String.self),
                    document: try first.decode("document", as: String?.self), size: try first.decode("size", as: Int.self))
            } catch {
                if connection.isConnected { try? connection.executeScript("ROLLBACK") }
                throw error
            }
        }
        listening = true
        return row
    }

    private func delivery(for row: ClaimedRow) throws -> SourceDelivery {
        let limit = parser.options.maximumDocumentBytes
        let data = row.document.map { Data($0.utf8) } ?? Data()
        let result: ParseResult
        if row.document == nil {
            result = ParseResult(rejections: [Rejection(reason: "the document is \(row.size) bytes, more than the limit of \(limit)")])
        } else {
            result = parser.parse(data, format: FeedFormat(rawValue: row.format) ?? .auto)
        }
        return SourceDelivery(origin: Self.origin(row.id), document: data, result: result,
                              cursor: try SourceCursor(encoding: Position(id: row.id)))
    }

    static func origin(_ id: Int64) -> String { "inbox:\(id)" }
}
