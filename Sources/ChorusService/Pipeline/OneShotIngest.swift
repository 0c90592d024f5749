import ChorusCore
import ChorusFeeds
import ChorusStore
import Foundation
import Postgres

/// `chorus ingest FILE…` without `--dry-run`: the daemon's pipeline run once — parse, draft, and write each
/// document through ``PipelineWriter`` (bounded transactions; an item the store refuses kept as a rejected
/// input, the rest queued) — then done.
///
/// Idempotent like the daemon: ingesting the same file again finds its events already stored (same
/// source, id and version) and drafts nothing. There is no cursor: a one-shot ingest reads whole documents,
/// and one that stopped half-way is simply run again. A statement cancelled or timed out even for a single
/// item is retried a few times before the failure is reported.
public struct OneShotIngest: Sendable {
    /// One document read from a file or standard input, already parsed.
    public struct Document: Sendable {
        /// The name rejections are filed under (the file's path as given, `-` for standard input).
        public var origin: String
        public var data: Data
        public var result: ParseResult

        public init(origin: String, data: Data, result: ParseResult) {
            self.origin = origin
            self.data = data
            self.result = result
        }
    }

    /// The source name the events are recorded under.
    public let source: String
    public let ruleSet: RuleSet

    public init(source: String, ruleSet: RuleSet) {
        self.source = source
        self.ruleSet = ruleSet
    }

    /// Drafts `documents` and writes them, one document after the other.
    /// - Throws: a connection failure, a failure that is not about the data, or a transient one that outlasted
    ///   the retries.
    public func run(_ documents: [Document], on connection: Connection, now: Date = Date()) throws -> PipelineWriter.Report {
        let stage = DraftingStage(ruleSet: ruleSet)
        var report = PipelineWriter.Report()
        for document in documents {
            // Drafted piece by piece, as the daemon does, so that a document's drafts are never all in memory.
            let pieces = stage.batches(source: source, origin: document.origin, result: document.result, raw: document.data,
                                       cursor: nil, now: now, maximumDrafts: PipelineWriter.maximumDraftsPerTransaction)
            while let batch = pieces.next() {
                var attempt = 0
                while true {
                    do {
                        report.add(try PipelineWriter().write(batch, origin: document.origin, on: connection))
                        break
                    } catch let error as PostgresError where error.isTransient && !error.isConnectionFailure && attempt < 5 {
                        attempt += 1
                        Thread.sleep(forTimeInterval: 0.1 * Double(1 << attempt))
                    }
                }
            }
        }
        return report
    }
}
