/// Where a draft is in its life (PRODUCT.md §7): the one list of states and legal moves in Swift.
///
/// The database enforces the same graph (`chorus.drafts_guard`, migration 2) whoever writes; this type is
/// how Swift code — the planner, the store, the CLI, the console, `status` — names states and asks what a
/// state allows, instead of comparing strings. Raw values are the strings stored in `chorus.drafts.state`.
///
/// ```
/// pending    → approved | rejected | needs_edit | superseded | withdrawn | expired
/// needs_edit → pending | rejected | superseded | withdrawn | expired
/// approved   → released | rejected | pending | needs_edit | superseded | withdrawn | expired
/// released, rejected, superseded, withdrawn, expired: final
/// ```
public enum DraftState: String, Sendable, Hashable, Codable, CaseIterable, CodingKeyRepresentable, CustomStringConvertible {
    /// Waiting for a reviewer's decision.
    case pending
    /// Over its channel's limit or not rendered: a reviewer must edit it before it can be approved.
    case needsEdit = "needs_edit"
    /// Approved; released once its bundle's release policy and not-before allow.
    case approved
    /// Handed to the outbox and its publishers. Final; a drill draft never gets here.
    case released
    /// Refused by a reviewer, with a reason. Final.
    case rejected
    /// Replaced by a redraft after the event was updated. Final.
    case superseded
    /// The event was cancelled. Final.
    case withdrawn
    /// Past its bundle's expiry before it was released. Final.
    case expired

    /// The states a draft can move to from this one.
    public var successors: Set<DraftState> {
        switch self {
        case .pending: [.approved, .rejected, .needsEdit, .superseded, .withdrawn, .expired]
        case .needsEdit: [.pending, .rejected, .superseded, .withdrawn, .expired]
        case .approved: [.released, .rejected, .pending, .needsEdit, .superseded, .withdrawn, .expired]
        case .released, .rejected, .superseded, .withdrawn, .expired: []
        }
    }

    /// Whether a draft in this state may move to `next`.
    public func canMove(to next: DraftState) -> Bool { successors.contains(next) }

    /// Whether nothing can happen to the draft any more.
    public var isFinal: Bool { successors.isEmpty }

    /// Whether the draft still occupies its slot (bundle, participant, channel, language): not replaced,
    /// refused, withdrawn or expired. A released draft is live — it is what went out.
    public var isLive: Bool {
        switch self {
        case .pending, .needsEdit, .approved, .released: true
        case .rejected, .superseded, .withdrawn, .expired: false
        }
    }

    /// Whether a reviewer still has to act on it (`review list`'s default filter).
    public var awaitsReview: Bool { self == .pending || self == .needsEdit }

    /// Whether it is live but not yet out: what an update redrafts or sends back, a cancel withdraws, an
    /// expiry expires.
    public var isUnreleased: Bool { isLive && self != .released }

    /// The states a freshly planned draft can be queued in.
    public static let queuedStates: Set<DraftState> = [.pending, .needsEdit]

    /// The states a reviewer still has to act on (`review list`'s default, `--status pending`).
    public static let awaitingReview: Set<DraftState> = Set(allCases.filter(\.awaitsReview))

    /// The live states that have not gone out: what a cancel withdraws and an expiry expires.
    public static let unreleased: Set<DraftState> = Set(allCases.filter(\.isUnreleased))

    /// The states that no longer occupy their slot.
    public static let replaced: Set<DraftState> = Set(allCases.filter { !$0.isLive })

    public var description: String { rawValue }
}
