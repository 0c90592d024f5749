import ChorusCore
import Foundation
import Postgres

/// The release's and the deliveries' side of the store: when the next release or expiry is due, and the
/// delivery claims of migration 5 (`chorus.deliveries`) that make every message go out exactly once
/// however many deliverers run — the daemon's release service, `chorus outbox --deliver`, several
/// instances.
///
/// A delivery is a row per message and publisher. A deliverer **claims** due rows for a lease (no other
/// deliverer claims them while it lasts), makes one attempt each, and **records** the outcome with the
/// attempt (`chorus.outbox_deliveries`); a lease that runs out — the deliverer died mid-attempt — lets
/// another try again, with the same idempotency key. Releasing itself is `ReviewStore.releaseDue()`.
public struct ReleaseStore {
    /// The connection, used on the caller's thread.
    public let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    // MARK: When

    /// How long until the next approved draft's not-before (the later of its bundle's and its own) comes, or
    /// the end of the rest period an approved draft waits in (migration 13), as the database's clock says;
    /// `nil` when no approved draft waits for a time. Cheap: it looks at approved drafts only, so it may run
    /// after every notification of a busy pipeline.
    public func nextReleaseDelay() throws -> Duration? {
        let seconds = try connection.query("""
            SELECT extract(epoch FROM min(greatest(greatest(b.not_before, d.not_before),
                                                   (SELECT upper(r) FROM unnest(d.rest_periods) AS r WHERE r @> now()))) - now())::float8 AS seconds
            FROM chorus.drafts d JOIN chorus.bundles b ON b.id = d.bundle_id
            WHERE d.state = \(DraftState.approved.rawValue) AND NOT d.is_drill
              AND (greatest(b.not_before, d.not_before) > now() OR d.rest_periods @> now())
            """).first?.decode("seconds", as: Double?.self)
        return seconds.map(Self.duration(seconds:))
    }

    /// How long until the next bundle with drafts awaiting release expires — of `bundles`, or of all —, as
    /// the database's clock says; `nil` when none will. Of all, it looks at every unreleased draft (as
    /// `chorus.expire_due()` does): for a full round; of the bundles a notification names, it is cheap.
    public func nextExpiryDelay(bundles: [Int]? = nil) throws -> Duration? {
        let seconds = try connection.query("""
            SELECT extract(epoch FROM min(b.expires_at) - now())::float8 AS seconds
            FROM chorus.drafts d JOIN chorus.bundles b ON b.id = d.bundle_id
            WHERE d.state = ANY(\(DraftState.unreleased.map(\.rawValue).sorted())) AND b.expires_at > now()
              AND (\(bundles)::bigint[] IS NULL OR b.id = ANY(\(bundles)))
            """).first?.decode("seconds", as: Double?.self)
        return seconds.map(Self.duration(seconds:))
    }

    // MARK: Deliveries

    /// How far back a full look for released drafts without a delivery goes: a draft released while no
    /// publisher was configured is not sent days later.
    public static let deliveryWindow: Duration = .seconds(7 * 24 * 3600)

    /// Queues a delivery, by `publisher`, of every released draft of `audiences` (participant ids) that has
    /// none yet: released within `window` (``deliveryWindow`` at most) and its bundle not expired. Returns
    /// how many were queued. A round right after a release looks back a few minutes only; a full look now
    /// and then catches anything else.
    @discardableResult
    public func enqueueReleasedDrafts(publisher: String, destinations: [String: String],
                                      within window: Duration = ReleaseStore.deliveryWindow) throws -> Int {
        guard !destinations.isEmpty else { return 0 }
        let audiences = destinations.keys.sorted()
        let candidates = try connection.query("""
            SELECT d.id, d.revision, d.participant FROM chorus.drafts d JOIN chorus.bundles b ON b.id = d.bundle_id
            WHERE d.state = \(DraftState.released.rawValue)
              AND d.released_at > now() - make_interval(secs => \(min(window, Self.deliveryWindow).timeInterval))
              AND d.participant = ANY(\(audiences)) AND (b.expires_at IS NULL OR b.expires_at > now())
              AND NOT EXISTS (SELECT 1 FROM chorus.deliveries x WHERE x.draft_id = d.id AND x.publisher = \(publisher))
            ORDER BY d.release_seq
            """).rows.map { row in
            (id: try row.decode("id", as: Int.self), revision: try row.decode("revision", as: Int.self),
             audience: try row.decode("participant", as: String.self))
        }
        guard !candidates.isEmpty else { return 0 }
        return try connection.execute("""
            INSERT INTO chorus.deliveries (publisher, audience, destination, idempotency_key, draft_id)
            SELECT \(publisher), audience, destination, key, draft_id
            FROM unnest(\(candidates.map(\.audience)), \(candidates.map { destinations[$0.audience] ?? "" }),
                        \(candidates.map { ReviewStore.idempotencyKey(draft: $0.id, revision: $0.revision) }), \(candidates.map(\.id)))
                 AS c(audience, destination, key, draft_id)
            ON CONFLICT (publisher, idempotency_key) DO NOTHING
            """)
    }

    /// Queues one message that is not a draft (a reviewer's notification, say): `payload` is the JSON body.
    /// Idempotent by (publisher, key). Returns whether it was queued now.
    @discardableResult
    public func enqueue(publisher: String, audience: String, destination: String, idempotencyKey: String,
                        payload: String) throws -> Bool {
        try connection.execute("""
            INSERT INTO chorus.deliveries (publisher, audience, destination, idempotency_key, payload)
            VALUES (\(publisher), \(audience), \(destination), \(idempotencyKey), \(PostgresJSONText(payload)))
            ON CONFLICT (publisher, idempotency_key) DO NOTHING
            """) == 1
    }

    /// Claims up to `limit` due deliveries to `routes` (publisher → the audiences it serves) for `claimant`
    /// for `lease`: nobody else claims them meanwhile. Each claim counts as an attempt, so a deliverer that
    /// dies mid-attempt still uses one. Deliveries to audiences the caller does not serve are left alone.
    public func claimDue(routes: [String: [String]], claimant: String, lease: Duration, limit: Int = 100) throws -> [DeliveryClaim] {
        let (publishers, audiences) = Self.pairs(routes)
        guard !publishers.isEmpty else { return [] }
        let queued = DeliveryState.queued.rawValue
        return try connection.query("""
            UPDATE chorus.deliveries d
            SET claimed_by = \(claimant), claimed_until = now() + make_interval(secs => \(lease.timeInterval)), attempts = d.attempts + 1
            WHERE d.id IN (
                SELECT id FROM chorus.deliveries
                WHERE state = \(queued) AND (publisher, audience) IN (SELECT * FROM unnest(\(publishers), \(audiences)))
                  AND next_attempt_at <= now()
                  AND (claimed_until IS NULL OR claimed_until < now())
                ORDER BY next_attempt_at, id LIMIT \(limit)
                FOR UPDATE SKIP LOCKED)
              AND d.state = \(queued) AND (d.claimed_until IS NULL OR d.claimed_until < now())
            RETURNING d.id, d.publisher, d.audience, d.destination, d.idempotency_key, d.draft_id, d.payload::text AS payload,
                      d.attempts
            """).rows.map { row in
            DeliveryClaim(id: try row.decode("id"), publisher: try row.decode("publisher"), audience: try row.decode("audience"),
                          destination: try row.decode("destination"), idempotencyKey: try row.decode("idempotency_key"),
                          draftID: try row.decode("draft_id"), payload: try row.decode("payload"), attempt: try row.decode("attempts"))
        }.sorted { $0.id < $1.id }
    }

    /// Records the attempts of a round and what becomes of each delivery, and ends the claims — in one
    /// transaction (one commit for the round, not one per attempt). Every attempt is recorded; a delivery
    /// changes only while its claim is still `claimant`'s (another deliverer that took over after the lease
    /// ran out decides from then on). `unattempted` claims (the round ran out of time) are handed back
    /// without costing an attempt.
    public func record(_ attempts: [DeliveryAttempt], unattempted: [DeliveryClaim] = [], claimant: String) throws {
        guard !attempts.isEmpty || !unattempted.isEmpty else { return }
        try connection.transaction { transaction in
            if !unattempted.isEmpty {
                try transaction.execute("""
                    UPDATE chorus.deliveries SET claimed_by = NULL, claimed_until = NULL, attempts = greatest(0, attempts - 1)
                    WHERE id = ANY(\(unattempted.map(\.id))) AND claimed_by = \(claimant)
                    """)
            }
            for attempt in attempts {
                let claim = attempt.claim
                let state: DeliveryState
                var delay: Duration = .zero
                switch attempt.next {
                case .delivered: state = .delivered
                case .retry(let after):
                    state = .queued
                    delay = after
                case .givenUp: state = .givenUp
                }
                try transaction.execute("""
                    INSERT INTO chorus.outbox_deliveries (draft_id, participant, url, idempotency_key, attempt, status_code, error,
                                                          succeeded, delivery_id, deliverer)
                    VALUES (\(claim.draftID), \(claim.audience), \(attempt.destination), \(claim.idempotencyKey), \(claim.attempt),
                            \(attempt.statusCode), \(attempt.error), \(state == .delivered), \(claim.id), \(claimant))
                    """)
                try transaction.execute("""
                    UPDATE chorus.deliveries
                    SET state = \(state.rawValue), next_attempt_at = now() + make_interval(secs => \(delay.timeInterval)),
                        last_error = \(attempt.error), destination = \(attempt.destination),
                        delivered_at = CASE WHEN \(state == .delivered) THEN now() END, claimed_by = NULL, claimed_until = NULL
                    WHERE id = \(claim.id) AND claimed_by = \(claimant)
                    """)
            }
        }
    }

    /// How long until the next queued delivery of `publishers` may be attempted (a retry's wait, or a lease
    /// that runs out); `nil` when none is queued. `unclaimedOnly`: leave out what another deliverer holds
    /// now (a one-shot run leaves those to their claimant).
    public func nextAttemptDelay(routes: [String: [String]], unclaimedOnly: Bool = false) throws -> Duration? {
        let (publishers, audiences) = Self.pairs(routes)
        guard !publishers.isEmpty else { return nil }
        let seconds = try connection.query("""
            SELECT extract(epoch FROM min(greatest(next_attempt_at, coalesce(claimed_until, next_attempt_at))) - now())::float8 AS seconds
            FROM chorus.deliveries WHERE state = \(DeliveryState.queued.rawValue)
              AND (publisher, audience) IN (SELECT * FROM unnest(\(publishers), \(audiences)))
              AND (NOT \(unclaimedOnly) OR claimed_until IS NULL OR claimed_until < now())
            """).first?.decode("seconds", as: Double?.self)
        return seconds.map { Self.duration(seconds: max(0, $0)) }
    }

    /// The deliveries of a draft, oldest first (for `review show`, tests, operators).
    public func deliveries(draft: Int) throws -> [DeliveryRecord] {
        try connection.query("""
            SELECT id, publisher, audience, destination, state, attempts, delivered_at, last_error FROM chorus.deliveries
            WHERE draft_id = \(draft) ORDER BY id
            """).rows.map { row in
            DeliveryRecord(id: try row.decode("id"), publisher: try row.decode("publisher"), audience: try row.decode("audience"),
                           destination: try row.decode("destination"), state: try row.decode("state", as: DeliveryState.self),
                           attempts: try row.decode("attempts"), deliveredAt: try row.decode("delivered_at"),
                           lastError: try row.decode("last_error"))
        }
    }

    /// `routes` as two parallel arrays, for `unnest`.
    static func pairs(_ routes: [String: [String]]) -> ([String], [String]) {
        let pairs = routes.sorted { $0.key < $1.key }.flatMap { publisher, audiences in audiences.sorted().map { (publisher, $0) } }
        return (pairs.map(\.0), pairs.map(\.1))
    }

    static func duration(seconds: Double) -> Duration {
        .milliseconds(Int64((max(0, seconds) * 1000).rounded(.up)))
    }
}

/// Where a delivery stands (`chorus.deliveries.state`).
public enum DeliveryState: String, Sendable, Hashable, Codable, CaseIterable {
    /// To be attempted (again) once its time has come.
    case queued
    /// A publisher took it: final.
    case delivered
    /// Every attempt failed: final, kept for an operator to look at.
    case givenUp = "given_up"
}

/// A delivery a deliverer holds for one attempt.
public struct DeliveryClaim: Sendable, Hashable {
    public var id: Int
    public var publisher: String
    /// Whom it goes to: a participant for a draft.
    public var audience: String
    /// Where it went last, as stored (no secrets).
    public var destination: String
    public var idempotencyKey: String
    /// The released draft it delivers; `nil` for other messages, which carry their ``payload``.
    public var draftID: Int?
    public var payload: String?
    /// This attempt's number, from 1.
    public var attempt: Int
}

/// One attempt of a claimed delivery, as it is recorded.
public struct DeliveryAttempt: Sendable, Hashable {
    public var claim: DeliveryClaim
    /// Where it went, as it may be stored (no secrets).
    public var destination: String
    public var statusCode: Int?
    /// Why it failed, in words without the address.
    public var error: String?
    public var next: DeliveryOutcome

    public init(claim: DeliveryClaim, destination: String, statusCode: Int?, error: String?, next: DeliveryOutcome) {
        self.claim = claim
        self.destination = destination
        self.statusCode = statusCode
        self.error = error
        self.next = next
    }
}

/// What becomes of a delivery after an attempt.
public enum DeliveryOutcome: Sendable, Hashable {
    case delivered
    /// Failed; try again after this wait.
    case retry(after: Duration)
    /// Failed for the last time.
    case givenUp
}

/// A delivery as operators see it.
public struct DeliveryRecord: Sendable, Codable, Equatable {
    public var id: Int
    public var publisher: String
    public var audience: String
    public var destination: String
    public var state: DeliveryState
    public var attempts: Int
    public var deliveredAt: Date?
    public var lastError: String?
}
