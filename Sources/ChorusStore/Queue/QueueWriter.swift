import ChorusCore
import Foundation
import Postgres

/// Writes what the pipeline produced into the queue: events, rejected inputs, bundles, drafts, action items,
/// their audit rows and the sources' cursors — all in one transaction, so that a crash at any moment neither
/// loses nor duplicates anything.
///
/// Idempotent: an event already stored (same source, id and version) is skipped with everything it would
/// have drafted, so a source that re-reads after a crash changes nothing. The story continues in the
/// database: an update or a further report of an incident that already has a bundle supersedes that
/// bundle's pending drafts whose text changed (approved or released drafts are never changed, only
/// flagged), and a cancel withdraws pending drafts and flags approved ones. Correlation holds across
/// restarts and across instances: bundles are found by incident and suppression key under transaction-level
/// advisory locks.
public struct QueueWriter: Sendable {
    /// The channel reviewers LISTEN on; the payload is a comma-separated list of bundle ids (or empty).
    public static let notificationChannel = "chorus_review"
    /// The most raw bytes kept of a rejected input.
    public static let maximumRawBytes = 64 * 1024

    public init() {}

    /// Writes `batches` in one transaction and sends one notification when any bundle changed.
    @discardableResult
    public func write(_ batches: [QueueBatch], on connection: Connection) throws -> QueueWriteSummary {
        try connection.transaction { transaction in
            var run = WriteRun(connection: transaction)
            for batch in batches { try run.write(batch) }
            try run.flushNewBundles()
            try run.notifyReviewers()
            return run.summary
        }
    }
}

/// The state of one transaction's write.
private struct WriteRun {
    let connection: Connection
    var summary = QueueWriteSummary()
    /// New bundles waiting to be inserted together, with the row id of the event that opened them.
    private var pendingBundles: [(plan: BundlePlan, eventRow: Int)] = []
    private var pendingKeys: Set<String> = []
    private var lockedKeys: Set<String> = []

    init(connection: Connection) {
        self.connection = connection
    }

    mutating func write(_ batch: QueueBatch) throws {
        let rows = try insertEvents(batch)
        try lockCorrelationKeys(batch.events.flatMap(\.plans))
        for (index, planned) in batch.events.enumerated() {
            guard let eventRow = rows[index] else { continue }
            for plan in planned.plans {
                if !pendingKeys.isDisjoint(with: Self.keys(of: plan)) { try flushNewBundles() }
                let existing = try findBundle(for: plan, event: planned.event)
                switch (planned.event.msgType, existing) {
                case (.cancel, nil):
                    continue
                case (.cancel, let bundle?):
                    try cancel(bundle: bundle, eventRow: eventRow, reason: "event \(planned.event.id) cancelled it")
                case (_, nil):
                    pendingBundles.append((plan, eventRow))
                    pendingKeys.formUnion(Self.keys(of: plan))
                case (let type, let bundle?):
                    try continueStory(bundle: bundle, plan: plan, eventRow: eventRow, role: type == .update ? "update" : "correlated")
                }
            }
        }
        try insertRejections(batch)
        if let cursor = batch.cursor {
            try connection.execute("""
                INSERT INTO chorus.source_cursors (source, cursor) VALUES (\(batch.source), \(PostgresJSONText(cursor)))
                ON CONFLICT (source) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = now()
                """)
        }
    }

    // MARK: Events

    /// Inserts the batch's events; returns each one's row id, or `nil` when it was already stored.
    private mutating func insertEvents(_ batch: QueueBatch) throws -> [Int?] {
        guard !batch.events.isEmpty else { return [] }
        let events = batch.events.map(\.event)
        let versions = events.map { $0.sentAt.map(RFC3339.format) ?? "" }
        let payloads = try events.map { PostgresJSONText(try $0.jsonLine()) }
        let result = try connection.query("""
            INSERT INTO chorus.events (source, event_id, version, kind, status, msg_type, incident, refs, countries,
                                       sent_at, occurred_at, payload)
            SELECT \(batch.source), i.event_id, i.version, i.payload->>'kind', i.payload->>'status', i.payload->>'msgType',
                   i.payload->>'incident',
                   ARRAY(SELECT jsonb_array_elements_text(coalesce(i.payload->'references', '[]'))),
                   ARRAY(SELECT jsonb_array_elements_text(coalesce(i.payload->'countries', '[]'))),
                   i.sent_at, i.occurred_at, i.payload
            FROM unnest(\(events.map(\.id)), \(versions), \(PostgresNullableArray(events.map(\.sentAt))),
                        \(PostgresNullableArray(events.map(\.occurredAt))), \(payloads))
                 WITH ORDINALITY AS i(event_id, version, sent_at, occurred_at, payload, position)
            ORDER BY i.position
            ON CONFLICT (source, event_id, version) DO NOTHING
            RETURNING id, event_id, version
            """)
        var rowByKey: [String: Int] = [:]
        for row in result.rows {
            rowByKey[try row.decode("event_id", as: String.self) + "\u{0}" + row.decode("version", as: String.self)] =
                try row.decode("id", as: Int.self)
        }
        var rows: [Int?] = []
        for (event, version) in zip(events, versions) {
            // A key may repeat within the batch; only its first occurrence owns the row.
            let row = rowByKey.removeValue(forKey: event.id + "\u{0}" + version)
            rows.append(row)
            if row == nil { summary.eventsAlreadyKnown += 1 } else { summary.eventsRecorded += 1 }
        }
        return rows
    }

    private mutating func insertRejections(_ batch: QueueBatch) throws {
        guard !batch.rejections.isEmpty else { return }
        let rejections = batch.rejections
        summary.rejectionsRecorded += try connection.execute("""
            INSERT INTO chorus.rejected_inputs (source, item, reason, raw, raw_size)
            SELECT \(batch.source), item, reason, raw, raw_size
            FROM unnest(\(PostgresNullableArray(rejections.map(\.item))), \(rejections.map(\.reason)),
                        \(PostgresNullableArray(rejections.map { $0.raw.map { Data($0.prefix(QueueWriter.maximumRawBytes)) } })),
                        \(rejections.map { $0.raw?.count ?? 0 })) AS r(item, reason, raw, raw_size)
            """)
    }

    // MARK: Correlation

    private static func keys(of plan: BundlePlan) -> [String] {
        let drill = plan.isDrill ? "drill" : "live"
        return ["\(drill)|\(plan.ruleID)|incident|\(plan.incidentKey)", "\(drill)|\(plan.ruleID)|suppress|\(plan.suppression.key)"]
    }

    /// Serializes writers that could open or continue the same bundles (another instance, another source).
    private mutating func lockCorrelationKeys(_ plans: [BundlePlan]) throws {
        let keys = Set(plans.flatMap(Self.keys(of:))).subtracting(lockedKeys).sorted()
        guard !keys.isEmpty else { return }
        try connection.execute("""
            SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(\(keys)) AS k ORDER BY k
            """)
        lockedKeys.formUnion(keys)
    }

    /// The bundle the plan's event belongs to: the one its references were drafted into, else the one of its
    /// incident, else one with its suppression key inside the rule's window.
    private func findBundle(for plan: BundlePlan, event: Event) throws -> Int? {
        if !event.references.isEmpty {
            let referenced = try connection.query("""
                SELECT b.id FROM chorus.events e
                JOIN chorus.bundle_events be ON be.event_id = e.id
                JOIN chorus.bundles b ON b.id = be.bundle_id
                WHERE e.event_id = ANY(\(event.references)) AND b.rule_id = \(plan.ruleID) AND b.is_drill = \(plan.isDrill)
                ORDER BY b.created_at DESC, b.id DESC LIMIT 1
                """).first
            if let referenced { return try referenced.decode("id", as: Int.self) }
        }
        return try connection.query("""
            SELECT id FROM chorus.bundles
            WHERE rule_id = \(plan.ruleID) AND is_drill = \(plan.isDrill)
              AND (incident_key = \(plan.incidentKey)
                   OR (suppression_key = \(plan.suppression.key)
                       AND created_at > now() - make_interval(secs => \(Double(plan.suppression.windowSeconds)))))
            ORDER BY created_at DESC, id DESC LIMIT 1
            """).first?.decode("id", as: Int.self)
    }

    // MARK: New bundles

    /// Inserts the bundles waiting to be opened, with their drafts, action items and audit rows.
    mutating func flushNewBundles() throws {
        guard !pendingBundles.isEmpty else { return }
        let pending = pendingBundles
        pendingBundles = []
        pendingKeys = []
        let plans = pending.map(\.plan)
        let inserted = try connection.query("""
            INSERT INTO chorus.bundles (rule_id, ruleset_version, event_id, incident_key, suppression_key, is_drill,
                                        release_policy, not_before, expires_at)
            SELECT rule_id, ruleset_version, event_id, incident_key, suppression_key, is_drill, release_policy,
                   not_before, expires_at
            FROM unnest(\(plans.map(\.ruleID)), \(plans.map(\.ruleSetVersion)), \(pending.map(\.eventRow)),
                        \(plans.map(\.incidentKey)), \(plans.map(\.suppression.key)), \(plans.map(\.isDrill)),
                        \(plans.map(\.release.policy.rawValue)), \(plans.map(\.release.notBefore)),
                        \(plans.map(\.release.expiresAt)))
                 WITH ORDINALITY AS p(rule_id, ruleset_version, event_id, incident_key, suppression_key, is_drill,
                                      release_policy, not_before, expires_at, position)
            ORDER BY p.position
            ON CONFLICT (event_id, rule_id) DO NOTHING
            RETURNING id, event_id, rule_id
            """)
        var bundleByKey: [String: Int] = [:]
        for row in inserted.rows {
            bundleByKey["\(try row.decode("event_id", as: Int.self))|\(try row.decode("rule_id", as: String.self))"] =
                try row.decode("id", as: Int.self)
        }
        var opened: [(bundle: Int, plan: BundlePlan, eventRow: Int)] = []
        for (plan, eventRow) in pending {
            guard let bundle = bundleByKey["\(eventRow)|\(plan.ruleID)"] else { continue }
            opened.append((bundle, plan, eventRow))
        }
        guard !opened.isEmpty else { return }
        try connection.execute("""
            INSERT INTO chorus.bundle_events (bundle_id, event_id, role)
            SELECT * FROM unnest(\(opened.map(\.bundle)), \(opened.map(\.eventRow)), \(opened.map { _ in "opened" }))
            """)
        try insertDrafts(opened.flatMap { item in item.plan.drafts.map { (item.bundle, item.eventRow, item.plan, $0) } })
        try insertActionItems(opened.flatMap { item in item.plan.actionItems.map { (item.bundle, item.plan.isDrill, $0) } })
        summary.bundlesOpened += opened.map(\.bundle)
        summary.bundlesTouched.formUnion(opened.map(\.bundle))
    }

    private mutating func insertDrafts(_ drafts: [(bundle: Int, eventRow: Int, plan: BundlePlan, draft: Draft)]) throws {
        guard !drafts.isEmpty else { return }
        summary.draftsCreated += try connection.execute("""
            WITH inserted AS (
                INSERT INTO chorus.drafts (bundle_id, event_id, participant, channel, language, text, state,
                                           weighted_length, length_limit, problem, is_drill, ruleset_version)
                SELECT * FROM unnest(\(drafts.map(\.bundle)), \(drafts.map(\.eventRow)), \(drafts.map(\.draft.participant)),
                                     \(drafts.map(\.draft.channel.rawValue)), \(drafts.map(\.draft.language)),
                                     \(drafts.map(\.draft.text)), \(drafts.map(\.draft.state.rawValue)),
                                     \(drafts.map(\.draft.length)), \(drafts.map(\.draft.limit)),
                                     \(PostgresNullableArray(drafts.map(\.draft.problem))), \(drafts.map(\.draft.isDrill)),
                                     \(drafts.map(\.plan.ruleSetVersion)))
                ON CONFLICT DO NOTHING
                RETURNING id, bundle_id, text, problem
            )
            INSERT INTO chorus.review_audit (bundle_id, draft_id, action, note, after_text)
            SELECT bundle_id, id, 'drafted', problem, text FROM inserted
            """)
    }

    private func insertActionItems(_ items: [(bundle: Int, isDrill: Bool, item: ActionItem)]) throws {
        guard !items.isEmpty else { return }
        let details = try items.map { item -> PostgresJSONText in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .custom { date, encoder in
                var container = encoder.singleValueContainer()
                try container.encode(RFC3339.format(date))
            }
            return PostgresJSONText(String(decoding: try encoder.encode(item.item), as: UTF8.self))
        }
        try connection.execute("""
            INSERT INTO chorus.action_items (bundle_id, key, kind, summary, due_at, time_zone, details, is_drill)
            SELECT * FROM unnest(\(items.map(\.bundle)), \(items.map { "\($0.item.action):\($0.item.landmark)" }),
                                 \(items.map(\.item.action)), \(items.map(\.item.summary)), \(items.map(\.item.at)),
                                 \(items.map(\.item.timeZone)), \(details), \(items.map(\.isDrill)))
            ON CONFLICT (bundle_id, key) DO NOTHING
            """)
    }

    // MARK: The story continues

    /// An update or a further report for an existing bundle: pending drafts whose text changed are
    /// superseded by new ones; approved and released drafts stay as they are and are flagged.
    private mutating func continueStory(bundle: Int, plan: BundlePlan, eventRow: Int, role: String) throws {
        try connection.execute("""
            INSERT INTO chorus.bundle_events (bundle_id, event_id, role) VALUES (\(bundle), \(eventRow), \(role))
            ON CONFLICT DO NOTHING
            """)
        let live = try liveDrafts(of: bundle)
        var replacements: [(bundle: Int, eventRow: Int, plan: BundlePlan, draft: Draft)] = []
        var superseded: [Int] = []
        var flagged: [Int] = []
        for draft in plan.drafts {
            let slot = LiveDraft.Slot(participant: draft.participant, channel: draft.channel.rawValue, language: draft.language)
            guard let current = live[slot] else {
                replacements.append((bundle, eventRow, plan, draft))
                continue
            }
            switch current.state {
            case "pending", "needs_edit":
                if current.text != draft.text {
                    superseded.append(current.id)
                    replacements.append((bundle, eventRow, plan, draft))
                }
            case "approved", "released":
                if current.text != draft.text { flagged.append(current.id) }
            default:
                continue
            }
        }
        if !superseded.isEmpty {
            summary.draftsSuperseded += try connection.execute("""
                WITH changed AS (
                    UPDATE chorus.drafts SET state = 'superseded', updated_at = now()
                    WHERE id = ANY(\(superseded)) RETURNING id, bundle_id, text
                )
                INSERT INTO chorus.review_audit (bundle_id, draft_id, action, note, before_text)
                SELECT bundle_id, id, 'superseded', \("updated by event \(plan.eventID)"), text FROM changed
                """)
        }
        try flag(drafts: flagged, bundle: bundle, reason: "event \(plan.eventID) updated the facts after approval")
        try insertDrafts(replacements)
        try insertActionItems(plan.actionItems.map { (bundle, plan.isDrill, $0) })
        try connection.execute("UPDATE chorus.bundles SET updated_at = now() WHERE id = \(bundle)")
        summary.bundlesTouched.insert(bundle)
    }

    /// A cancel: pending drafts and action items are withdrawn; approved and released drafts are flagged.
    private mutating func cancel(bundle: Int, eventRow: Int, reason: String) throws {
        try connection.execute("""
            INSERT INTO chorus.bundle_events (bundle_id, event_id, role) VALUES (\(bundle), \(eventRow), 'cancel')
            ON CONFLICT DO NOTHING
            """)
        let live = try liveDrafts(of: bundle).values
        let withdrawn = live.filter { $0.state == "pending" || $0.state == "needs_edit" }.map(\.id)
        let flagged = live.filter { $0.state == "approved" || $0.state == "released" }.map(\.id)
        if !withdrawn.isEmpty {
            summary.draftsWithdrawn += try connection.execute("""
                WITH changed AS (
                    UPDATE chorus.drafts SET state = 'withdrawn', updated_at = now()
                    WHERE id = ANY(\(withdrawn)) RETURNING id, bundle_id, text
                )
                INSERT INTO chorus.review_audit (bundle_id, draft_id, action, note, before_text)
                SELECT bundle_id, id, 'withdrawn', \(reason), text FROM changed
                """)
        }
        try flag(drafts: flagged, bundle: bundle, reason: reason)
        try connection.execute("""
            UPDATE chorus.action_items SET state = 'withdrawn' WHERE bundle_id = \(bundle) AND state = 'pending'
            """)
        try connection.execute("UPDATE chorus.bundles SET updated_at = now() WHERE id = \(bundle)")
        summary.bundlesTouched.insert(bundle)
    }

    private mutating func flag(drafts: [Int], bundle: Int, reason: String) throws {
        guard !drafts.isEmpty else { return }
        summary.draftsFlagged += try connection.execute("""
            WITH changed AS (
                UPDATE chorus.drafts SET flag = \(reason), updated_at = now() WHERE id = ANY(\(drafts)) RETURNING id, bundle_id
            )
            INSERT INTO chorus.review_audit (bundle_id, draft_id, action, note)
            SELECT bundle_id, id, 'flagged', \(reason) FROM changed
            """)
        try connection.execute("UPDATE chorus.bundles SET flag = \(reason) WHERE id = \(bundle)")
    }

    private func liveDrafts(of bundle: Int) throws -> [LiveDraft.Slot: LiveDraft] {
        var drafts: [LiveDraft.Slot: LiveDraft] = [:]
        for row in try connection.query("""
            SELECT id, participant, channel, language, text, state FROM chorus.drafts
            WHERE bundle_id = \(bundle) AND state NOT IN ('superseded', 'withdrawn', 'rejected', 'expired')
            """).rows {
            let slot = LiveDraft.Slot(participant: try row.decode("participant"), channel: try row.decode("channel"),
                                      language: try row.decode("language"))
            drafts[slot] = LiveDraft(id: try row.decode("id"), text: try row.decode("text"), state: try row.decode("state"))
        }
        return drafts
    }

    // MARK: Notification

    /// One small hint per transaction, delivered on commit: which bundles changed.
    func notifyReviewers() throws {
        guard !summary.bundlesTouched.isEmpty else { return }
        var payload = summary.bundlesTouched.sorted().map(String.init).joined(separator: ",")
        if payload.utf8.count > 7_000 { payload = "" }
        try connection.notify(QueueWriter.notificationChannel, payload: payload)
    }
}

/// A draft that is neither superseded, withdrawn, rejected nor expired.
private struct LiveDraft {
    struct Slot: Hashable {
        var participant: String
        var channel: String
        var language: String
    }

    var id: Int
    var text: String
    var state: String
}
