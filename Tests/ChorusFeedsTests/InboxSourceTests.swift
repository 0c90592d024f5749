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

    @Test func claimsAcknowledgesAndSkipsLockedRows() async throws {
        let conninfo = try Self.makeInbox()
        let cap = String(decoding: try Fixtures.data("cap12_spec_A3_earthquake_update_references_circle.xml"), as: UTF8.self)
        try Self.insert(conninfo, source: "desk", format: "auto", document: cap)
        try Self.insert(conninfo, source: "other", format: "jsonl", document: "{\"id\":\"not-mine\"}")
        try Self.insert(conninfo, source: "desk", format: "jsonl", document: "{\"id\":\"second\"}\n{\"id\":\"x\",\"kind\":\"nope\"}")

        let first = InboxSource(name: "desk", client: PostgresClient(conninfo: conninfo, label: "inbox-a"),
                                parser: try Fixtures.parser(), pollInterval: .milliseconds(200))
        let second = InboxSource(name: "desk", client: PostgresClient(conninfo: conninfo, label: "inbox-b"),
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
        #expect(await first.status().backlog == 0)
    }

    @Test func unacknowledgedClaimGoesBackAndNotifyWakes() async throws {
        let conninfo = try Self.makeInbox()
        try Self.insert(conninfo, source: "desk", format: "jsonl", document: "{\"id\":\"retry-me\"}")
        let source = InboxSource(name: "desk", client: PostgresClient(conninfo: conninfo, label: "inbox-c"),
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
    }

    @Test func oversizedDocumentIsRejectedUnfetched() async throws {
        let conninfo = try Self.makeInbox()
        try Self.insert(conninfo, source: "desk", format: "auto", document: String(repeating: "{", count: 5000))
        let options = ParserOptions(kinds: try Fixtures.kinds(), maximumDocumentBytes: 1000)
        let source = InboxSource(name: "desk", client: PostgresClient(conninfo: conninfo, label: "inbox-d"),
                                 parser: FeedParser(options: options))
        let delivery = try #require(try await withTimeout(120) { try await source.next() })
        #expect(delivery.document.isEmpty)
        #expect(delivery.result.rejections == [Rejection(reason: "the document is 5000 bytes, more than the limit of 1000")])
        try await source.acknowledge(delivery)
        #expect(try Self.outcomes(conninfo) == ["1:rejected"])
    }
}
