import ChorusCore
import Foundation
import Testing
import TestSupport
@testable import ChorusFeeds

@Suite struct SpoolSourceTests {
    final class Spool: @unchecked Sendable {
        let directory: URL
        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-spool-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        func put(_ name: String, _ data: Data) throws { try data.write(to: directory.appendingPathComponent(name)) }
        func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: directory.appendingPathComponent(path).path) }
        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    static func next(_ source: SpoolSource) async throws -> SourceDelivery {
        try #require(try await withTimeout(120) { try await source.next() })
    }

    @Test func nameOrderAndMovesOnlyAfterAcknowledgement() async throws {
        let spool = try Spool()
        try spool.put("20240101-b-broken.xml", Data("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>".utf8))
        try spool.put("20240101-a.xml", try Fixtures.data("cap12_spec_A3_earthquake_update_references_circle.xml"))
        try spool.put("20240101-c.jsonl", try Fixtures.data("events.jsonl"))
        try spool.put(".20240101-d.jsonl.tmp", Data("{\"id\":\"half".utf8))
        let source = try SpoolSource(name: "spool", directory: spool.directory, parser: try Fixtures.parser(),
                                     pollInterval: .milliseconds(50))

        let first = try await Self.next(source)
        #expect(first.origin == "20240101-a.xml")
        #expect(first.result.events.map(\.id) == ["TRI13970876.2"])
        #expect(spool.exists("20240101-a.xml"))  // not before the consumer's commit
        try await source.acknowledge(first)
        #expect(spool.exists("processed/20240101-a.xml"))
        #expect(!spool.exists("20240101-a.xml"))
        #expect(await source.status().backlog == 2)  // b and c; the .tmp file is not a document yet

        let second = try await Self.next(source)
        #expect(second.origin == "20240101-b-broken.xml")
        #expect(second.result.events.isEmpty)
        #expect(second.result.isRejectedEntirely, "\(second.result.rejections)")
        try await source.acknowledge(second)
        #expect(spool.exists("failed/20240101-b-broken.xml"))

        // Partly rejected is still processed: the rejected line goes to the rejected-input table.
        let third = try await Self.next(source)
        #expect(third.origin == "20240101-c.jsonl")
        #expect(third.result.events.count == 2 && third.result.rejections.count == 1)
        try await source.acknowledge(third)
        #expect(spool.exists("processed/20240101-c.jsonl"))
        #expect(spool.exists(".20240101-d.jsonl.tmp"))

        // A file renamed into place later wakes the source.
        let waiting = Task { try await source.next() }
        try await Task.sleep(for: .milliseconds(100))
        try spool.put("20240102-e.json", try Fixtures.data("SYNTHETIC_usgs_fixture_null_mag_3features.json"))
        let fourth = try #require(try await withTimeout(120) { try await waiting.value })
        #expect(fourth.origin == "20240102-e.json")
        #expect(fourth.result.isRejectedEntirely)
        await source.close()
    }

    @Test func crashBetweenCommitAndMoveIsFinishedOnRestart() async throws {
        let spool = try Spool()
        try spool.put("1.xml", try Fixtures.data("cap12_spec_A1_homeland_security_advisory.xml"))
        try spool.put("2.xml", try Fixtures.data("cap12_spec_A2_severe_thunderstorm_polygon.xml"))
        let source = try SpoolSource(name: "spool", directory: spool.directory, parser: try Fixtures.parser())
        let first = try await Self.next(source)
        #expect(first.origin == "1.xml")
        // The transaction committed first.cursor, then the process died before acknowledging.
        await source.close()

        let restarted = try SpoolSource(name: "spool", directory: spool.directory, parser: try Fixtures.parser(),
                                        cursor: first.cursor)
        let next = try await Self.next(restarted)
        #expect(next.origin == "2.xml")  // 1.xml is not delivered twice…
        #expect(spool.exists("processed/1.xml"))  // …it was moved on start-up
        try await restarted.acknowledge(next)
        #expect(spool.exists("processed/2.xml"))
        await restarted.close()
    }

    @Test func oversizedFileIsRejectedUnread() async throws {
        let spool = try Spool()
        try spool.put("big.jsonl", Data(repeating: 0x20, count: 5000))
        let options = ParserOptions(kinds: try Fixtures.kinds(), maximumDocumentBytes: 1000)
        let source = try SpoolSource(name: "spool", directory: spool.directory, parser: FeedParser(options: options))
        let delivery = try await Self.next(source)
        #expect(delivery.result.rejections == [Rejection(reason: "the document is 5000 bytes, more than the limit of 1000")])
        try await source.acknowledge(delivery)
        #expect(spool.exists("failed/big.jsonl"))
        await source.close()
    }
}
