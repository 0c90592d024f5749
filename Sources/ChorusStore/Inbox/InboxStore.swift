import Foundation
import Postgres

/// The `chorus.inbox` table as the inbox sources use it: claim a source's oldest unprocessed row inside
/// an open transaction (`FOR UPDATE SKIP LOCKED`, so several instances never take the same row), mark it
/// processed, and count every source's unprocessed rows at once.
public enum InboxStore {
    /// The channel the inbox trigger notifies (migration 1).
    public static let channel = "chorus_inbox"

    /// A claimed row; its document is left out when it is larger than the limit it was claimed with.
    public struct ClaimedRow: Sendable {
        public var id: Int64
        public var format: String
        public var document: String?
        public var size: Int
    }

    /// How a processed row ended.
    public enum Outcome: String, Sendable {
        case accepted, partial, rejected
    }

    /// Begins a transaction and claims `source`'s oldest unprocessed row that no other transaction holds;
    /// with a row the transaction stays open (``markProcessed(_:outcome:on:)`` commits it, a `ROLLBACK`
    /// gives it back), without one it is rolled back.
    public static func claim(source: String, maximumDocumentBytes: Int, on connection: Connection) throws -> ClaimedRow? {
        try connection.executeScript("BEGIN")
        do {
            let result = try connection.query("""
                SELECT id, format, octet_length(document)::int8 AS size,
                       CASE WHEN octet_length(document) <= \(maximumDocumentBytes) THEN document END AS document
                FROM chorus.inbox
                WHERE processed_at IS NULL AND source = \(source)
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

    /// Marks the claimed row processed with its outcome and commits the claim.
    public static func markProcessed(_ id: Int64, outcome: Outcome, on connection: Connection) throws {
        try connection.execute("UPDATE chorus.inbox SET processed_at = now(), outcome = \(outcome.rawValue) WHERE id = \(id)")
        try connection.executeScript("COMMIT")
    }

    /// Unprocessed rows (claimed ones included) by source, for every source that has any.
    public static func backlogs(on connection: Connection) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try connection.query(
            "SELECT source, count(*)::int8 AS n FROM chorus.inbox WHERE processed_at IS NULL GROUP BY source").rows {
            counts[try row.decode("source", as: String.self)] = try row.decode("n", as: Int.self)
        }
        return counts
    }
}
