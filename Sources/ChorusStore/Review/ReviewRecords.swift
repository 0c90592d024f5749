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
    /// `all` or `each`.
    public var releasePolicy: String
    /// Nothing goes out before this.
    public var notBefore: Date?
    /// Unreleased drafts expire at this time.
    public var expiresAt: Date?
    /// Why reviewers should look again (an update or cancel arrived after approval).
    public var flag: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// The event that opened the bundle, in brief.
    public var event: EventBrief
    /// How many drafts are in each state (only states that occur).
    public var draftStates: [String: Int]
    /// The action items' summaries (e.g. lighting the Brandenburg Gate).
    public var actionItems: [String]
}

/// The facts of an event a reviewer needs at a glance.
public struct EventBrief: Sendable, Codable, Equatable {
    /// The feed's id of the event.
    public var id: String
    public var source: String
    public var kind: String
    /// `actual`, `exercise`, …
    public var status: String
    public var msgType: String
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
    public var channel: String
    public var language: String
    /// `rtl` for Hebrew, Arabic and other right-to-left languages, else `ltr`.
    public var direction: String
    public var text: String
    /// How many times the text was written (1 = as drafted).
    public var revision: Int
    /// Bumped by every change: pass it back to approve what you were shown (`d12@3`).
    public var version: Int
    public var state: String
    /// The length as the channel counts it, and the channel's limit.
    public var weightedLength: Int
    public var limit: Int
    /// Why it needs an edit.
    public var problem: String?
    public var isDrill: Bool
    public var flag: String?
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
    public var state: String
    public var isDrill: Bool
}

/// One row of the audit trail.
public struct AuditRecord: Sendable, Codable, Equatable {
    public var id: Int
    public var draftId: Int?
    /// The PostgreSQL session user.
    public var actor: String
    /// `drafted`, `approved`, `rejected`, `edited`, `released`, `expired`, `superseded`, `withdrawn`, `flagged`.
    public var action: String
    public var note: String?
    public var beforeText: String?
    public var afterText: String?
    public var at: Date
}

/// An event that contributed to a bundle and how.
public struct BundleEventRecord: Sendable, Codable, Equatable {
    /// `opened`, `update`, `cancel`, `correlated`.
    public var role: String
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
}

/// A released draft, as the outbox lists it and webhooks receive it.
public struct OutboxRecord: Sendable, Codable, Equatable {
    /// The release order: `chorus outbox --after SEQ` continues after it.
    public var seq: Int
    public var draftId: Int
    public var bundleId: Int
    public var ruleId: String
    public var participant: String
    public var channel: String
    public var language: String
    public var direction: String
    public var text: String
    public var revision: Int
    public var approvedBy: String?
    public var approvedAt: Date?
    public var releasedAt: Date
    public var event: EventBrief
    /// The value webhook deliveries send as `Idempotency-Key`: the same for every attempt of this record.
    public var idempotencyKey: String
}

/// Which bundles `review list` shows.
public struct ReviewFilter: Sendable, Equatable {
    /// Only bundles with a draft in this state; `pending` also matches `needs_edit` (both await a reviewer);
    /// `nil` for every bundle.
    public var state: String?
    /// `true`: drills only; `false`: live bundles only; `nil`: both.
    public var drill: Bool?
    /// At most this many bundles, newest first; 0 for all.
    public var limit: Int

    public init(state: String? = "pending", drill: Bool? = nil, limit: Int = 50) {
        self.state = state
        self.drill = drill
        self.limit = limit
    }

    /// The states a draft can be in.
    public static let states = ["pending", "needs_edit", "approved", "released", "rejected", "superseded", "withdrawn", "expired"]
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
