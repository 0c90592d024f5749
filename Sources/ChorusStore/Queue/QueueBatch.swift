import ChorusCore
import Foundation

/// What one source delivered since its last cursor, ready to be queued: the events with the bundles their
/// matching rules planned, the items that were rejected, and the cursor after them.
public struct QueueBatch: Sendable {
    /// The source's name (from the configuration, or `ingest`'s `--source`).
    public var source: String
    /// Accepted events, in the order the source delivered them, each with its bundle plans.
    public var events: [PlannedEvent]
    /// Items that could not be parsed.
    public var rejections: [RejectedInput]
    /// The source's cursor after these documents, as JSON; `nil` for sources without one.
    public var cursor: String?
    /// Drafts an event for a rule it did not match, when it updates a bundle of that rule (the rules and the
    /// time the plans were made with); `nil`: such an update keeps the bundle's texts and moves its facts.
    public var planner: RulePlanner?

    public init(source: String, events: [PlannedEvent] = [], rejections: [RejectedInput] = [], cursor: String? = nil,
                planner: RulePlanner? = nil) {
        self.source = source
        self.events = events
        self.rejections = rejections
        self.cursor = cursor
        self.planner = planner
    }
}

/// An accepted event and what the rules planned for it (``BundlePlanner/plans(event:ruleSet:now:)``).
public struct PlannedEvent: Sendable {
    public var event: Event
    public var plans: [BundlePlan]

    public init(event: Event, plans: [BundlePlan]) {
        self.event = event
        self.plans = plans
    }
}

/// A document or item that could not be parsed, kept with its reason and (capped) raw bytes.
public struct RejectedInput: Sendable {
    /// Which item of the document (`FILE#3`, `line 12`), when the document had several.
    public var item: String?
    /// Why it was rejected.
    public var reason: String
    /// Its bytes, when known.
    public var raw: Data?

    public init(item: String?, reason: String, raw: Data?) {
        self.item = item
        self.reason = reason
        self.raw = raw
    }
}

/// What a write did.
public struct QueueWriteSummary: Sendable, Equatable {
    /// Events stored for the first time.
    public var eventsRecorded = 0
    /// Events that were already stored (a document read again after a crash): nothing was done for them.
    public var eventsAlreadyKnown = 0
    /// Bundles opened.
    public var bundlesOpened: [Int] = []
    /// Every bundle opened or changed, for the reviewers' notification.
    public var bundlesTouched: Set<Int> = []
    /// Drafts queued.
    public var draftsCreated = 0
    /// Pending drafts replaced by an update's new text.
    public var draftsSuperseded = 0
    /// Pending drafts withdrawn by a cancel.
    public var draftsWithdrawn = 0
    /// Drafts flagged for reviewers: pending ones whose facts changed under them, released ones whose event
    /// was updated or cancelled after they went out.
    public var draftsFlagged = 0
    /// Approved drafts sent back to review because the facts changed after their approval.
    public var draftsReturnedToReview = 0
    /// What each event did to the bundles it belongs to, in the order written.
    public var correlations: [Correlated] = []
    /// Reports held with their incident until it is corroborated (rules with `corroboration`).
    public var reportsHeld = 0
    /// The held incidents that gained a report and are still held.
    public var incidentsHeld: Set<Int> = []
    /// Bundles opened because their incident was corroborated (also in ``bundlesOpened``).
    public var bundlesCorroborated: [Int] = []
    /// Rejected inputs stored.
    public var rejectionsRecorded = 0
    /// Rejected inputs that were already stored (the same document read again): not stored twice.
    public var rejectionsAlreadyKnown = 0

    public init() {}
}

/// What one event did to one existing bundle.
public struct Correlated: Sendable, Equatable {
    /// The event's feed id.
    public var eventID: String
    public var bundle: Int
    public var relation: EventRelation
    /// The facts it changed.
    public var changes: [FactChange]
    /// Drafts withdrawn, superseded, returned to review, flagged and created.
    public var withdrawn = 0
    public var superseded = 0
    public var returned = 0
    public var flagged = 0
    public var created = 0

    public init(eventID: String, bundle: Int, relation: EventRelation, changes: [FactChange]) {
        self.eventID = eventID
        self.bundle = bundle
        self.relation = relation
        self.changes = changes
    }
}
