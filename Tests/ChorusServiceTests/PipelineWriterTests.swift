@testable import ChorusService
import ChorusCore
import ChorusFeeds
import ChorusStore
import Foundation
import Postgres
import Testing
import TestSupport

/// `PipelineWriter` against a real server: bounded transactions, poison items split out and kept alone.
struct PipelineWriterTests {
    /// Planned events `range` of the harness's shape, drafted by its one rule.
    static func batch(_ harness: DaemonHarness, _ range: Range<Int>, cursor: String? = #"{"at":"end"}"#) throws -> QueueBatch {
        let ruleSet = try RuleSet.load(from: harness.rulesDirectory)
        let parser = FeedParser(options: ParserOptions(kinds: try ruleSet.feedKindMapping(), source: "feed"))
        return DraftingStage(ruleSet: ruleSet).batch(source: "feed", origin: "test", result: parser.parse(DaemonHarness.events(range), format: .jsonl),
                                                     cursor: cursor, now: Date())
    }

    @Test func piecesKeepTheOrderAndPutTheCursorLast() throws {
        let harness = try DaemonHarness()
        var batch = try Self.batch(harness, 0..<10)
        batch.rejections = [RejectedInput(item: "line:11", reason: "bad", raw: nil)]
        let pieces = batch.chunked(maximumPlans: 3)
        #expect(pieces.map(\.events.count) == [3, 3, 3, 1])
        #expect(pieces.map(\.cursor) == [nil, nil, nil, batch.cursor])
        #expect(pieces.flatMap(\.events).map(\.event.id) == batch.events.map(\.event.id))
        #expect(pieces.last?.rejections.count == 1 && pieces.dropLast().allSatisfy(\.rejections.isEmpty))
        let (first, rest) = try #require(batch.halves())
        #expect(first.itemCount + rest.itemCount == 11 && first.cursor == nil && rest.cursor == batch.cursor)
        #expect(QueueBatch(source: "s", events: [batch.events[0]]).halves() == nil)
    }

    /// A news report that a rule holds until corroborated is planned without drafts, piece by piece as in one
    /// batch: the store drafts the report that opens the bundle; drafting every held one was wasted work.
    @Test func heldReportsArePlannedWithoutDraftsInPiecesToo() throws {
        let ruleSet = try RuleSet.load(from: Repository.rules)
        let parser = FeedParser(options: ParserOptions(kinds: try ruleSet.feedKindMapping(), source: "news"))
        let line = #"{"id":"report-1","kind":"terror_attack","countries":["IL"],"place":"Jerusalem","fatalities":4,"origin":"example-news.com","sentAt":"2026-01-08T12:00:00Z","headline":{"en":"Attack in Jerusalem"}}"#
        let result = parser.parse(Data((line + "\n").utf8), format: .jsonl)
        let stage = DraftingStage(ruleSet: ruleSet)
        let whole = stage.batch(source: "news", origin: "o", result: result, cursor: nil, now: Date())
        let pieces = Array(IteratorSequence(stage.batches(source: "news", origin: "o", result: result, cursor: nil, now: Date(), maximumDrafts: 1_000)))
        let planned = try #require(pieces.flatMap(\.events).first)
        let attack = try #require(planned.plans.first { $0.ruleID == "attack" })
        #expect(attack.corroboration != nil && attack.drafts.isEmpty)
        #expect(planned.plans.map(\.drafts.count) == whole.events.flatMap(\.plans).map(\.drafts.count))
    }

    /// Drafting piece by piece gives what drafting the whole delivery gives, no piece over the draft bound.
    @Test func draftingInPiecesPlansEveryEventOnceInOrder() throws {
        let harness = try DaemonHarness()
        let ruleSet = try RuleSet.load(from: harness.rulesDirectory)
        let parser = FeedParser(options: ParserOptions(kinds: try ruleSet.feedKindMapping(), source: "feed"))
        var data = DaemonHarness.events(0..<10)
        data.append(Data("{\"id\":\"broken\"\n".utf8))
        let result = parser.parse(data, format: .jsonl)
        let stage = DraftingStage(ruleSet: ruleSet)
        let whole = stage.batch(source: "feed", origin: "o", result: result, cursor: "c", now: Date())
        let pieces = Array(IteratorSequence(stage.batches(source: "feed", origin: "o", result: result, cursor: "c", now: Date(), maximumDrafts: 3)))
        #expect(pieces.map(\.events.count) == [3, 3, 3, 1])
        #expect(pieces.flatMap(\.events).map(\.event.id) == whole.events.map(\.event.id))
        #expect(pieces.map(\.cursor) == [nil, nil, nil, "c"])
        #expect(pieces.dropLast().allSatisfy(\.rejections.isEmpty) && pieces.last?.rejections.count == 1)
        #expect(pieces.allSatisfy { $0.draftCount <= 3 && $0.planner != nil })
        let empty = Array(IteratorSequence(stage.batches(source: "feed", origin: "o", result: ParseResult(), cursor: "c", now: Date(), maximumDrafts: 3)))
        #expect(empty.count == 1 && empty[0].cursor == "c")
    }

    @Test func aBigBatchGoesInBoundedTransactionsWithTheCursorInTheLast() throws {
        let harness = try DaemonHarness()
        let batch = try Self.batch(harness, 0..<2500)
        let report = try PipelineWriter().write(batch, origin: "test", on: harness.connect())
        #expect(report.transactions == 3)
        #expect(report.summary.eventsRecorded == 2500)
        #expect(try harness.exactlyOnceProblem(count: 2500) == nil)
        #expect(try harness.count("SELECT count(*) FROM chorus.source_cursors WHERE cursor->>'at' = 'end'") == 1)
        // Written again, as after a crash before the last piece: nothing twice.
        let again = try PipelineWriter().write(batch, origin: "test", on: harness.connect())
        #expect(again.summary.eventsRecorded == 0 && again.summary.eventsAlreadyKnown == 2500)
        #expect(try harness.exactlyOnceProblem(count: 2500) == nil)
    }

    /// Values the parsers would refuse, put into a batch by hand as a bug or a new parser might: each is
    /// kept alone as a rejected input with the store's reason; the 997 others are queued, the cursor stored.
    @Test func poisonItemsAreKeptAloneAndTheRestIsQueued() throws {
        let harness = try DaemonHarness()
        var batch = try Self.batch(harness, 0..<1000)
        batch.events[3].event.place = "bad\u{0}place"          // refused before it is sent (unstorableValue)
        batch.events[500].event.headline["en"] = "\u{0}"
        batch.events[999].plans[0].suppression.key = String(repeating: "長", count: 1)
            + (0..<9000).map { String(UnicodeScalar(0x4E00 + ($0 * 7919) % 20_000).map(Character.init) ?? "x") }.joined()
        batch.rejections = [RejectedInput(item: "line:1001\u{0}", reason: "a reason with a NUL \u{0}", raw: Data([0, 1, 2]))]
        let report = try PipelineWriter().write(batch, origin: "feed.jsonl", on: harness.connect())
        #expect(report.summary.eventsRecorded == 997)
        #expect(report.refusedEvents == 3)
        #expect(Set(report.refused.compactMap(\.item)).isSuperset(of: ["feed.jsonl#event:ev-3", "feed.jsonl#event:ev-500", "feed.jsonl#event:ev-999"]))
        #expect(report.refused.count == 4, "\(report.refused.map(\.item))")
        #expect(report.refused.allSatisfy { $0.reason.hasPrefix("could not be queued: ") })
        #expect(try harness.count("SELECT count(*) FROM chorus.rejected_inputs") == 4)
        #expect(try harness.count("SELECT count(*) FROM chorus.events") == 997)
        #expect(try harness.count("SELECT count(*) FROM chorus.source_cursors") == 1)
        #expect(!report.splitBecause.isEmpty)
        // Again: the same rows, not twice.
        _ = try PipelineWriter().write(batch, origin: "feed.jsonl", on: harness.connect())
        #expect(try harness.count("SELECT count(*) FROM chorus.rejected_inputs") == 4)
        #expect(try harness.count("SELECT count(*) FROM chorus.events") == 997)
    }

    @Test func aFailureThatIsNotAboutTheDataIsNotDeadLettered() throws {
        let harness = try DaemonHarness()
        let batch = try Self.batch(harness, 0..<20)
        let connection = try harness.connect()
        try connection.execute("ALTER TABLE chorus.bundle_events RENAME TO bundle_events_gone")
        #expect(throws: PostgresError.self) { try PipelineWriter().write(batch, origin: "test", on: connection) }
        #expect(try harness.count("SELECT count(*) FROM chorus.rejected_inputs") == 0)
        #expect(try harness.count("SELECT count(*) FROM chorus.events") == 0)
    }
}
