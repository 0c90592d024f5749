import ChorusCore
import ChorusStore
import Foundation
import Postgres

/// The `chorus.inbox` table: other systems INSERT documents, a trigger's NOTIFY on `chorus_inbox` wakes
/// Chorus, and each row is claimed with `FOR UPDATE SKIP LOCKED`, so several instances share the inbox
/// without taking the same row.
///
/// Every inbox source of a daemon shares one ``InboxHub``: one listening connection for all of them, and a
/// bounded number of connections for claims. A claim is a transaction on a connection lent by the hub
/// that stays open until ``acknowledge(_:)``, which marks the row processed (with its outcome), commits and
/// gives the connection back. The consumer's own transaction (events, drafts) commits on another
/// connection just before; a crash between the two commits leaves the row unprocessed, so it is delivered
/// again — at least once, and the queue's unique keys (source, event id, version) make the repeat a no-op.
/// A delivery that is never acknowledged (the consumer failed) is released by the next ``next()``: the row
/// goes back to the inbox. A source without rows holds no connection: it waits for the hub's doorbell.
///
/// Rows belong to this source when their `source` column equals its name. A document larger than the
/// parser's limit is rejected without being fetched. The cursor (`{"id": N}`) only records the last row
/// delivered: progress itself lives in the table's `processed_at`.
public actor InboxSource: Source {
    /// The feed's name: rows whose `source` column equals it are this source's.
    public nonisolated let name: String
    /// The channel the inbox trigger notifies.
    public static let channel = InboxStore.channel

    private let hub: InboxHub
    private let parser: FeedParser
    private let pollInterval: Duration
    private let doorbell: Doorbell
    private let registration: Int
    private var lent: PostgresClient?
    private var claimed: Int64?
    private var lastError: String?
    private var lastSuccess: Date?

    struct Position: Codable, Sendable, Hashable {
        var id: Int64
    }

    /// - Parameters:
    ///   - hub: what the daemon's inbox sources share (the listening connection, the claim connections).
    ///   - pollInterval: how long to wait for the hub's doorbell before looking anyway (a safety net: the hub
    ///     itself looks at every source's rows every ``InboxHub/refreshInterval``).
    public init(name: String, hub: InboxHub, parser: FeedParser, pollInterval: Duration = .seconds(60)) {
        self.name = name
        self.hub = hub
        self.parser = parser
        self.pollInterval = pollInterval
        let doorbell = Doorbell()
        self.doorbell = doorbell
        registration = hub.register(name, doorbell: doorbell)
    }

    /// Claims the next unprocessed row, waiting for the doorbell while there is none.
    public func next() async throws -> SourceDelivery? {
        try await release()
        while !Task.isCancelled {
            let client = try await hub.lease()
            let row: InboxStore.ClaimedRow?
            do {
                let name = self.name
                let limit = parser.options.maximumDocumentBytes
                row = try await client.withConnection { connection in
                    try InboxStore.claim(source: name, maximumDocumentBytes: limit, on: connection)
                }
            } catch {
                await hub.giveBack(client)
                lastError = "\(error)"
                throw error
            }
            if let row {
                lent = client
                claimed = row.id
                lastError = nil
                lastSuccess = Date()
                return try delivery(for: row)
            }
            await hub.giveBack(client)
            await doorbell.wait(timeout: pollInterval)
        }
        return nil
    }

    /// Marks the claimed row processed with its outcome, commits the claim and gives the connection back.
    public func acknowledge(_ delivery: SourceDelivery) async throws {
        guard let id = claimed, let client = lent, delivery.origin == Self.origin(id) else { return }
        let outcome: InboxStore.Outcome = delivery.result.isRejectedEntirely ? .rejected : delivery.result.rejections.isEmpty ? .accepted : .partial
        _ = try await client.withConnection { connection in try InboxStore.markProcessed(id, outcome: outcome, on: connection) }
        claimed = nil
        lent = nil
        await hub.giveBack(client)
    }

    /// Rows of this source not yet processed (claimed ones included) at the hub's last count, and the last failure.
    public func status() async -> SourceStatus {
        SourceStatus(backlog: hub.backlog(of: name), backlogUnit: "rows", lastError: lastError ?? hub.listenerError,
                     lastSuccess: lastSuccess)
    }

    /// Gives up an unacknowledged claim (the row goes back to the inbox) and leaves the hub.
    public func close() async {
        try? await release()
        await hub.unregister(name, token: registration)
    }

    /// Gives up an unacknowledged claim: the row goes back to the inbox, the connection to the hub.
    public func release() async throws {
        guard claimed != nil, let client = lent else { return }
        claimed = nil
        lent = nil
        do {
            try await client.withConnection { connection in try connection.executeScript("ROLLBACK") }
        } catch {
            // No transaction may stay open on a connection given back: a fresh one next time.
            await client.close()
            await hub.giveBack(client)
            throw error
        }
        await hub.giveBack(client)
    }

    private func delivery(for row: InboxStore.ClaimedRow) throws -> SourceDelivery {
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
