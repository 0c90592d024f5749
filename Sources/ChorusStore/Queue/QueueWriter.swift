import ChorusCore
import Foundation
import Postgres

/// Writes what the pipeline produced into the queue: events, rejected inputs, bundles, drafts, action items,
/// their audit rows and the sources' cursors — all in one transaction, so that a crash at any moment neither
/// loses nor duplicates anything.
///
/// Idempotent: an event already stored (same source, id and version) is skipped with everything it would
/// have drafted, so a source that re-reads after a crash changes nothing. The story continues in the
/// database: an event that belongs to a bundle — by reference, by incident, or by its rule's suppression
/// key — is handed with the bundle's drafts to ``Correlation/decide(event:feed:link:plan:bundle:)``, and the
/// writer persists what it decided (redrafts, drafts sent back to review, withdrawals, flags), nothing
/// else. Correlation holds across restarts and across instances: bundles are found by incident and
/// suppression key under transaction-level advisory locks, and their drafts are locked while decided on.
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
            try run.persistCorroboration()
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
    /// Incidents held until corroborated (rules with `corroboration`), and their evidence.
    private var corroboration = CorroborationLedger()

    init(connection: Connection) {
        self.connection = connection
    }

    mutating func write(_ batch: QueueBatch) throws {
        let rows = try insertEvents(batch)
        let work: [WorkItem] = batch.events.enumerated().compactMap { index, planned in
            rows[index].map { WorkItem(event: planned.event, row: $0, plans: planned.plans) }
        }
        let reports = work.map { (event: $0.event, plans: $0.plans) }
        try lockCorrelationKeys(work.flatMap(\.plans), extra: CorroborationLedger.lockKeys(reports))
        // One lookup for the whole batch; an event that may meet a bundle opened earlier in this batch looks
        // again once that bundle is written.
        let found = try findBundles(for: work)
        try corroboration.load(reports, feed: batch.source, bundles: found.flatMap(\.values).map(\.bundle), on: connection)
        for (index, item) in work.enumerated() {
            var links = found[index]
            let meetsPending = !pendingKeys.isDisjoint(with: item.plans.flatMap(Self.keys(of:)))
            if meetsPending || (item.looksUpByEvent && !pendingBundles.isEmpty) {
                try flushNewBundles()
                links = try findBundles(for: [item]).first ?? [:]
            }
            var continued: Set<String> = []
            for plan in item.plans {
                if let link = links[plan.ruleID] {
                    continued.insert(plan.ruleID)
                    try continueBundle(link, item: item, plan: plan, source: batch.source, planner: batch.planner)
                    corroboration.note(item.event, row: item.row, feed: batch.source, plan: plan, bundle: link.bundle)
                } else if item.event.msgType != .cancel {
                    // A rule that demands corroboration holds the report, or opens the bundle it corroborates,
                    // or folds it into the bundle its incident opened before.
                    if let policy = plan.corroboration {
                        switch corroboration.weigh(item.event, row: item.row, feed: batch.source, plan: plan, policy: policy) {
                        case .hold, .join: continue
                        case .open: break
                        }
                    }
                    // The report that opens the bundle is drafted now, if drafting waited for it.
                    let plan = plan.waitsForCorroboration ? batch.planner?.plan(item.event, ruleID: plan.ruleID) ?? plan : plan
                    pendingBundles.append((plan, item.row))
                    pendingKeys.formUnion(Self.keys(of: plan))
                }
            }
            // Bundles of rules the event did not match: an update or cancel applies to them all the same.
            for (rule, link) in links.sorted(by: { $0.value.bundle < $1.value.bundle }) where !continued.contains(rule) {
                try continueBundle(link, item: item, plan: nil, source: batch.source, planner: batch.planner)
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
    private mutating func lockCorrelationKeys(_ plans: [BundlePlan], extra: [String]) throws {
        let keys = Set(plans.flatMap(Self.keys(of:)) + extra).subtracting(lockedKeys).sorted()
        guard !keys.isEmpty else { return }
        try connection.execute("""
            SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(\(keys)) AS k ORDER BY k
            """)
        lockedKeys.formUnion(keys)
    }

    /// For each work item, the bundles its event belongs to, one per rule: the one its references were
    /// drafted into (any rule's), else the one of its incident, else — for the rules it matched — one with
    /// its suppression key inside the rule's window.
    ///
    /// Set-wise equality joins that the planner serves from the indexes rather than a lookup per event: a
    /// batch of new alerts costs two statements whatever its size; references and the incidents of updates,
    /// cancels and unmatched alerts one each more.
    private func findBundles(for items: [WorkItem]) throws -> [[String: BundleLink]] {
        var links = [[String: BundleLink]](repeating: [:], count: items.count)
        guard !items.isEmpty else { return links }
        func record(_ result: QueryResult, positions: [Int], link: CorrelationLink) throws {
            for row in result.rows {
                let index = positions[try row.decode("position", as: Int.self) - 1]
                let rule: String = try row.decode("rule_id")
                if links[index][rule] == nil { links[index][rule] = BundleLink(bundle: try row.decode("id"), link: link) }
            }
        }
        // Any rule's bundle that an event's references were drafted into.
        let referring = items.indices.filter { !items[$0].event.references.isEmpty }
        if !referring.isEmpty {
            let references = try referring.map { index in
                PostgresJSONText(String(decoding: try JSONEncoder().encode(items[index].event.references), as: UTF8.self))
            }
            try record(connection.query("""
                SELECT DISTINCT ON (p.position, b.rule_id) p.position, b.rule_id, b.id
                FROM unnest(\(references), \(referring.map { items[$0].event.isDrill })) WITH ORDINALITY AS p(refs, is_drill, position)
                CROSS JOIN LATERAL jsonb_array_elements_text(p.refs) AS r(event_id)
                JOIN chorus.events e ON e.event_id = r.event_id
                JOIN chorus.bundle_events be ON be.event_id = e.id
                JOIN chorus.bundles b ON b.id = be.bundle_id AND b.is_drill = p.is_drill
                ORDER BY p.position, b.rule_id, b.created_at DESC, b.id DESC
                """), positions: referring, link: .reference)
        }
        // Any rule's bundle of the incident, for events that may apply to bundles of rules they did not match.
        let byEvent = items.indices.filter { items[$0].looksUpByEvent }
        if !byEvent.isEmpty {
            try record(connection.query("""
                SELECT DISTINCT ON (p.position, b.rule_id) p.position, b.rule_id, b.id
                FROM unnest(\(byEvent.map { BundlePlanner.incidentKey(of: items[$0].event) }), \(byEvent.map { items[$0].event.isDrill }))
                     WITH ORDINALITY AS p(incident_key, is_drill, position)
                JOIN chorus.bundles b ON b.incident_key = p.incident_key AND b.is_drill = p.is_drill
                ORDER BY p.position, b.rule_id, b.created_at DESC, b.id DESC
                """), positions: byEvent, link: .incident)
        }
        // The matched rules' bundles of the incident, then of the suppression key.
        let plans = items.indices.flatMap { index in items[index].plans.map { (index, $0) } }
        guard !plans.isEmpty else { return links }
        let positions = plans.map(\.0)
        let rules = plans.map(\.1.ruleID)
        let drills = plans.map(\.1.isDrill)
        try record(connection.query("""
            SELECT DISTINCT ON (p.position) p.position, b.rule_id, b.id
            FROM unnest(\(rules), \(drills), \(plans.map(\.1.incidentKey))) WITH ORDINALITY AS p(rule_id, is_drill, incident_key, position)
            JOIN chorus.bundles b ON b.rule_id = p.rule_id AND b.incident_key = p.incident_key AND b.is_drill = p.is_drill
            ORDER BY p.position, b.created_at DESC, b.id DESC
            """), positions: positions, link: .incident)
        try record(connection.query("""
            SELECT DISTINCT ON (p.position) p.position, b.rule_id, b.id
            FROM unnest(\(rules), \(drills), \(plans.map(\.1.suppression.key)),
                        \(plans.map { Double($0.1.suppression.windowSeconds) }))
                 WITH ORDINALITY AS p(rule_id, is_drill, suppression_key, window_seconds, position)
            JOIN chorus.bundles b ON b.rule_id = p.rule_id AND b.suppression_key = p.suppression_key AND b.is_drill = p.is_drill
                 AND b.created_at > now() - make_interval(secs => p.window_seconds)
            ORDER BY p.position, b.created_at DESC, b.id DESC
            """), positions: positions, link: .suppression)
        return links
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
                                        release_policy, not_before, expires_at, flag)
            SELECT rule_id, ruleset_version, event_id, incident_key, suppression_key, is_drill, release_policy,
                   not_before, expires_at, flag
            FROM unnest(\(plans.map(\.ruleID)), \(plans.map(\.ruleSetVersion)), \(pending.map(\.eventRow)),
                        \(plans.map(\.incidentKey)), \(plans.map(\.suppression.key)), \(plans.map(\.isDrill)),
                        \(plans.map(\.release.policy.rawValue)), \(plans.map(\.release.notBefore)),
                        \(plans.map(\.release.expiresAt)), \(PostgresNullableArray(plans.map(Self.openingFlag))))
                 WITH ORDINALITY AS p(rule_id, ruleset_version, event_id, incident_key, suppression_key, is_drill,
                                      release_policy, not_before, expires_at, flag, position)
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
        corroboration.bundlesOpened(opened.map { ($0.eventRow, $0.plan.ruleID, $0.bundle) })
        try connection.execute("""
            INSERT INTO chorus.bundle_events (bundle_id, event_id, role)
            SELECT * FROM unnest(\(opened.map(\.bundle)), \(opened.map(\.eventRow)), \(opened.map { _ in "opened" }))
            """)
        // New bundles' drafts cannot meet existing rows; a slot a rule names twice is drafted once.
        var slots: Set<String> = []
        let drafts = opened.flatMap { item in
            item.plan.drafts.map { (item.bundle, item.eventRow, item.eventRow, item.plan.ruleSetVersion, $0, String?.none) }
        }.filter { slots.insert("\($0.0)|\($0.4.slot)").inserted }
        try insertDrafts(drafts, mayMeetExistingRows: false)
        try insertActionItems(opened.flatMap { item in item.plan.actionItems.map { (item.bundle, item.plan.isDrill, $0) } })
        summary.bundlesOpened += opened.map(\.bundle)
        summary.bundlesTouched.formUnion(opened.map(\.bundle))
    }

    /// What reviewers must know about a bundle from the start: a desk officer must approve it (expulsions).
    static func openingFlag(_ plan: BundlePlan) -> String? {
        plan.release.deskOfficer ? "a desk officer must approve this bundle before anything goes out" : nil
    }

    /// Inserts drafts with their 'drafted' audit rows. `ON CONFLICT DO NOTHING` (a speculative insertion,
    /// markedly slower) only where a row may already exist: when a bundle's story continues.
    private mutating func insertDrafts(
        _ drafts: [(bundle: Int, eventRow: Int, factsRow: Int, ruleSetVersion: String, draft: Draft, flag: String?)],
        mayMeetExistingRows: Bool
    ) throws {
        guard !drafts.isEmpty else { return }
        let conflictClause = mayMeetExistingRows ? "ON CONFLICT DO NOTHING" : ""
        summary.draftsCreated += try connection.execute("""
            WITH inserted AS (
                INSERT INTO chorus.drafts (bundle_id, event_id, facts_event_id, participant, channel, language, text, state,
                                           weighted_length, length_limit, problem, is_drill, ruleset_version, handle, country,
                                           phase, not_before, flag, rest_periods)
                SELECT b, e, f, p, c, l, t, s, w, m, pr, dr, v, h, co, ph, nb, fl, r::tstzmultirange
                FROM unnest(\(drafts.map(\.bundle)), \(drafts.map(\.eventRow)), \(drafts.map(\.factsRow)),
                                     \(drafts.map(\.draft.participant)), \(drafts.map(\.draft.channel.rawValue)),
                                     \(drafts.map(\.draft.language)), \(drafts.map(\.draft.text)), \(drafts.map(\.draft.state.rawValue)),
                                     \(drafts.map(\.draft.length)), \(drafts.map(\.draft.limit)),
                                     \(PostgresNullableArray(drafts.map(\.draft.problem))), \(drafts.map(\.draft.isDrill)),
                                     \(drafts.map(\.ruleSetVersion)), \(drafts.map(\.draft.handle)), \(drafts.map(\.draft.country)),
                                     \(PostgresNullableArray(drafts.map(\.draft.phase))),
                                     \(PostgresNullableArray(drafts.map(\.draft.notBefore))), \(PostgresNullableArray(drafts.map(\.flag))),
                                     \(PostgresNullableArray(drafts.map { Self.multirange($0.draft.restPeriods) })))
                     AS u(b, e, f, p, c, l, t, s, w, m, pr, dr, v, h, co, ph, nb, fl, r)
                \(unescaped: conflictClause)
                RETURNING id, bundle_id, text, problem
            )
            INSERT INTO chorus.review_audit (bundle_id, draft_id, action, note, after_text)
            SELECT bundle_id, id, \(AuditAction.drafted.rawValue), problem, text FROM inserted
            """)
    }

    /// A draft's rest periods as a `tstzmultirange` literal (`{["2019-10-08T15:37:00Z","2019-10-09T15:38:00Z")}`),
    /// `nil` for none.
    static func multirange(_ periods: [RestPeriod]?) -> String? {
        guard let periods, !periods.isEmpty else { return nil }
        return "{" + periods.map { "[\"\(RFC3339.format($0.start))\",\"\(RFC3339.format($0.end))\")" }.joined(separator: ",") + "}"
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

    /// Hands the event and the bundle to ``Correlation`` and persists its decision.
    private mutating func continueBundle(_ link: BundleLink, item: WorkItem, plan: BundlePlan?, source: String,
                                         planner: RulePlanner?) throws {
        let bundle = link.bundle
        guard let state = try bundleState(bundle) else { return }
        var plan = plan
        let relation = Correlation.relation(of: item.event, feed: source, link: link.link, to: state.bundle)
        // An update states the facts anew over the bundle's: what it leaves out keeps its value
        // (Correlation.merged), so the redraft is planned from the merged facts, with the old ones beside
        // them for the figures it revised.
        var event = item.event
        if relation == .update {
            event = Correlation.merged(item.event, over: state.bundle.current)
            plan = planner?.plan(event, ruleID: state.ruleID, previous: state.bundle.current) ?? plan
        }
        let decision = Correlation.decide(event: event, feed: source, link: link.link, plan: plan, bundle: state.bundle)
        guard let role = decision.relation.role else { return }
        let mergedFacts = decision.movesFacts && event != item.event ? PostgresJSONText(try event.jsonLine()) : nil
        try connection.execute("""
            INSERT INTO chorus.bundle_events (bundle_id, event_id, role, facts)
            VALUES (\(bundle), \(item.row), \(role.rawValue), \(mergedFacts))
            ON CONFLICT DO NOTHING
            """)
        var outcome = Correlated(eventID: item.event.id, bundle: bundle, relation: decision.relation, changes: decision.changes)
        defer {
            summary.correlations.append(outcome)
            summary.bundlesTouched.insert(bundle)
        }
        guard decision.relation != .report else { return }
        let before = try IncidentFacts(state.bundle.current).jsonText()
        let after = try IncidentFacts(event).jsonText()
        let facts: (before: String?, after: String?) = decision.changes.isEmpty ? (nil, nil) : (before, after)
        var withdrawn: [Int] = [], superseded: [Int] = [], restated: [Int] = [], flagged: [Int] = []
        var created: [(bundle: Int, eventRow: Int, plan: BundlePlan?, draft: Draft, flag: String?)] = []
        let factsRow = decision.movesFacts ? item.row : state.factsRow
        for draft in decision.drafts {
            switch draft {
            case .insert(let new): created.append((bundle, item.row, plan, new, nil))
            case .supersede(let id, let new, let flag):
                superseded.append(id)
                created.append((bundle, item.row, plan, new, flag))
            case .restate(let id, _): restated.append(id)
            case .withdraw(let id): withdrawn.append(id)
            case .flag(let id): flagged.append(id)
            }
        }
        outcome.withdrawn = try retire(withdrawn, to: .withdrawn, note: decision.reason, facts: facts)
        outcome.superseded = try retire(superseded, to: .superseded, note: decision.reason, facts: facts)
        summary.draftsWithdrawn += outcome.withdrawn
        summary.draftsSuperseded += outcome.superseded
        if decision.movesFacts {
            let pending = restated.count
            outcome.returned = try connection.query("""
                SELECT chorus.apply_facts(\(bundle), \(item.row), \(restated), \(decision.reason),
                                          \(PostgresJSONText(before)), \(PostgresJSONText(after))) AS returned
                """).first?.decode("returned", as: Int.self) ?? 0
            outcome.flagged += pending - outcome.returned
        }
        outcome.flagged += try flag(flagged, bundle: bundle, reason: decision.reason, facts: facts)
        summary.draftsReturnedToReview += outcome.returned
        summary.draftsFlagged += outcome.flagged
        let createdBefore = summary.draftsCreated
        try insertDrafts(created.map { ($0.bundle, $0.eventRow, factsRow, $0.plan?.ruleSetVersion ?? state.ruleSetVersion, $0.draft, $0.flag) },
                         mayMeetExistingRows: true)
        outcome.created = summary.draftsCreated - createdBefore
        switch decision.actionItems {
        case .keep: break
        case .add(let items): try insertActionItems(items.map { (bundle, item.event.isDrill, $0) })
        case .withdraw:
            try connection.execute("""
                UPDATE chorus.action_items SET state = \(ActionItemState.withdrawn.rawValue)
                WHERE bundle_id = \(bundle) AND state = \(ActionItemState.pending.rawValue)
                """)
        }
        try connection.execute("""
            UPDATE chorus.bundles SET flag = coalesce(\(decision.bundleFlag), flag), updated_at = now() WHERE id = \(bundle)
            """)
    }

    /// Moves drafts to a final state the pipeline may set (superseded, withdrawn), each with its audit row.
    private func retire(_ drafts: [Int], to state: DraftState, note: String, facts: (before: String?, after: String?)) throws -> Int {
        guard !drafts.isEmpty else { return 0 }
        let action: AuditAction = state == .withdrawn ? .withdrawn : .superseded
        return try connection.execute("""
            WITH changed AS (
                UPDATE chorus.drafts SET state = \(state.rawValue), updated_at = now()
                WHERE id = ANY(\(drafts)) RETURNING id, bundle_id, text
            )
            INSERT INTO chorus.review_audit (bundle_id, draft_id, action, note, before_text, before_facts, after_facts)
            SELECT bundle_id, id, \(action.rawValue), \(note), text, \(facts.before.map(PostgresJSONText.init)),
                   \(facts.after.map(PostgresJSONText.init))
            FROM changed
            """)
    }

    /// Flags released drafts: what went out stays as it is; reviewers are told why to look again.
    private func flag(_ drafts: [Int], bundle: Int, reason: String, facts: (before: String?, after: String?)) throws -> Int {
        guard !drafts.isEmpty else { return 0 }
        return try connection.execute("""
            WITH changed AS (
                UPDATE chorus.drafts SET flag = \(reason), updated_at = now() WHERE id = ANY(\(drafts)) RETURNING id, bundle_id
            )
            INSERT INTO chorus.review_audit (bundle_id, draft_id, action, note, before_facts, after_facts)
            SELECT bundle_id, id, \(AuditAction.flagged.rawValue), \(reason), \(facts.before.map(PostgresJSONText.init)),
                   \(facts.after.map(PostgresJSONText.init))
            FROM changed
            """)
    }

    /// The bundle as correlation needs it, its drafts locked until the transaction ends; `nil` when it is gone.
    private func bundleState(_ bundle: Int) throws -> BundleState? {
        guard let row = try connection.query("""
            SELECT b.rule_id, b.ruleset_version, b.incident_key, b.facts_event_id, e.source,
                   coalesce(be.facts, e.payload)::text AS payload
            FROM chorus.bundles b JOIN chorus.events e ON e.id = b.facts_event_id
            LEFT JOIN chorus.bundle_events be ON be.bundle_id = b.id AND be.event_id = b.facts_event_id
            WHERE b.id = \(bundle)
            """).first else { return nil }
        let drafts = try connection.query("""
            SELECT id, participant, channel, language, phase, state, text, revision FROM chorus.drafts
            WHERE bundle_id = \(bundle) ORDER BY id FOR UPDATE
            """).rows.compactMap { row -> DraftSnapshot? in
            // A draft of a channel or state this build does not know is left alone.
            guard let channel = Channel(rawValue: try row.decode("channel")),
                  let state = DraftState(rawValue: try row.decode("state")) else { return nil }
            return DraftSnapshot(id: try row.decode("id"),
                                 slot: DraftSlot(participant: try row.decode("participant"), channel: channel,
                                                 language: try row.decode("language"), phase: try row.decode("phase")),
                                 state: state, text: try row.decode("text"), revision: try row.decode("revision"))
        }
        let current = try JSONDecoder().decode(Event.self, from: Data(try row.decode("payload", as: String.self).utf8))
        return BundleState(
            ruleID: try row.decode("rule_id"), ruleSetVersion: try row.decode("ruleset_version"), factsRow: try row.decode("facts_event_id"),
            bundle: CorrelatedBundle(id: bundle, incidentKey: try row.decode("incident_key"), current: current,
                                     currentFeed: try row.decode("source"), drafts: drafts))
    }

    // MARK: Corroboration

    /// Writes the held incidents and their evidence (after the last new bundles are in).
    mutating func persistCorroboration() throws {
        let written = try corroboration.persist(on: connection)
        summary.reportsHeld += written.reportsHeld
        summary.incidentsHeld.formUnion(written.held)
        summary.bundlesCorroborated += written.corroborated
        for (eventID, bundle) in written.joined {
            summary.correlations.append(Correlated(eventID: eventID, bundle: bundle, relation: .report, changes: []))
            summary.bundlesTouched.insert(bundle)
        }
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

/// A new event of the batch, stored for the first time, with its plans.
private struct WorkItem {
    var event: Event
    /// Its row in `chorus.events`.
    var row: Int
    var plans: [BundlePlan]

    /// Whether it may apply to bundles of rules it did not match: an update or a cancel, or an alert no
    /// rule matched that names its incident (a feed revising it below a rule's threshold).
    var looksUpByEvent: Bool {
        switch event.msgType {
        case .update, .cancel: true
        case .alert: plans.isEmpty && event.incident != nil
        }
    }
}

/// A bundle an event belongs to, and how it was found.
private struct BundleLink {
    var bundle: Int
    var link: CorrelationLink
}

/// What the writer knows of a bundle besides what correlation decides on.
private struct BundleState {
    var ruleID: String
    var ruleSetVersion: String
    /// The row of the event whose facts it stands on.
    var factsRow: Int
    var bundle: CorrelatedBundle
}
