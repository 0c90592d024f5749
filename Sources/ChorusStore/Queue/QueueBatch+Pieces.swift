import Foundation

/// Cutting a batch into pieces that are written in several transactions, in order, the source's cursor
/// with the last piece only: a crash between two pieces leaves the cursor before the whole delivery, so the
/// source delivers it again and the pieces already written are found by their unique keys — nothing lost,
/// nothing twice.
extension QueueBatch {
    /// Events and rejected inputs: what can be cut apart.
    public var itemCount: Int { events.count + rejections.count }

    /// How many bundle plans the batch holds; writing each takes two transaction-level advisory locks.
    public var planCount: Int { events.reduce(0) { $0 + $1.plans.count } }

    /// How many drafts its plans hold: what a transaction's statements carry, and so its memory.
    public var draftCount: Int { events.reduce(0) { $0 + $1.plans.reduce(0) { $0 + $1.drafts.count } } }

    /// Consecutive pieces whose events hold at most `maximumPlans` plans and `maximumDrafts` drafts
    /// together (an event with more goes alone); the rejected inputs and the cursor go with the last piece.
    public func chunked(maximumPlans: Int, maximumDrafts: Int = .max) -> [QueueBatch] {
        guard planCount > maximumPlans || draftCount > maximumDrafts else { return [self] }
        var pieces: [QueueBatch] = []
        var current: [PlannedEvent] = []
        var plans = 0
        var drafts = 0
        for event in events {
            let eventDrafts = event.plans.reduce(0) { $0 + $1.drafts.count }
            if !current.isEmpty, plans + event.plans.count > maximumPlans || drafts + eventDrafts > maximumDrafts {
                pieces.append(piece(events: current))
                current = []
                plans = 0
                drafts = 0
            }
            current.append(event)
            plans += event.plans.count
            drafts += eventDrafts
        }
        pieces.append(piece(events: current, rejections: rejections, cursor: cursor))
        return pieces
    }

    /// The first half of the items and the rest, in order, the cursor with the rest; `nil` for one item.
    public func halves() -> (first: QueueBatch, rest: QueueBatch)? {
        guard itemCount > 1 else { return nil }
        let middle = itemCount / 2
        if middle <= events.count {
            return (piece(events: Array(events[..<middle])),
                    piece(events: Array(events[middle...]), rejections: rejections, cursor: cursor))
        }
        let split = middle - events.count
        return (piece(events: events, rejections: Array(rejections[..<split])),
                piece(rejections: Array(rejections[split...]), cursor: cursor))
    }

    /// This batch with other items: the same source and everything else it carries (its planner).
    public func piece(events: [PlannedEvent] = [], rejections: [RejectedInput] = [], cursor: String? = nil) -> QueueBatch {
        var piece = self
        piece.events = events
        piece.rejections = rejections
        piece.cursor = cursor
        return piece
    }
}

extension QueueWriteSummary {
    /// Adds what another transaction did: the summary of a batch written in pieces.
    public mutating func add(_ other: QueueWriteSummary) {
        eventsRecorded += other.eventsRecorded
        eventsAlreadyKnown += other.eventsAlreadyKnown
        bundlesOpened += other.bundlesOpened
        bundlesTouched.formUnion(other.bundlesTouched)
        draftsCreated += other.draftsCreated
        draftsSuperseded += other.draftsSuperseded
        draftsWithdrawn += other.draftsWithdrawn
        draftsFlagged += other.draftsFlagged
        draftsReturnedToReview += other.draftsReturnedToReview
        correlations += other.correlations
        reportsHeld += other.reportsHeld
        incidentsHeld.formUnion(other.incidentsHeld)
        bundlesCorroborated += other.bundlesCorroborated
        rejectionsRecorded += other.rejectionsRecorded
        rejectionsAlreadyKnown += other.rejectionsAlreadyKnown
    }
}
