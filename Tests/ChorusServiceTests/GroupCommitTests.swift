@testable import ChorusService
import ChorusCore
import ChorusFeeds
import ChorusStore
import Foundation
import Postgres
import Testing
import TestSupport

/// Group commit, in-process against a real server: idle batches commit alone, concurrent ones share
/// transactions within the limits, and each caller learns when its own batch is committed.
struct GroupCommitTests {
    func batches(_ harness: DaemonHarness, count: Int, eventsEach: Int) throws -> [QueueBatch] {
        let ruleSet = try RuleSet.load(from: harness.rulesDirectory)
        let kinds = try KindMapping.load(from: harness.rulesDirectory.appendingPathComponent("kinds.json5"))
        let parser = FeedParser(options: ParserOptions(kinds: kinds, source: "bench"))
        let stage = DraftingStage(ruleSet: ruleSet)
        return (0..<count).map { index in
            let data = DaemonHarness.events(index * eventsEach..<(index + 1) * eventsEach)
            return stage.batch(source: "bench", origin: "batch-\(index)", result: parser.parse(data, format: .jsonl),
                               cursor: #"{"batch":\#(index)}"#, now: Date())
        }
    }

    @Test func idleBatchesCommitAloneAndBusyOnesShareTransactions() async throws {
        let harness = try DaemonHarness()
        let state = DaemonState()
        let committer = GroupCommitter(client: PostgresClient(conninfo: harness.conninfo, label: "test-writer"),
                                       limits: BatchConfiguration(maximumEvents: 50, maximumDelay: .zero),
                                       daemonState: state, logger: Logger(sink: .capture()))
        let runner = Task { try await committer.run() }
        defer { runner.cancel() }
        let work = try batches(harness, count: 41, eventsEach: 5)

        // Idle: one after the other, each its own transaction.
        for batch in work.prefix(3) { _ = try await committer.commit(batch) }
        #expect(state.totals.transactions == 3)

        // Busy: 38 batches at once share transactions of at most 50 events (10 batches).
        try await withThrowingTaskGroup(of: Void.self) { group in
            for batch in work.dropFirst(3) {
                group.addTask { _ = try await committer.commit(batch) }
            }
            try await group.waitForAll()
        }
        let busyTransactions = state.totals.transactions - 3
        #expect(busyTransactions >= 4 && busyTransactions < 38, "\(busyTransactions) transactions for 38 batches")
        #expect(state.totals.events == 41 * 5)
        #expect(try harness.exactlyOnceProblem(count: 41 * 5) == nil)
        // The cursor is the last batch's of the source, written in the same transaction as its events.
        let cursor = try harness.connect().query("SELECT cursor->>'batch' AS b FROM chorus.source_cursors WHERE source = 'bench'")
            .first?.decode("b", as: String.self)
        #expect(cursor != nil)
        runner.cancel()
        try await runner.value
        // After a stop, nothing is accepted.
        await #expect(throws: CancellationError.self) { _ = try await committer.commit(work[0]) }
    }
}
