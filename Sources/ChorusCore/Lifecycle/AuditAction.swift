/// What a row of the review audit records (`chorus.review_audit.action`): every review decision and every
/// change the pipeline or the release makes to a draft.
public enum AuditAction: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The pipeline queued the draft.
    case drafted
    /// A reviewer approved it.
    case approved
    /// A reviewer refused it, with a reason.
    case rejected
    /// A reviewer wrote a new revision (before and after text).
    case edited
    /// The release handed it to the outbox.
    case released
    /// Its bundle expired before it was released.
    case expired
    /// An update of the event replaced it with a redraft.
    case superseded
    /// A cancel of the event withdrew it.
    case withdrawn
    /// Reviewers are told to look again: the facts changed under a draft that stays as it is (pending, or
    /// already released).
    case flagged
    /// An approved draft went back to review because the facts changed after its approval: it is not
    /// released until a reviewer approves it again.
    case returned

    public var description: String { rawValue }
}

/// How an event contributed to a bundle (`chorus.bundle_events.role`).
public enum BundleEventRole: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The event that opened the bundle.
    case opened
    /// It changed the facts the bundle stands on (an update, or the same feed re-issuing the incident).
    case update
    /// It cancelled the incident: the unreleased drafts were withdrawn.
    case cancel
    /// A further report of the incident (another feed, or one folded in by the suppression key): kept as
    /// evidence, the drafts and facts unchanged.
    case correlated

    public var description: String { rawValue }
}

/// Where a gesture stands (`chorus.action_items.state`).
public enum ActionItemState: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// To be arranged.
    case pending
    /// Carried out.
    case done
    /// Called off by a person.
    case cancelled
    /// The event was cancelled.
    case withdrawn

    public var description: String { rawValue }
}
