import ChorusCore
import ChorusFeeds
import ChorusStore
import Foundation
import Postgres

/// `chorus ingest FILE…` without `--dry-run`: the daemon's pipeline run once — parse, draft, and one
/// ``QueueWriter`` transaction for all the documents — then done.
///
/// Idempotent like the daemon: ingesting the same file again finds its events already stored (same
/// source, id and version) and drafts nothing. There is no cursor: a one-shot ingest reads whole documents.
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

    /// Drafts `documents` and writes everything in one transaction.
    public func run(_ documents: [Document], on connection: Connection, now: Date = Date()) throws -> QueueWriteSummary {
        let stage = DraftingStage(ruleSet: ruleSet)
        let batches = documents.map { document in
            stage.batch(source: source, origin: document.origin, result: document.result, raw: document.data, cursor: nil, now: now)
        }
        return try QueueWriter().write(batches, on: connection)
    }
}
