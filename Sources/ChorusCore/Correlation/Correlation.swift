import Foundation

/// Step 4 of the pipeline (PRODUCT.md §2): what a new event does to a bundle it belongs to. Pure — no
/// database, no clock — so that every case is tested without a server; ``QueueWriter`` (ChorusStore) finds
/// the bundles, calls ``decide(event:feed:link:plan:bundle:)`` for each and persists the decision as it is.
///
/// The rules, in short:
/// - An event that references a message drafted into the bundle, or names its incident, is an **update**
///   or a **cancel** of it whatever its own fields say (a cancel carries no casualty figures and would
///   match no rule on its own). An alert from the feed that opened the bundle, for the same incident, is
///   that feed revising it (a new USGS version, a new GDACS episode): an update too. An update older than
///   the facts the bundle stands on (a feed delivering out of order) is kept as a report.
/// - Any other event that reaches the bundle — another feed's report of the incident, or an event folded
///   in by the rule's suppression key — is a **report**: kept with the bundle, changing nothing. A cancel
///   that reaches a bundle by the suppression key alone is about another incident and is **unrelated**.
/// - A cancel withdraws every unreleased draft and the pending gestures; a released draft cannot be
///   recalled, so it is flagged for the reviewers (a correction is theirs to write).
/// - An update redrafts: a draft nobody edited whose text the new facts change is superseded by the
///   redraft — pending or approved alike, so a changed text is always approved again. A draft whose text
///   stays (the same words, or a reviewer's own edit, which is never overwritten) but whose facts changed
///   stands on the new facts from now on: pending, it stays pending and is flagged; approved, it goes back
///   to review and is not released until approved again. A released draft is flagged. A slot the bundle
///   never had is drafted; a slot whose draft was rejected, withdrawn or expired stays as the reviewers or
///   the event left it.
public enum Correlation {
    /// Decides what `event` does to `bundle`.
    ///
    /// - Parameters:
    ///   - event: the new event.
    ///   - feed: the feed (source name) that delivered it.
    ///   - link: how the store found the bundle for it.
    ///   - plan: the event's plan for the bundle's rule — the rule matched, or was asked to draft because
    ///     the event refers to the bundle; `nil` when there is none (a cancel, or a rule no longer loaded).
    ///   - bundle: the bundle as it is now.
    public static func decide(event: Event, feed: String, link: CorrelationLink, plan: BundlePlan?,
                              bundle: CorrelatedBundle) -> CorrelationDecision {
        let relation = relation(of: event, feed: feed, link: link, to: bundle)
        switch relation {
        case .unrelated, .report:
            return CorrelationDecision(relation: relation, changes: [], drafts: [], actionItems: .keep,
                                       reason: "event \(event.id) reported the incident", bundleFlag: nil)
        case .cancel:
            return cancel(event: event, bundle: bundle)
        case .update:
            return update(event: event, plan: plan, bundle: bundle)
        }
    }

    /// The facts an update states about the incident of `current` (the event its bundle stands on): what the
    /// update gives replaces the old value; what it leaves out keeps it — a duty officer revising the toll
    /// does not repeat the date, the place or the kind, and the drafts must not lose them. "Left out" is: no
    /// `occurredAt`, `name`, `place`, `location`, `alertLevel`, `magnitude`, `fatalities`, `injured`, `link`; no
    /// countries, actors, headline or description; kind `other`; severity or certainty `unknown`. A fact
    /// tag (``EventFact``) replaces the same fact's old values; `fatalities:minimum` and `injured:minimum`
    /// follow their figure (a figure restated without it is exact); other tags are added. The update keeps
    /// its own identity (id, source, msgType, references, incident, sentAt, origin, status).
    ///
    /// The one place this is decided: the store (``RulePlanner``) and `chorus rules test` both plan updates
    /// from it. A cancel is returned as it is.
    public static func merged(_ update: Event, over current: Event) -> Event {
        guard update.msgType == .update else { return update }
        var event = update
        if event.kind == "other" { event.kind = current.kind }
        if event.countries.isEmpty { event.countries = current.countries }
        if event.actors.isEmpty { event.actors = current.actors }
        if event.occurredAt == nil { event.occurredAt = current.occurredAt }
        if event.name == nil { event.name = current.name }
        if event.place == nil { event.place = current.place }
        if event.location == nil { event.location = current.location }
        if event.severity == .unknown { event.severity = current.severity }
        if event.certainty == .unknown { event.certainty = current.certainty }
        if event.alertLevel == nil { event.alertLevel = current.alertLevel }
        if event.magnitude == nil { event.magnitude = current.magnitude }
        if event.headline.isEmpty { event.headline = current.headline }
        if event.description.isEmpty { event.description = current.description }
        if event.link == nil { event.link = current.link }
        // Tags: the update's facts replace the same facts' old values; a figure's qualifier goes with the figure.
        let updatesFacts = Set(update.tags.compactMap { EventFact.parse($0)?.0 })
        var kept: [String] = []
        for tag in current.tags where !update.tags.contains(tag) {
            if let (fact, _) = EventFact.parse(tag), updatesFacts.contains(fact) { continue }
            if tag == "fatalities:minimum", update.fatalities != nil { continue }
            if tag == "injured:minimum", update.injured != nil { continue }
            kept.append(tag)
        }
        if event.fatalities == nil { event.fatalities = current.fatalities }
        if event.injured == nil { event.injured = current.injured }
        event.tags = kept + update.tags
        return event
    }

    /// What `event` is to `bundle`, found through `link`.
    public static func relation(of event: Event, feed: String, link: CorrelationLink, to bundle: CorrelatedBundle) -> EventRelation {
        let relation: EventRelation
        switch (link, event.msgType) {
        case (.suppression, .cancel):
            return .unrelated
        case (.suppression, _):
            return .report
        case (_, .cancel):
            return .cancel
        case (.reference, _), (.incident, .update):
            relation = .update
        case (.incident, .alert):
            let revision = feed == bundle.currentFeed && BundlePlanner.incidentKey(of: event) == bundle.incidentKey
            relation = revision ? .update : .report
        }
        if let sent = event.sentAt, let current = bundle.current.sentAt, sent < current { return .report }
        return relation
    }

    private static func cancel(event: Event, bundle: CorrelatedBundle) -> CorrelationDecision {
        let reason = "event \(event.id) cancelled the incident"
        var decisions: [DraftDecision] = []
        var touchesReviewed = false
        for draft in bundle.liveDrafts {
            if draft.state == .released {
                decisions.append(.flag(draft.id))
                touchesReviewed = true
            } else {
                decisions.append(.withdraw(draft.id))
                touchesReviewed = touchesReviewed || draft.state == .approved
            }
        }
        return CorrelationDecision(relation: .cancel, changes: [], drafts: decisions, actionItems: .withdraw,
                                   reason: reason, bundleFlag: touchesReviewed ? reason : nil)
    }

    private static func update(event: Event, plan: BundlePlan?, bundle: CorrelatedBundle) -> CorrelationDecision {
        let changes = IncidentFacts(bundle.current).changes(to: IncidentFacts(event))
        let factsChanged = !changes.isEmpty
        let reason = factsChanged ? "event \(event.id) changed the facts: \(changes.summary)" : "event \(event.id) updated the incident"
        var planned: [DraftSlot: Draft] = [:]
        var plannedOrder: [Draft] = []
        for draft in plan?.drafts ?? [] where planned[draft.slot] == nil {
            planned[draft.slot] = draft
            plannedOrder.append(draft)
        }
        var decisions: [DraftDecision] = []
        var touchesReviewed = false
        for draft in bundle.liveDrafts {
            let redraft = planned[draft.slot]
            let textChanged = redraft.map { $0.text != draft.text } ?? false
            switch draft.state {
            case .released:
                if factsChanged || textChanged {
                    decisions.append(.flag(draft.id))
                    touchesReviewed = true
                }
            case .pending, .needsEdit, .approved:
                let approved = draft.state == .approved
                if !draft.isEdited, let redraft, textChanged {
                    decisions.append(.supersede(draft.id, by: redraft, flag: approved ? reason : nil))
                    touchesReviewed = touchesReviewed || approved
                } else if factsChanged {
                    decisions.append(.restate(draft.id, returnsToReview: approved))
                    touchesReviewed = touchesReviewed || approved
                }
            case .rejected, .superseded, .withdrawn, .expired:
                continue
            }
        }
        let usedSlots = Set(bundle.drafts.map(\.slot))
        for draft in plannedOrder where !usedSlots.contains(draft.slot) {
            decisions.append(.insert(draft))
        }
        return CorrelationDecision(relation: .update, changes: changes, drafts: decisions,
                                   actionItems: plan.map { .add($0.actionItems) } ?? .keep,
                                   reason: reason, bundleFlag: touchesReviewed ? reason : nil)
    }
}

/// How the store found a bundle for an event.
public enum CorrelationLink: String, Sendable, Hashable, CaseIterable {
    /// The event references a message that contributed to the bundle.
    case reference
    /// The event's incident key is the bundle's.
    case incident
    /// Only the rule's suppression key, inside its window: perhaps another incident of the same kind.
    case suppression
}

/// What an event is to a bundle (see ``Correlation``).
public enum EventRelation: String, Sendable, Hashable, CaseIterable {
    /// It states the incident's facts anew: the drafts are redrafted, returned to review or flagged.
    case update
    /// It cancels the incident: the unreleased drafts are withdrawn.
    case cancel
    /// A further report: kept with the bundle as evidence, changing nothing.
    case report
    /// Nothing to do with the bundle.
    case unrelated

    /// How the bundle records the event, or `nil` when it does not.
    public var role: BundleEventRole? {
        switch self {
        case .update: .update
        case .cancel: .cancel
        case .report: .correlated
        case .unrelated: nil
        }
    }
}

/// A bundle as correlation sees it.
public struct CorrelatedBundle: Sendable, Hashable {
    /// The bundle's id.
    public var id: Int
    /// Its incident key (``BundlePlanner/incidentKey(of:)`` of the event that opened it).
    public var incidentKey: String
    /// The event whose facts the bundle stands on now: the one that opened it, or its latest update.
    public var current: Event
    /// The feed (source name) that delivered ``current``.
    public var currentFeed: String
    /// Every draft the bundle ever had, live or not.
    public var drafts: [DraftSnapshot]

    public init(id: Int, incidentKey: String, current: Event, currentFeed: String, drafts: [DraftSnapshot]) {
        self.id = id
        self.incidentKey = incidentKey
        self.current = current
        self.currentFeed = currentFeed
        self.drafts = drafts
    }

    /// The live draft of each slot (the newest, should the store ever hold two), in id order.
    public var liveDrafts: [DraftSnapshot] {
        var bySlot: [DraftSlot: DraftSnapshot] = [:]
        for draft in drafts where draft.state.isLive {
            if let other = bySlot[draft.slot], other.id > draft.id { continue }
            bySlot[draft.slot] = draft
        }
        return bySlot.values.sorted { $0.id < $1.id }
    }
}

/// A draft of a bundle as correlation sees it.
public struct DraftSnapshot: Sendable, Hashable {
    public var id: Int
    public var slot: DraftSlot
    public var state: DraftState
    public var text: String
    /// Text revisions: 1 as drafted; more once a reviewer edited it.
    public var revision: Int

    public init(id: Int, slot: DraftSlot, state: DraftState, text: String, revision: Int) {
        self.id = id
        self.slot = slot
        self.state = state
        self.text = text
        self.revision = revision
    }

    /// Whether a reviewer wrote its text: such a text is never replaced by a redraft.
    public var isEdited: Bool { revision > 1 }
}

/// What an event does to a bundle: the value ``QueueWriter`` persists.
public struct CorrelationDecision: Sendable, Hashable {
    /// What the event is to the bundle.
    public var relation: EventRelation
    /// The facts an update changed (empty otherwise).
    public var changes: [FactChange]
    /// What happens to drafts, in the bundle's draft order, then the new slots in the plan's order.
    public var drafts: [DraftDecision]
    /// What happens to the bundle's gestures.
    public var actionItems: ActionItemDecision
    /// Why, for the audit's notes (`event … changed the facts: injured: 17 → 15`).
    public var reason: String
    /// Set on the bundle when a draft a reviewer approved (or that went out) is affected.
    public var bundleFlag: String?

    public init(relation: EventRelation, changes: [FactChange], drafts: [DraftDecision], actionItems: ActionItemDecision,
                reason: String, bundleFlag: String?) {
        self.relation = relation
        self.changes = changes
        self.drafts = drafts
        self.actionItems = actionItems
        self.reason = reason
        self.bundleFlag = bundleFlag
    }

    /// Whether the bundle stands on the event's facts from now on.
    public var movesFacts: Bool { relation == .update && !changes.isEmpty }
}

/// What happens to one draft of a bundle (drafts not named stay as they are).
public enum DraftDecision: Sendable, Hashable {
    /// A slot the bundle never had gets a draft.
    case insert(Draft)
    /// The draft is replaced by the redraft (`flag`: why reviewers should look, when it had been approved).
    case supersede(Int, by: Draft, flag: String?)
    /// The draft keeps its text and stands on the new facts; an approved one goes back to review.
    case restate(Int, returnsToReview: Bool)
    /// The draft is withdrawn (the incident was cancelled).
    case withdraw(Int)
    /// The draft went out before the change; reviewers are told.
    case flag(Int)

    /// The existing draft it concerns (`nil` for an insertion).
    public var draftID: Int? {
        switch self {
        case .insert: nil
        case .supersede(let id, _, _), .restate(let id, _), .withdraw(let id), .flag(let id): id
        }
    }
}

/// What happens to a bundle's gestures.
public enum ActionItemDecision: Sendable, Hashable {
    /// Nothing.
    case keep
    /// The plan's gestures are added (those the bundle has already are kept as they are).
    case add([ActionItem])
    /// The pending ones are withdrawn.
    case withdraw
}

/// Plans an event for a rule named by id, without matching it: what an update needs to redraft the bundle
/// it refers to when its own fields no longer match the bundle's rule.
public struct RulePlanner: Sendable {
    /// The rules in force.
    public let ruleSet: RuleSet
    /// The time the plans are made for (the batch's).
    public let now: Date

    public init(ruleSet: RuleSet, now: Date) {
        self.ruleSet = ruleSet
        self.now = now
    }

    /// The plan rule `ruleID` drafts for `event`; `nil` when the rule is no longer in the set. `previous`:
    /// for an update, the facts its bundle stood on, so that its texts can name the figures it revised.
    public func plan(_ event: Event, ruleID: String, previous: Event? = nil) -> BundlePlan? {
        ruleSet.rule(id: ruleID).map { BundlePlanner.plan(event: event, rule: $0, ruleSet: ruleSet, now: now, previous: previous) }
    }
}
