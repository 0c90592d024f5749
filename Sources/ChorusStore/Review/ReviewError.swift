import Postgres

/// Why the database refused a review action (the SQLSTATEs of migration 2, see docs/REVIEW.md).
public struct ReviewError: Error, Sendable, CustomStringConvertible {
    /// What kind of refusal this is.
    public enum Kind: String, Sendable, Hashable {
        /// `CH001`: the draft changed since it was shown (another reviewer acted, or the pipeline updated it).
        /// Show it again and decide on what it says now: a temporary failure (exit 75).
        case changedSinceShown = "CH001"
        /// `CH002`: the draft's state does not allow the action (approving a rejected draft, …).
        case notAllowedInState = "CH002"
        /// `CH003`: whoever last edited a draft may not approve it.
        case selfApproval = "CH003"
        /// `CH004`: the draft was written or approved for facts its event has changed since: review it again
        /// (a temporary failure, exit 75, like a change since it was shown).
        case factsChanged = "CH004"
        /// `23514` on the constraint `drill_drafts_are_never_released`: a drill draft can never be released.
        case drillRelease = "drill"
        /// `42501`: the role may not do this (only the review functions approve, reject, edit or release).
        case notPermitted = "42501"
        /// `22023`: a bad argument (an empty reason or text, an unknown draft).
        case invalid = "22023"
        /// No such bundle or draft.
        case notFound = "not-found"
    }

    /// What kind of refusal this is.
    public var kind: Kind
    /// The database's message (or ours), saying which draft and why.
    public var message: String
    /// The SQLSTATE the server sent, when it came from the server.
    public var sqlState: String?

    public init(_ kind: Kind, _ message: String, sqlState: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
    }

    /// The review refusal a server error stands for, or `nil` when it is some other error.
    public init?(_ error: PostgresError) {
        guard error.kind == .server, let state = error.sqlState, let kind = Kind(rawValue: state) else { return nil }
        self.init(kind, error.message, sqlState: state)
    }

    public var description: String { message }

    /// Runs `body`, turning the workflow's server errors into ``ReviewError``s.
    static func mapping<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PostgresError {
            if let review = ReviewError(error) { throw review }
            if error.sqlState == "23514", error.constraint == "drill_drafts_are_never_released" {
                throw ReviewError(.drillRelease, error.message, sqlState: error.sqlState)
            }
            throw error
        }
    }
}
