import ChorusCore
import ChorusStore
import Foundation
import Postgres
import Testing
import TestSupport
@testable import ChorusFeeds

/// The inbox source against a throwaway PostgreSQL (TestSupport starts it; no silent skip).
@Suite struct InboxSourceTests {
    /// A database with the real schema (the inbox of migration 1: the table, its index, the NOTIFY trigger).
    static func makeInbox() throws -> String {
        let conninfo = try TestPostgres.makeDatabase()
        let connection = try Connection(conninfo)
        defer { connection.close() }
        try Migrator().migrate(connection)
        return conninfo
    }

    static func insert(_ conninfo: String, source: String, format: String, document: String) throws {
        let connection = try Connection(conninfo)
        defer { connection.close() }
        try connection.execute("INSERT INTO chorus.inbox (source, format, document) VALUES (\(source), \(format), \(document))")
    }

    static func outcomes(_ conninfo: String) throws -> [String] {
        let connection = try Connection(conninfo)
        defer { connection.close() }
        return try connection.query("SELECT id, coalesce(outcome, '-') AS outcome FROM chorus.inbox ORDER BY id").rows
            .map { "\(try $0.decode("id", as: Int.self)):\(try $0.decode("outcome", as: String.self))" }
    }

    /// Waits until `condition` holds or `timeout` seconds pass; whether it held.
    static func eventually(timeout: TimeInterval, _ condition: () async throws -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? await condition()) == true { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return (try? await condition()) == true
    }

    /// Client connections of the database other than `except`'s (an autovacuum worker has a database too).
    static func connections(_ conninfo: String, except connection: Connection) throws -> Int {
        try connection.query("""
            SELECT count(*)::int8 AS n FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
            """).first?.decode("n", as: Int.self) ?? -1
    }

    /// Two hundred inbox sources of one daemon share one hub with two claim connections: every row is
    /// delivered once to its own source and acknowledged, and the database never sees more than the
    /// listening connection and the two for claims — however many sources wait.
    @Test func manySourcesShareOneListenerAndABoundedNumberOfClaimConnections() async throws {
        let conninfo = try Self.makeInbox()
        let hub = InboxHub(conninfo: conninfo, maximumClaims: 2)
        let parser = try Fixtures.parser()
        let names = (0..<200).map { "desk-\($0)" }
        let sources = names.map { InboxSource(name: $0, hub: hub, parser: parser, pollInterval: .seconds(3600)) }
        let observer = try Connection(conninfo)
        defer { observer.close() }
        nonisolated(unsafe) let observing = observer  // used by the task below alone, while this test waits
        let (delivered, peak) = try await withTimeout(180) {
            try await withThrowingTaskGroup(of: [String].self) { group in
                for source in sources {
                    group.addTask {
                        var ids: [String] = []
                        for _ in 0..<2 {
                            guard let delivery = try await source.next() else { break }
                            ids += delivery.result.events.map(\.id)
                            try await source.acknowledge(delivery)
                        }
                        return ids
                    }
                }
                // The sources are waiting (idle ones hold no connection); now the rows arrive, two a source.
                try await Task.sleep(for: .milliseconds(500))
                let writer = try Connection(conninfo)
                defer { writer.close() }
                for round in 0..<2 {
                    for name in names {
                        let document = "{\"id\":\"\(name)-\(round)\"}"
                        try writer.execute("INSERT INTO chorus.inbox (source, format, document) VALUES (\(name), 'jsonl', \(document))")
                    }
                }
                var all: [String] = []
                var peak = 0
                for try await ids in group {
                    all += ids
                    peak = max(peak, try Self.connections(conninfo, except: observing) - 1)  // the writer
                }
                return (all, peak)
            }
        }
        #expect(delivered.count == 400)
        #expect(Set(delivered).count == 400)
        #expect(try Self.outcomes(conninfo).allSatisfy { $0.hasSuffix(":accepted") })
        #expect(peak <= 3, "listener + 2 claim connections, saw \(peak)")
        #expect(hub.claimConnections <= 2)
        for source in sources { await source.close() }
        #expect(hub.claimConnections == 0)
        // The listener leaves with the last source.
        #expect(await Self.eventually(timeout: 30) { try Self.connections(conninfo, except: observer) == 0 })
    }

    @Test func claimsAcknowledgesAndSkipsLockedRows() async throws {
        let conninfo = try Self.makeInbox()
        let cap = String(decoding: try Fixtures.data("cap12_spec_A3_earthquake_update_references_circle.xml"), as: UTF8.self)
        try Self.insert(conninfo, source: "desk", format: "auto", document: cap)
        try Self.insert(conninfo, source: "other", format: "jsonl", document: "{\"id\":\"not-mine\"}")
        try Self.insert(conninfo, source: "desk", format: "jsonl", document: "{\"id\":\"second\"}\n{\"id\":\"x\",\"kind\":\"nope\"}")

        // Two instances: a hub each.
        let first = InboxSource(name: "desk", hub: InboxHub(conninfo: conninfo, maximumClaims: 1),
                                parser: try Fixtures.parser(), pollInterval: .milliseconds(200))
        let second = InboxSource(name: "desk", hub: InboxHub(conninfo: conninfo, maximumClaims: 1),
                                 parser: try Fixtures.parser(), pollInterval: .milliseconds(200))

        let one = try #require(try await withTimeout(120) { try await first.next() })
        #expect(one.origin == "inbox:1")
        #expect(one.result.events.map(\.id) == ["TRI13970876.2"])
        #expect(one.cursor.json == "{\"id\":1}")
        // Row 1 is claimed by `first`: the other instance skips it and takes row 3.
        let three = try #require(try await withTimeout(120) { try await second.next() })
        #expect(three.origin == "inbox:3")
        #expect(three.result.events.map(\.id) == ["second"])
        #expect(three.result.rejections.count == 1)

        try await first.acknowledge(one)
        try await second.acknowledge(three)
        #expect(try Self.outcomes(conninfo) == ["1:accepted", "2:-", "3:partial"])
        // Counted by the hub's listener: nothing left for "desk".
        #expect(await Self.eventually(timeout: 30) { await first.status().backlog == 0 })
        await first.close()
        await second.close()
    }

    @Test func unacknowledgedClaimGoesBackAndNotifyWakes() async throws {
        let conninfo = try Self.makeInbox()
        try Self.insert(conninfo, source: "desk", format: "jsonl", document: "{\"id\":\"retry-me\"}")
        let source = InboxSource(name: "desk", hub: InboxHub(conninfo: conninfo, maximumClaims: 1),
                                 parser: try Fixtures.parser(), pollInterval: .seconds(3600))

        let once = try #require(try await withTimeout(120) { try await source.next() })
        #expect(once.origin == "inbox:1")
        // The consumer failed and asks again: the claim is released and the row delivered anew.
        let again = try #require(try await withTimeout(120) { try await source.next() })
        #expect(again.origin == "inbox:1")
        try await source.acknowledge(again)

        // Nothing left: the source waits for the trigger's NOTIFY (the poll interval is an hour).
        let waiting = Task { try await source.next() }
        try await Task.sleep(for: .milliseconds(300))
        try Self.insert(conninfo, source: "desk", format: "auto", document: "{\"id\":\"woken\"}")
        let woken = try #require(try await withTimeout(120) { try await waiting.value })
        #expect(woken.result.events.map(\.id) == ["woken"])
        try await source.acknowledge(woken)
        #expect(try Self.outcomes(conninfo) == ["1:accepted", "2:accepted"])
        await source.close()
    }

    @Test func oversizedDocumentIsRejectedUnfetched() async throws {
        let conninfo = try Self.makeInbox()
        try Self.insert(conninfo, source: "desk", format: "auto", document: String(repeating: "{", count: 5000))
        let options = ParserOptions(kinds: try Fixtures.kinds(), maximumDocumentBytes: 1000)
        let source = InboxSource(name: "desk", hub: InboxHub(conninfo: conninfo, maximumClaims: 1), parser: FeedParser(options: options))

        let delivery = try #require(try await withTimeout(120) { try await source.next() })
        #expect(delivery.document.isEmpty)
        #expect(delivery.result.rejections == [Rejection(reason: "the document is 5000 bytes, more than the limit of 1000")])
        try await source.acknowledge(delivery)
        #expect(try Self.outcomes(conninfo) == ["1:rejected"])
        await source.close()
    }
}
