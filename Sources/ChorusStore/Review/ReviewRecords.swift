import ChorusCore
import Foundation

/// One bundle in the review queue, with how many of its drafts are in each state (`review list`).
public struct BundleSummary: Sendable, Codable, Equatable {
    /// The bundle's id.
    public var id: Int
    /// The rule that drafted it.
    public var ruleId: String
    /// Whether it is a drill: its drafts can never be released.
    public var isDrill: Bool
    /// When its drafts go out: together, each, or per government.
    public var releasePolicy: ReleasePolicy
    /// Nothing goes out before this.
    public var notBefore: Date?
    /// Unreleased drafts expire at this time.
    public var expiresAt: Date?
    /// Why reviewers should look again (an update or cancel reached drafts that were approved or out).
    public var flag: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// The event that opened the bundle, in brief.
    public var event: EventBrief
    /// The facts the bundle stands on now: those of the event that opened it, or of its latest update.
    public var facts: IncidentFacts
    /// How many drafts are in each state (only states that occur).
    public var draftStates: [DraftState: Int]
    /// The action items' summaries (e.g. lighting the Brandenburg Gate).
    public var actionItems: [String]
    /// How well its incident is established, when its rule demanded corroboration.
    public var corroboration: CorroborationBrief? = nil
}

/// A bundle's corroboration at a glance: the certainty its evidence establishes and its independent origins.
public struct CorroborationBrief: Sendable, Codable, Equatable {
    public var certainty: Event.Certainty
    public var origins: Int
    /// The independent origins its rule demands.
    public var required: Int

    public init(certainty: Event.Certainty, origins: Int, required: Int) {
        self.certainty = certainty
        self.origins = origins
        self.required = required
    }
}

/// The facts of an event a reviewer needs at a glance.
public struct EventBrief: Sendable, Codable, Equatable {
    /// The feed's id of the event.
    public var id: String
    public var source: String
    public var kind: String
    public var status: Event.Status
    public var msgType: Event.MessageType
    public var countries: [String]
    public var place: String?
    public var occurredAt: Date?
    public var fatalities: Int?
    public var injured: Int?
    /// The headline in English when there is one, else any.
    public var headline: String?
}

/// One draft as reviewers see it.
public struct DraftRecord: Sendable, Codable, Equatable {
    public var id: Int
    public var bundleId: Int
    public var participant: String
    /// The government it speaks for (ISO 3166-1 alpha-2); drafts queued before migration 5 have none.
    public var country: String?
    public var channel: Channel
    /// The account it is posted from (`@AuswaertigesAmt`); drafts queued before migration 5 have none.
    public var handle: String?
    public var language: String
    /// `rtl` for Hebrew, Arabic and other right-to-left languages, else `ltr`.
    public var direction: String
    public var text: String
    /// How many times the text was written (1 = as drafted).
    public var revision: Int
    /// Bumped by every change: pass it back to approve what you were shown (`d12@3`).
    public var version: Int
    public var state: DraftState
    /// The phase of the bundle it belongs to (the stricken country's thanks, a post about a gesture, …);
    /// absent for the main statement.
    public var phase: String?
    /// Not released before this, whatever the bundle allows.
    public var notBefore: Date?
    /// The length as the channel counts it, and the channel's limit.
    public var weightedLength: Int
    public var limit: Int
    /// Why it needs an edit.
    public var problem: String?
    public var isDrill: Bool
    /// Why reviewers should look again.
    public var flag: String?
    /// The facts that changed since the text was written: a draft an update kept (the same words, or a
    /// reviewer's edit) stands on newer facts than it was written for.
    public var factsChangedSinceWritten: [FactChange]?
    public var lastEditedBy: String?
    public var approvedBy: String?
    public var approvedAt: Date?
    public var releasedAt: Date?
    /// The position in the outbox, once released.
    public var releaseSeq: Int?
    public var createdAt: Date
    public var updatedAt: Date
}

/// A gesture to arrange.
public struct ActionItemRecord: Sendable, Codable, Equatable {
    public var id: Int
    public var key: String
    public var kind: String
    public var summary: String
    public var dueAt: Date?
    public var timeZone: String?
    public var state: ActionItemState
    public var isDrill: Bool
}

/// One row of the audit trail.
public struct AuditRecord: Sendable, Codable, Equatable {
    public var id: Int
    public var draftId: Int?
    /// The PostgreSQL session user.
    public var actor: String
    public var action: AuditAction
    public var note: String?
    public var beforeText: String?
    public var afterText: String?
    /// The facts before and after an update that changed them (superseded, returned, flagged rows).
    public var beforeFacts: IncidentFacts?
    public var afterFacts: IncidentFacts?
    public var at: Date

    /// What the update changed, when the row records one.
    public var factChanges: [FactChange] {
        guard let beforeFacts, let afterFacts else { return [] }
        return beforeFacts.changes(to: afterFacts)
    }
}

/// An event that contributed to a bundle and how.
public struct BundleEventRecord: Sendable, Codable, Equatable {
    public var role: BundleEventRole
    public var event: Event
}

/// Everything about one bundle (`review show`).
public struct BundleDetail: Sendable, Codable, Equatable {
    public var bundle: BundleSummary
    /// The draft asked for, when `review show` was given a draft id.
    public var draftId: Int?
    /// Every event of the bundle, the one that opened it first.
    public var events: [BundleEventRecord]
    /// The drafts (only the one asked for, with a draft id), by participant, channel, language.
    public var drafts: [DraftRecord]
    public var actionItems: [ActionItemRecord]
    /// The audit trail, oldest first (only the draft's rows, with a draft id).
    public var audit: [AuditRecord]
    /// The evidence — which reports, from whom, when — when its rule demanded corroboration.
    public var corroboration: CorroborationRecord? = nil
}

/// A released draft, as the outbox lists it and webhooks receive it.
public struct OutboxRecord: Sendable, Codable, Equatable {
    /// The release order: `chorus outbox --after SEQ` continues after it.
    public var seq: Int
    public var draftId: Int
    public var bundleId: Int
    public var ruleId: String
    public var participant: String
    /// The government it speaks for; absent for drafts queued before migration 5.
    public var country: String?
    public var channel: Channel
    /// The account to post from; absent for drafts queued before migration 5.
    public var handle: String?
    public var language: String
    public var direction: String
    public var text: String
    public var revision: Int
    public var phase: String?
    public var approvedBy: String?
    public var approvedAt: Date?
    public var releasedAt: Date
    /// Set when an update or a cancel reached the draft after it went out: a correction may be due.
    public var flag: String?
    /// The event whose facts the draft was approved for, in brief.
    public var event: EventBrief
    /// The facts the bundle stands on now (those of ``event`` unless an update came after the release).
    public var facts: IncidentFacts
    /// The value webhook deliveries send as `Idempotency-Key`: the same for every attempt of this record.
    public var idempotencyKey: String
}

/// Which bundles `review list` shows.
public struct ReviewFilter: Sendable, Equatable {
    /// Only bundles with a draft in this state; `pending` also matches `needs_edit` (both await a reviewer);
    /// `nil` for every bundle.
    public var state: DraftState?
    /// `true`: drills only; `false`: live bundles only; `nil`: both.
    public var drill: Bool?
    /// At most this many bundles, newest first; 0 for all.
    public var limit: Int
    /// Only bundles of this rule.
    public var rule: String?
    /// Only bundles with a draft of this participant (in ``state``, when given).
    public var participant: String?
    /// Only bundles with a draft in this language (in ``state``, when given).
    public var language: String?

    public init(state: DraftState? = .pending, drill: Bool? = nil, limit: Int = 50, rule: String? = nil,
                participant: String? = nil, language: String? = nil) {
        self.state = state
        self.drill = drill
        self.limit = limit
        self.rule = rule
        self.participant = participant
        self.language = language
    }

    /// The states a bundle's drafts must include one of to be listed.
    public var states: Set<DraftState>? {
        state.map { $0 == .pending ? DraftState.awaitingReview : [$0] }
    }
}

/// What the queue's filters can choose from: the rules, participants and languages of the bundles that
/// have drafts awaiting a reviewer.
public struct FilterChoices: Sendable, Equatable {
    public var rules: [String]
    public var participants: [String]
    public var languages: [String]
}

/// JSON for `--json` output and webhook bodies: sorted keys, RFC 3339 times.
public enum ReviewJSON {
    /// An encoder for review records.
    public static func encoder(pretty: Bool = true) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.format(date))
        }
        return encoder
    }

    /// A decoder for what ``encoder(pretty:)`` wrote.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = RFC3339.parse(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not RFC 3339: \(text)"))
            }
            return date
        }
        return decoder
    }

    /// `value` as JSON text.
    public static func text<T: Encodable>(_ value: T, pretty: Bool = true) throws -> String {
        String(decoding: try encoder(pretty: pretty).encode(value), as: UTF8.self)
    }
}
