import ChorusCore
import ChorusFeeds
import ChorusStore
import Foundation

/// Steps 3 to 5 of the pipeline (PRODUCT.md §2) for one source's documents: match every accepted event
/// against the rule set and plan its bundles; keep the rejections. The result is the ``QueueBatch`` that
/// ``QueueWriter`` stores in one transaction with the source's cursor.
///
/// Pure and cheap: no I/O, so the daemon, `chorus ingest` and `chorus drill` all draft the same way.
public struct DraftingStage: Sendable {
    /// The rules, participants and landmarks drafting uses; its version is recorded on every draft.
    public let ruleSet: RuleSet

    public init(ruleSet: RuleSet) {
        self.ruleSet = ruleSet
    }

    /// The batch for what `source` delivered: `result`'s events with their plans as of `now`, its
    /// rejections (named after `origin`, e.g. the file), and the cursor after it.
    public func batch(source: String, origin: String, result: ParseResult, raw: Data? = nil, cursor: String?, now: Date) -> QueueBatch {
        QueueBatch(
            source: source,
            events: result.events.map { event in
                PlannedEvent(event: event, plans: BundlePlanner.plans(event: event, ruleSet: ruleSet, now: now, feed: source))
            },
            rejections: rejections(of: result, origin: origin, raw: raw),
            cursor: cursor,
            planner: RulePlanner(ruleSet: ruleSet, now: now))
    }

    /// ``batch(source:origin:result:raw:cursor:now:)`` planned piece by piece as it is iterated, so that a
    /// delivery's drafts are never all in memory at once: each piece holds events whose plans make at most
    /// `maximumDrafts` drafts together (an event with more goes alone); the last piece carries the
    /// rejections and the cursor. Written in order, the pieces store exactly what the whole batch would.
    public func batches(source: String, origin: String, result: ParseResult, raw: Data? = nil, cursor: String?, now: Date,
                        maximumDrafts: Int) -> AnyIterator<QueueBatch> {
        let whole = QueueBatch(source: source, rejections: rejections(of: result, origin: origin, raw: raw), cursor: cursor,
                               planner: RulePlanner(ruleSet: ruleSet, now: now))
        let ruleSet = self.ruleSet
        var index = 0
        var carried: (event: PlannedEvent, drafts: Int)?
        var finished = false
        return AnyIterator {
            guard !finished else { return nil }
            var events: [PlannedEvent] = []
            var drafts = 0
            while carried != nil || index < result.events.count {
                let next: (event: PlannedEvent, drafts: Int)
                if let waiting = carried {
                    next = waiting
                    carried = nil
                } else {
                    let planned = PlannedEvent(event: result.events[index],
                                               plans: BundlePlanner.plans(event: result.events[index], ruleSet: ruleSet, now: now, feed: source))
                    index += 1
                    next = (planned, planned.plans.reduce(0) { $0 + $1.drafts.count })
                }
                if !events.isEmpty, drafts + next.drafts > maximumDrafts {
                    carried = next
                    return whole.piece(events: events)
                }
                events.append(next.event)
                drafts += next.drafts
            }
            finished = true
            return whole.piece(events: events, rejections: whole.rejections, cursor: whole.cursor)
        }
    }

    /// A result's rejections as the queue keeps them, named after `origin`.
    func rejections(of result: ParseResult, origin: String, raw: Data?) -> [RejectedInput] {
        result.rejections.map { rejection in
            RejectedInput(item: Self.storable(rejection.item.map { "\(origin)#\($0)" } ?? origin),
                          reason: Self.storable(rejection.reason),
                          raw: rejection.raw ?? (result.isRejectedEntirely ? raw : nil))
        }
    }

    /// A rejection's name or reason as PostgreSQL can store it: a NUL (from a file name, an item's own
    /// identifier) written as `\u{0}`, so that the rejection is kept rather than refused with its delivery.
    static func storable(_ text: String) -> String {
        text.utf8.contains(0) ? text.replacingOccurrences(of: "\u{0}", with: "\\u{0}") : text
    }
}
