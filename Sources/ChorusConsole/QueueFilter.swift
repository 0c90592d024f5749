import ChorusCore
import ChorusHTTP
import ChorusStore

/// The queue page's filters, from its query string (a plain GET form: it works without JavaScript).
struct QueueFilter: Sendable, Equatable {
    /// What the state selector offers: awaiting review (pending and needs an edit), one state, or all.
    enum StateChoice: String, Sendable, CaseIterable {
        case awaiting, needsEdit = "needs_edit", approved, released, rejected, expired, all

        var label: String {
            switch self {
            case .awaiting: "awaiting review"
            case .needsEdit: "needs an edit"
            case .approved: "approved, not out yet"
            case .released: "released"
            case .rejected: "rejected"
            case .expired: "expired"
            case .all: "all"
            }
        }

        var state: DraftState? {
            switch self {
            case .awaiting: .pending
            case .needsEdit: .needsEdit
            case .approved: .approved
            case .released: .released
            case .rejected: .rejected
            case .expired: .expired
            case .all: nil
            }
        }
    }

    var state: StateChoice = .awaiting
    var rule: String?
    var participant: String?
    var language: String?

    init(state: StateChoice = .awaiting, rule: String? = nil, participant: String? = nil, language: String? = nil) {
        self.state = state
        self.rule = rule
        self.participant = participant
        self.language = language
    }

    init(_ request: HTTPRequest) {
        func value(_ name: String) -> String? {
            request.queryValue(name).flatMap { $0.isEmpty || $0.count > 100 ? nil : $0 }
        }
        state = value("state").flatMap(StateChoice.init(rawValue:)) ?? .awaiting
        rule = value("rule")
        participant = value("participant")
        language = value("language")
    }

    /// The store's filter: newest first, at most 200 bundles (live and drills both: the page shows them apart).
    var reviewFilter: ReviewFilter {
        ReviewFilter(state: state.state, drill: nil, limit: 200, rule: rule, participant: participant, language: language)
    }

    var isDefault: Bool { self == QueueFilter() }
}
