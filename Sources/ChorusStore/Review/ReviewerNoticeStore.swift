import ChorusCore
import Foundation
import Postgres

/// What reviewers are told about the queue, and when (docs/REVIEW.md, *Telling reviewers*): a bundle that
/// awaits review is announced once; a reminder follows when nobody has acted on it after a while; a warning
/// when it is about to expire with drafts still waiting. Each notice is a delivery of its own
/// (`chorus.deliveries`, idempotency key `review-KIND-BUNDLE`), so it goes out exactly once whichever
/// instance finds it, and is retried and recorded like a released draft.
public struct ReviewerNoticeStore {
    public let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// Bundles older than this are never announced (a notifier configured on a database with an old backlog
    /// does not flood the channel).
    public static let horizon = "2 days"
    /// The most notices one round finds.
    public static let limit = 100

    /// One thing to tell the reviewers about one bundle.
    public struct Notice: Sendable, Hashable {
        public var kind: ReviewerNoticeKind
        public var bundleID: Int
        public var isDrill: Bool
        public var ruleID: String
        /// The opening event's headline (in English when it has one), or its kind.
        public var headline: String
        public var countries: [String]
        /// Drafts awaiting a reviewer now.
        public var awaiting: Int
        public var createdAt: Date
        public var expiresAt: Date?

        /// The delivery's idempotency key: one notice of each kind a bundle.
        public var idempotencyKey: String { "review-\(kind.rawValue)-\(bundleID)" }
    }

    /// The notices due now that `publisher` has not queued yet, oldest bundle first: `awaiting` for every
    /// bundle with drafts awaiting review; `reminder` when no reviewer approved, rejected or edited anything
    /// of it within `remindAfter` of its drafting; `expiring` when it expires within `warnBefore` with drafts
    /// still waiting.
    public func due(publisher: String, remindAfter: Duration, warnBefore: Duration) throws -> [Notice] {
        let awaiting = DraftState.awaitingReview.map(\.rawValue).sorted()
        let reviewActions = [AuditAction.approved, .rejected, .edited].map(\.rawValue)
        let remind = remindAfter.timeInterval, warn = warnBefore.timeInterval
        return try connection.query("""
            WITH waiting AS (
                SELECT b.id, b.is_drill, b.rule_id, b.created_at, b.expires_at, b.event_id,
                       (SELECT count(*) FROM chorus.drafts d WHERE d.bundle_id = b.id AND d.state = ANY(\(awaiting)))::integer AS awaiting
                FROM chorus.bundles b
                WHERE b.created_at > now() - \(Self.horizon)::interval
                  AND (b.expires_at IS NULL OR b.expires_at > now())
                  AND EXISTS (SELECT 1 FROM chorus.drafts d WHERE d.bundle_id = b.id AND d.state = ANY(\(awaiting)))
            ), kinds AS (
                SELECT w.*, k.kind FROM waiting w
                CROSS JOIN LATERAL (VALUES
                    ('awaiting', true),
                    ('reminder', w.created_at <= now() - make_interval(secs => \(remind))
                                 AND NOT EXISTS (SELECT 1 FROM chorus.review_audit a
                                                 WHERE a.bundle_id = w.id AND a.action = ANY(\(reviewActions)))),
                    ('expiring', w.expires_at IS NOT NULL AND w.expires_at <= now() + make_interval(secs => \(warn)))
                ) AS k (kind, due)
                WHERE k.due AND NOT EXISTS (
                    SELECT 1 FROM chorus.deliveries x
                    WHERE x.publisher = \(publisher) AND x.idempotency_key = 'review-' || k.kind || '-' || w.id)
            )
            SELECT k.id, k.is_drill, k.rule_id, k.created_at, k.expires_at, k.awaiting, k.kind, e.kind AS event_kind,
                   e.countries,
                   coalesce(e.payload -> 'headline' ->> 'en',
                            (SELECT h.value FROM jsonb_each_text(e.payload -> 'headline') h ORDER BY h.key LIMIT 1)) AS headline
            FROM kinds k JOIN chorus.events e ON e.id = k.event_id
            ORDER BY k.created_at, k.id, k.kind
            LIMIT \(Self.limit)
            """).rows.map { row in
            let kind = try row.decode("event_kind", as: String.self)
            let headline = try row.decode("headline", as: String?.self).flatMap { $0.isEmpty ? nil : $0 } ?? kind
            return Notice(kind: try row.decode("kind", as: ReviewerNoticeKind.self), bundleID: try row.decode("id", as: Int.self),
                          isDrill: try row.decode("is_drill", as: Bool.self), ruleID: try row.decode("rule_id", as: String.self),
                          headline: headline,
                          countries: try row.decode("countries", as: [String].self),
                          awaiting: try row.decode("awaiting", as: Int.self),
                          createdAt: try row.decode("created_at", as: Date.self),
                          expiresAt: try row.decode("expires_at", as: Date?.self))
        }
    }

    /// How long until the next reminder or expiry warning falls due for a bundle awaiting review (`nil`
    /// when none will): the release service wakes then, rather than polling.
    /// Only times still ahead count: what is due already, ``due(publisher:remindAfter:warnBefore:)`` finds.
    public func nextNoticeDelay(publisher: String, remindAfter: Duration, warnBefore: Duration) throws -> Duration? {
        let awaiting = DraftState.awaitingReview.map(\.rawValue).sorted()
        let reviewActions = [AuditAction.approved, .rejected, .edited].map(\.rawValue)
        let remind = remindAfter.timeInterval, warn = warnBefore.timeInterval
        let row = try connection.query("""
            SELECT extract(epoch FROM least(
                       min(b.created_at + make_interval(secs => \(remind)))
                           FILTER (WHERE b.created_at + make_interval(secs => \(remind)) > now()
                                   AND NOT EXISTS (SELECT 1 FROM chorus.review_audit a
                                                   WHERE a.bundle_id = b.id AND a.action = ANY(\(reviewActions)))),
                       min(b.expires_at - make_interval(secs => \(warn)))
                           FILTER (WHERE b.expires_at - make_interval(secs => \(warn)) > now()))
                   - now())::double precision AS seconds
            FROM chorus.bundles b
            WHERE b.created_at > now() - \(Self.horizon)::interval
              AND (b.expires_at IS NULL OR b.expires_at > now())
              AND EXISTS (SELECT 1 FROM chorus.drafts d WHERE d.bundle_id = b.id AND d.state = ANY(\(awaiting)))
            """).first
        guard let seconds = try row?.decode("seconds", as: Double?.self) else { return nil }
        return .milliseconds(Int64(max(0, seconds) * 1000))
    }
}

/// The three things reviewers are told about a bundle.
public enum ReviewerNoticeKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// It awaits review (once, when its drafts are queued).
    case awaiting
    /// Nobody has acted on it for the configured time.
    case reminder
    /// It expires soon with drafts still waiting.
    case expiring
}
