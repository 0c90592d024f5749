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
        let work = batch.events.enumerated().flatMap { index, planned in
            rows[index] == nil ? [] : planned.plans.map { (plan: $0, event: planned.event, eventRow: rows[index] ?? 0) }
        }
        try lockCorrelationKeys(work.map(\.plan))
        // One lookup for the whole batch; a plan that meets a bundle opened earlier in this batch looks again
        // once that bundle is written.
        let found = try findBundles(for: work.map { ($0.plan, $0.event) })
        for (index, item) in work.enumerated() {
            var existing = found[index]
            if !pendingKeys.isDisjoint(with: Self.keys(of: item.plan)) {
                try flushNewBundles()
                existing = try findBundles(for: [(item.plan, item.event)]).first ?? nil
            }
            switch (item.event.msgType, existing) {
            case (.cancel, nil):
                continue
            case (.cancel, let bundle?):
                try cancel(bundle: bundle, eventRow: item.eventRow, reason: "event \(item.event.id) cancelled it")
            case (_, nil):
                pendingBundles.append((item.plan, item.eventRow))
                pendingKeys.formUnion(Self.keys(of: item.plan))
            case (let type, let bundle?):
                try continueStory(bundle: bundle, plan: item.plan, eventRow: item.eventRow,
                                  role: type == .update ? "update" : "correlated")
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
        // Stored once: a rejection already there (the same document read again) is skipped, as events are.
        // No conflict target, which would need SELECT on the table the daemon's role may only insert into.
        let recorded = try connection.execute("""
            INSERT INTO chorus.rejected_inputs (source, item, reason, raw, raw_size, fingerprint)
            SELECT \(batch.source), item, reason, raw, raw_size,
                   sha256(convert_to(coalesce(item, '') || chr(10) || reason || chr(10) || raw_size, 'UTF8') || coalesce(raw, ''))
            FROM unnest(\(PostgresNullableArray(rejections.map(\.item))), \(rejections.map(\.reason)),
                        \(PostgresNullableArray(rejections.map { $0.raw.map { Data($0.prefix(QueueWriter.maximumRawBytes)) } })),
                        \(rejections.map { $0.raw?.count ?? 0 })) AS r(item, reason, raw, raw_size)
            ON CONFLICT DO NOTHING
            """)
        summary.rejectionsRecorded += recorded
        summary.rejectionsAlreadyKnown += rejections.count - recorded
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

    /// For each plan, the bundle its event belongs to: the one its references were drafted into, else the one
    /// of its incident, else one with its suppression key inside the rule's window; `nil` when there is none.
    ///
    /// Three set-wise joins (equality joins the planner serves from the indexes) rather than a correlated
    /// lookup per plan: one batch costs three statements whatever its size.
    private func findBundles(for plans: [(plan: BundlePlan, event: Event)]) throws -> [Int?] {
        guard !plans.isEmpty else { return [] }
        let rules = plans.map(\.plan.ruleID)
        let drills = plans.map(\.plan.isDrill)
        func bundles(_ result: QueryResult) throws -> [Int: Int] {
            var byPosition: [Int: Int] = [:]
            for row in result.rows { byPosition[try row.decode("position", as: Int.self)] = try row.decode("id", as: Int.self) }
            return byPosition
        }
        var referenced: [Int: Int] = [:]
        if plans.contains(where: { !$0.event.references.isEmpty }) {
            let references = try plans.map { item in
                PostgresJSONText(String(decoding: try JSONEncoder().encode(item.event.references), as: UTF8.self))
            }
            referenced = try bundles(connection.query("""
                SELECT DISTINCT ON (p.position) p.position, b.id
                FROM unnest(\(rules), \(drills), \(references)) WITH ORDINALITY AS p(rule_id, is_drill, refs, position)
                CROSS JOIN LATERAL jsonb_array_elements_text(p.refs) AS r(event_id)
                JOIN chorus.events e ON e.event_id = r.event_id
                JOIN chorus.bundle_events be ON be.event_id = e.id
                JOIN chorus.bundles b ON b.id = be.bundle_id AND b.rule_id = p.rule_id AND b.is_drill = p.is_drill
                ORDER BY p.position, b.created_at DESC, b.id DESC
                """))
        }
        let byIncident = try bundles(connection.query("""
            SELECT DISTINCT ON (p.position) p.position, b.id
            FROM unnest(\(rules), \(drills), \(plans.map(\.plan.incidentKey))) WITH ORDINALITY AS p(rule_id, is_drill, incident_key, position)
            JOIN chorus.bundles b ON b.rule_id = p.rule_id AND b.incident_key = p.incident_key AND b.is_drill = p.is_drill
            ORDER BY p.position, b.created_at DESC, b.id DESC
            """))
        let bySuppression = try bundles(connection.query("""
            SELECT DISTINCT ON (p.position) p.position, b.id
            FROM unnest(\(rules), \(drills), \(plans.map(\.plan.suppression.key)),
                        \(plans.map { Double($0.plan.suppression.windowSeconds) }))
                 WITH ORDINALITY AS p(rule_id, is_drill, suppression_key, window_seconds, position)
            JOIN chorus.bundles b ON b.rule_id = p.rule_id AND b.suppression_key = p.suppression_key AND b.is_drill = p.is_drill
                 AND b.created_at > now() - make_interval(secs => p.window_seconds)
            ORDER BY p.position, b.created_at DESC, b.id DESC
            """))
        return (1...plans.count).map { position in
            referenced[position] ?? byIncident[position] ?? bySuppression[position]
        }
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
        // New bundles' drafts cannot meet existing rows; a slot a rule names twice is drafted once.
        var slots: Set<String> = []
        let drafts = opened.flatMap { item in item.plan.drafts.map { (item.bundle, item.eventRow, item.plan, $0) } }
            .filter { slots.insert("\($0.0)|\($0.3.participant)|\($0.3.channel.rawValue)|\($0.3.language)").inserted }
        try insertDrafts(drafts, mayMeetExistingRows: false)
        try insertActionItems(opened.flatMap { item in item.plan.actionItems.map { (item.bundle, item.plan.isDrill, $0) } })
        summary.bundlesOpened += opened.map(\.bundle)
        summary.bundlesTouched.formUnion(opened.map(\.bundle))
    }

    /// Inserts drafts with their 'drafted' audit rows. `ON CONFLICT DO NOTHING` (a speculative insertion,
    /// markedly slower) only where a row may already exist: when a bundle's story continues.
    private mutating func insertDrafts(
        _ drafts: [(bundle: Int, eventRow: Int, plan: BundlePlan, draft: Draft)], mayMeetExistingRows: Bool
    ) throws {
        guard !drafts.isEmpty else { return }
        let conflictClause = mayMeetExistingRows ? "ON CONFLICT DO NOTHING" : ""
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
                \(unescaped: conflictClause)
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
        try insertDrafts(replacements, mayMeetExistingRows: true)
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
