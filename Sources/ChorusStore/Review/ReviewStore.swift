import ChorusCore
import Foundation
import Postgres
import Synchronization

/// The review operations over one connection: what `chorus review`, `chorus outbox` and `chorus drill --clear`
/// do. Every decision goes through the workflow functions of migration 2 (`chorus.approve_draft`, …), so the
/// database checks it whoever calls, records the session user in the audit, and refuses illegal moves with a
/// ``ReviewError``.
public struct ReviewStore {
    /// The connection, used on the caller's thread.
    public let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    // MARK: Reading

    /// The queue, newest bundle first: the bundles and their summaries in one statement.
    public func list(_ filter: ReviewFilter = ReviewFilter()) throws -> [BundleSummary] {
        try connection.query(Self.listQuery(filter)).rows.map(Self.summary(_:))
    }

    /// The console's queue page: ``list(_:)`` and the filters' choices — the rules, participants and
    /// languages of the bundles with drafts awaiting a reviewer (one pass over those drafts) — in one
    /// round trip.
    public func queue(_ filter: ReviewFilter) throws -> (bundles: [BundleSummary], choices: FilterChoices) {
        let awaiting = DraftState.awaitingReview.map(\.rawValue).sorted()
        let results = try connection.pipeline([
            Self.listQuery(filter),
            """
            SELECT coalesce(array_agg(DISTINCT b.rule_id ORDER BY b.rule_id), '{}') AS rules,
                   coalesce(array_agg(DISTINCT d.participant ORDER BY d.participant), '{}') AS participants,
                   coalesce(array_agg(DISTINCT d.language ORDER BY d.language), '{}') AS languages
            FROM chorus.drafts d JOIN chorus.bundles b ON b.id = d.bundle_id
            WHERE d.state = ANY(\(awaiting))
            """,
        ])
        let row = results[1].first
        let choices = FilterChoices(rules: try row?.decode("rules") ?? [], participants: try row?.decode("participants") ?? [],
                                    languages: try row?.decode("languages") ?? [])
        return (try results[0].rows.map(Self.summary(_:)), choices)
    }

    private static func listQuery(_ filter: ReviewFilter) -> Query {
        let states: [String]? = filter.states.map { $0.map(\.rawValue).sorted() }
        return """
            \(unescaped: Self.summarySelect)
            WHERE b.id IN (
                SELECT q.id FROM chorus.bundles q
                WHERE (\(filter.drill)::boolean IS NULL OR q.is_drill = \(filter.drill))
                  AND (\(filter.rule)::text IS NULL OR q.rule_id = \(filter.rule))
                  AND ((\(states)::text[] IS NULL AND \(filter.participant)::text IS NULL AND \(filter.language)::text IS NULL)
                       OR EXISTS (SELECT 1 FROM chorus.drafts d WHERE d.bundle_id = q.id
                                  AND (\(states)::text[] IS NULL OR d.state = ANY(\(states)))
                                  AND (\(filter.participant)::text IS NULL OR d.participant = \(filter.participant))
                                  AND (\(filter.language)::text IS NULL OR d.language = \(filter.language))))
                ORDER BY q.created_at DESC, q.id DESC
                LIMIT \(filter.limit > 0 ? filter.limit : nil))
            ORDER BY b.created_at DESC, b.id DESC
            """
    }

    /// Summaries of `ids`, in that order (ids that do not exist are left out).
    public func summaries(of ids: [Int]) throws -> [BundleSummary] {
        guard !ids.isEmpty else { return [] }
        return try Self.summaries(of: ids, try connection.query(Self.summariesQuery(ids)))
    }

    private static func summariesQuery(_ ids: [Int]) -> Query {
        "\(unescaped: Self.summarySelect) WHERE b.id = ANY(\(ids))"
    }

    /// The summaries of ``summariesQuery(_:)``'s result, in the order of `ids`.
    private static func summaries(of ids: [Int], _ result: QueryResult) throws -> [BundleSummary] {
        var byID: [Int: BundleSummary] = [:]
        for row in result.rows {
            let summary = try Self.summary(row)
            byID[summary.id] = summary
        }
        return ids.compactMap { byID[$0] }
    }

    /// What ``summaries(of:)`` and ``list(_:)`` read, before their `WHERE`.
    private static let summarySelect = """
        SELECT b.id, b.rule_id, b.is_drill, b.release_policy, b.not_before, b.expires_at, b.flag, b.created_at, b.updated_at,
               e.payload::text AS payload,
               CASE WHEN bf.facts IS NOT NULL OR f.id <> e.id THEN coalesce(bf.facts, f.payload)::text END AS facts,
               coalesce((SELECT jsonb_object_agg(state, n)::text FROM (
                   SELECT state, count(*) AS n FROM chorus.drafts WHERE bundle_id = b.id GROUP BY state) s), '{}') AS states,
               ARRAY(SELECT summary FROM chorus.action_items a WHERE a.bundle_id = b.id ORDER BY a.id) AS actions,
               c.certainty, c.origins, c.sources_required
        FROM chorus.bundles b JOIN chorus.events e ON e.id = b.event_id JOIN chorus.events f ON f.id = b.facts_event_id
        LEFT JOIN chorus.bundle_events bf ON bf.bundle_id = b.id AND bf.event_id = b.facts_event_id
        LEFT JOIN chorus.corroborations c ON c.bundle_id = b.id
        """

    /// A row of ``summarySelect``.
    static func summary(_ row: Row) throws -> BundleSummary {
        var states: [DraftState: Int] = [:]
        for (state, count) in try JSONDecoder().decode([String: Int].self, from: Data(try row.decode("states", as: String.self).utf8)) {
            guard let state = DraftState(rawValue: state) else {
                throw PostgresError(.decoding, message: "holds a state that is not a DraftState", column: "states")
            }
            states[state] = count
        }
        var corroboration: CorroborationBrief?
        if let certainty = try row.decode("certainty", as: Event.Certainty?.self) {
            corroboration = CorroborationBrief(certainty: certainty, origins: try row.decode("origins"),
                                               required: try row.decode("sources_required"))
        }
        // The facts are the opening event's until an update changes them: that event is decoded once.
        let event = try Self.event(try row.decode("payload"))
        let facts = try row.decode("facts", as: String?.self).map(Self.event) ?? event
        return BundleSummary(
            id: try row.decode("id"), ruleId: try row.decode("rule_id"), isDrill: try row.decode("is_drill"),
            releasePolicy: try row.decode("release_policy", as: ReleasePolicy.self), notBefore: try row.decode("not_before"),
            expiresAt: try row.decode("expires_at"), flag: try row.decode("flag"), createdAt: try row.decode("created_at"),
            updatedAt: try row.decode("updated_at"),
            event: Self.brief(event), facts: IncidentFacts(facts),
            draftStates: states, actionItems: try row.decode("actions"), corroboration: corroboration)
    }

    /// Everything about a bundle: every draft, the events, the action items, the audit trail and the
    /// corroboration — seven statements in one round trip.
    public func bundle(_ id: Int) throws -> BundleDetail {
        let corroboration = CorroborationStore.queries(bundle: id)
        let results = try connection.pipeline([
            Self.summariesQuery([id]),
            """
            SELECT be.role, e.payload::text AS payload FROM chorus.bundle_events be JOIN chorus.events e ON e.id = be.event_id
            WHERE be.bundle_id = \(id) ORDER BY (be.role = 'opened') DESC, e.id
            """,
            """
            SELECT id, key, kind, summary, due_at, time_zone, state, is_drill FROM chorus.action_items
            WHERE bundle_id = \(id) ORDER BY id
            """,
            Self.draftsQuery(bundle: id),
            Self.auditQuery(bundle: id),
            corroboration.evidence,
            corroboration.records,
        ])
        guard let summary = try Self.summaries(of: [id], results[0]).first else { throw ReviewError(.notFound, "there is no bundle \(id)") }
        let events = try results[1].rows.map { row in
            BundleEventRecord(role: try row.decode("role", as: BundleEventRole.self), event: try Self.event(try row.decode("payload")))
        }
        let actions = try results[2].rows.map { row in
            ActionItemRecord(id: try row.decode("id"), key: try row.decode("key"), kind: try row.decode("kind"),
                             summary: try row.decode("summary"), dueAt: try row.decode("due_at"),
                             timeZone: try row.decode("time_zone"), state: try row.decode("state", as: ActionItemState.self),
                             isDrill: try row.decode("is_drill"))
        }
        return BundleDetail(bundle: summary, draftId: nil, events: events, drafts: try results[3].rows.map(Self.draft(_:)),
                            actionItems: actions, audit: try results[4].rows.map(Self.auditRecord(_:)),
                            corroboration: try CorroborationStore.records(evidence: results[5], records: results[6]).first)
    }

    /// A draft's bundle, showing only that draft and its audit rows.
    public func draftDetail(_ id: Int) throws -> BundleDetail {
        let draft = try self.draft(id)
        var detail = try bundle(draft.bundleId)
        detail.draftId = id
        detail.drafts = [draft]
        detail.audit = detail.audit.filter { $0.draftId == id }
        return detail
    }

    /// One draft.
    public func draft(_ id: Int) throws -> DraftRecord {
        guard let draft = try connection.query("\(unescaped: Self.draftQuery) WHERE d.id = \(id)").rows.map(Self.draft(_:)).first else {
            throw ReviewError(.notFound, "there is no draft \(id)")
        }
        return draft
    }

    /// A bundle's drafts, by participant, channel and language (replaced ones after the live ones).
    public func drafts(bundle: Int) throws -> [DraftRecord] {
        try connection.query(Self.draftsQuery(bundle: bundle)).rows.map(Self.draft(_:))
    }

    private static func draftsQuery(bundle: Int) -> Query {
        """
        \(unescaped: Self.draftQuery) WHERE d.bundle_id = \(bundle)
        ORDER BY d.state = ANY(\(DraftState.replaced.map(\.rawValue).sorted())), d.participant, d.channel, d.language, d.id
        """
    }

    /// What ``draft(_:)`` and ``drafts(bundle:)`` read, before their `WHERE`: two statements rather than one
    /// with `$1 IS NULL OR …`, which PostgreSQL plans anew on every call (a plan for "any draft" cannot use
    /// an index) — the console runs them on every page.
    private static let draftQuery = """
        SELECT d.id, d.bundle_id, d.participant, d.country, d.channel, d.handle, d.language, d.text, d.revision, d.version,
               d.state, d.phase, d.not_before, d.weighted_length, d.length_limit, d.problem, d.is_drill, d.flag,
               d.last_edited_by, d.approved_by, d.approved_at, d.released_at, d.release_seq, d.created_at, d.updated_at,
               CASE WHEN d.facts_event_id <> d.event_id THEN coalesce(bw.facts, w.payload)::text END AS written_for,
               CASE WHEN d.facts_event_id <> d.event_id THEN coalesce(bf.facts, f.payload)::text END AS stands_on
        FROM chorus.drafts d JOIN chorus.events w ON w.id = d.event_id JOIN chorus.events f ON f.id = d.facts_event_id
        LEFT JOIN chorus.bundle_events bw ON bw.bundle_id = d.bundle_id AND bw.event_id = d.event_id
        LEFT JOIN chorus.bundle_events bf ON bf.bundle_id = d.bundle_id AND bf.event_id = d.facts_event_id
        """

    /// The audit trail of a bundle, oldest first.
    public func audit(bundle: Int) throws -> [AuditRecord] {
        try connection.query(Self.auditQuery(bundle: bundle)).rows.map(Self.auditRecord(_:))
    }

    private static func auditQuery(bundle: Int) -> Query {
        """
        SELECT id, draft_id, actor, action, note, before_text, after_text, before_facts::text AS before_facts,
               after_facts::text AS after_facts, at
        FROM chorus.review_audit WHERE bundle_id = \(bundle) ORDER BY id
        """
    }

    /// Audit rows of every bundle after row `id`, oldest first, at most `limit`, each with its bundle: what
    /// `chorus review watch` reports as it happens, and catches up on after a reconnect.
    public func audit(after id: Int, limit: Int = 1000) throws -> [(bundle: Int, record: AuditRecord)] {
        try connection.query("""
            SELECT bundle_id, id, draft_id, actor, action, note, before_text, after_text, before_facts::text AS before_facts,
                   after_facts::text AS after_facts, at
            FROM chorus.review_audit WHERE id > \(id) ORDER BY id LIMIT \(limit)
            """).rows.map { (try $0.decode("bundle_id", as: Int.self), try Self.auditRecord($0)) }
    }

    /// The newest audit row's id (0 when there is none): where a watcher starts.
    public func latestAuditID() throws -> Int {
        try connection.query("SELECT coalesce(max(id), 0)::bigint AS id FROM chorus.review_audit").first?.decode("id", as: Int.self) ?? 0
    }

    static func auditRecord(_ row: Row) throws -> AuditRecord {
        AuditRecord(id: try row.decode("id"), draftId: try row.decode("draft_id"), actor: try row.decode("actor"),
                    action: try row.decode("action", as: AuditAction.self), note: try row.decode("note"),
                    beforeText: try row.decode("before_text"), afterText: try row.decode("after_text"),
                    beforeFacts: try row.decode("before_facts", as: String?.self).map(IncidentFacts.decode(jsonText:)),
                    afterFacts: try row.decode("after_facts", as: String?.self).map(IncidentFacts.decode(jsonText:)),
                    at: try row.decode("at"))
    }

    // MARK: Decisions

    /// Approves a draft as the session user. `expectedVersion` is the version the reviewer was shown
    /// (`nil`: whatever it is now). Releases the bundle when that makes it due.
    public func approve(draft: Int, expectedVersion: Int?, note: String?) throws {
        try ReviewError.mapping {
            _ = try connection.query("SELECT chorus.approve_draft(\(draft), \(expectedVersion)::integer, \(note))")
        }
    }

    /// Approves every pending draft of a bundle that the session user did not edit last; returns their ids.
    /// Drafts that need an edit, and those the session user edited (another reviewer must approve them),
    /// are left as they are. Call it inside a transaction for all or nothing.
    @discardableResult
    public func approve(bundle: Int, note: String?) throws -> [Int] {
        let me = try connection.query("SELECT session_user::text AS me").first?.decode("me", as: String.self)
        let pending = try drafts(bundle: bundle).filter { $0.state == .pending && $0.lastEditedBy != me }
        for draft in pending { try approve(draft: draft.id, expectedVersion: draft.version, note: note) }
        return pending.map(\.id)
    }

    /// Rejects a draft; `reason` is required.
    public func reject(draft: Int, expectedVersion: Int?, reason: String) throws {
        try ReviewError.mapping {
            _ = try connection.query("SELECT chorus.reject_draft(\(draft), \(expectedVersion)::integer, \(reason))")
        }
    }

    /// Rejects every live, unreleased draft of a bundle; returns their ids. Call it inside a transaction for
    /// all or nothing.
    @discardableResult
    public func reject(bundle: Int, reason: String) throws -> [Int] {
        let open = try drafts(bundle: bundle).filter(\.state.isUnreleased)
        for draft in open { try reject(draft: draft.id, expectedVersion: draft.version, reason: reason) }
        return open.map(\.id)
    }

    /// A new revision of a draft's text, measured here as its channel counts (ChorusCore's `TextMeasure`);
    /// the database puts it in `needs_edit` when it is over the limit. A drill draft's new text keeps the
    /// drill marker. Returns the draft as it is now.
    @discardableResult
    /// A text holding a control character other than tab and line breaks is refused here, with the
    /// character named (the database refuses it too; U+0000 could not even be sent).
    public func edit(draft id: Int, expectedVersion: Int?, text: String, note: String? = nil) throws -> DraftRecord {
        if let control = text.unicodeScalars.first(where: { scalar in
            scalar.properties.generalCategory == .control && scalar != "\t" && scalar != "\n" && scalar != "\r"
        }) {
            let code = String(control.value, radix: 16, uppercase: true)
            throw ReviewError(.invalid, "the new text holds the control character U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code); only tab and line breaks are allowed")
        }
        let current = try draft(id)
        // An edit of a drill draft keeps its drill marker, whether the editor kept it or not.
        let text = current.isDrill ? DraftRevision.keepingDrillMarker(text, language: current.language).text : text
        let length = current.channel.length(of: text)
        try ReviewError.mapping {
            _ = try connection.query("""
                SELECT chorus.edit_draft(\(id), \(expectedVersion ?? current.version)::integer, \(text), \(length)::integer, \(note))
                """)
        }
        return try draft(id)
    }

    // MARK: Release, expiry, outbox

    /// Applies the release policies (and expiry) to every bundle; returns how many drafts were released.
    /// The daemon calls this periodically.
    @discardableResult
    public func releaseDue() throws -> Int {
        try ReviewError.mapping { try connection.query("SELECT chorus.release_due() AS n").first?.decode("n", as: Int.self) ?? 0 }
    }

    /// Expires every unreleased draft of bundles past their expiry; returns how many.
    @discardableResult
    public func expireDue() throws -> Int {
        try ReviewError.mapping { try connection.query("SELECT chorus.expire_due() AS n").first?.decode("n", as: Int.self) ?? 0 }
    }

    /// Released drafts after `seq`, in release order.
    public func outbox(after seq: Int = 0, limit: Int = 1000) throws -> [OutboxRecord] {
        try outboxRecords(connection.query("""
            SELECT \(unescaped: Self.outboxColumns)
            FROM chorus.drafts d JOIN chorus.bundles b ON b.id = d.bundle_id
            JOIN chorus.events e ON e.id = d.facts_event_id JOIN chorus.events f ON f.id = b.facts_event_id
            LEFT JOIN chorus.bundle_events be ON be.bundle_id = d.bundle_id AND be.event_id = d.facts_event_id
            LEFT JOIN chorus.bundle_events bf ON bf.bundle_id = b.id AND bf.event_id = b.facts_event_id
            WHERE d.state = \(DraftState.released.rawValue) AND d.release_seq > \(seq)
            ORDER BY d.release_seq LIMIT \(limit)
            """))
    }

    /// The outbox records of the released drafts `ids`, in release order (others are left out). Found by
    /// id, however long the outbox has grown.
    public func outbox(drafts ids: [Int]) throws -> [OutboxRecord] {
        guard !ids.isEmpty else { return [] }
        return try outboxRecords(connection.query("""
            SELECT \(unescaped: Self.outboxColumns)
            FROM chorus.drafts d JOIN chorus.bundles b ON b.id = d.bundle_id
            JOIN chorus.events e ON e.id = d.facts_event_id JOIN chorus.events f ON f.id = b.facts_event_id
            LEFT JOIN chorus.bundle_events be ON be.bundle_id = d.bundle_id AND be.event_id = d.facts_event_id
            LEFT JOIN chorus.bundle_events bf ON bf.bundle_id = b.id AND bf.event_id = b.facts_event_id
            WHERE d.id = ANY(\(ids)) AND d.state = \(DraftState.released.rawValue)
            """)).sorted { $0.seq < $1.seq }
    }

    private static let outboxColumns = """
        d.release_seq, d.id, d.bundle_id, b.rule_id, d.participant, d.country, d.channel, d.handle, d.language, d.text,
        d.revision, d.phase, d.approved_by, d.approved_at, d.released_at, d.flag, coalesce(be.facts, e.payload)::text AS payload,
        coalesce(bf.facts, f.payload)::text AS facts
        """

    private func outboxRecords(_ result: QueryResult) throws -> [OutboxRecord] {
        try result.rows.map { row in
            let id: Int = try row.decode("id")
            let revision: Int = try row.decode("revision")
            let language: String = try row.decode("language")
            return OutboxRecord(
                seq: try row.decode("release_seq"), draftId: id, bundleId: try row.decode("bundle_id"), ruleId: try row.decode("rule_id"),
                participant: try row.decode("participant"), country: try row.decode("country"),
                channel: try row.decode("channel", as: Channel.self), handle: try row.decode("handle"), language: language,
                direction: LanguageSupport.isRightToLeft(language) ? "rtl" : "ltr", text: try row.decode("text"),
                revision: revision, phase: try row.decode("phase"), approvedBy: try row.decode("approved_by"),
                approvedAt: try row.decode("approved_at"), releasedAt: try row.decode("released_at"), flag: try row.decode("flag"),
                event: Self.brief(try Self.event(try row.decode("payload"))),
                facts: IncidentFacts(try Self.event(try row.decode("facts"))),
                idempotencyKey: Self.idempotencyKey(draft: id, revision: revision))
        }
    }

    /// The key deliveries of a released draft send (`Idempotency-Key`): the same for every attempt.
    public static func idempotencyKey(draft: Int, revision: Int) -> String { "chorus-draft-\(draft)-r\(revision)" }

    /// Removes drill bundles created at least `olderThan` seconds ago, with everything that belongs to them;
    /// returns how many bundles were removed.
    @discardableResult
    public func clearDrills(olderThan seconds: Double = 0) throws -> Int {
        try ReviewError.mapping {
            try connection.query("SELECT chorus.clear_drills(make_interval(secs => \(seconds))) AS n").first?.decode("n", as: Int.self) ?? 0
        }
    }

    // MARK: Rows

    static func draft(_ row: Row) throws -> DraftRecord {
        let language: String = try row.decode("language")
        var changes: [FactChange]?
        if let written = try row.decode("written_for", as: String?.self), let standsOn = try row.decode("stands_on", as: String?.self) {
            let found = IncidentFacts(try event(written)).changes(to: IncidentFacts(try event(standsOn)))
            changes = found.isEmpty ? nil : found
        }
        return DraftRecord(
            id: try row.decode("id"), bundleId: try row.decode("bundle_id"), participant: try row.decode("participant"),
            country: try row.decode("country"), channel: try row.decode("channel", as: Channel.self), handle: try row.decode("handle"),
            language: language, direction: LanguageSupport.isRightToLeft(language) ? "rtl" : "ltr", text: try row.decode("text"),
            revision: try row.decode("revision"), version: try row.decode("version"), state: try row.decode("state", as: DraftState.self),
            phase: try row.decode("phase"), notBefore: try row.decode("not_before"),
            weightedLength: try row.decode("weighted_length"), limit: try row.decode("length_limit"),
            problem: try row.decode("problem"), isDrill: try row.decode("is_drill"), flag: try row.decode("flag"),
            factsChangedSinceWritten: changes,
            lastEditedBy: try row.decode("last_edited_by"), approvedBy: try row.decode("approved_by"),
            approvedAt: try row.decode("approved_at"), releasedAt: try row.decode("released_at"),
            releaseSeq: try row.decode("release_seq"), createdAt: try row.decode("created_at"),
            updatedAt: try row.decode("updated_at"))
    }

    /// The event stored as `payload`: decoded once per distinct text (``decodedEvents``).
    static func event(_ payload: String) throws -> Event {
        if let known = decodedEvents.withLock({ $0[payload] }) { return known }
        let event = try JSONDecoder().decode(Event.self, from: Data(payload.utf8))
        decodedEvents.withLock { cache in
            if cache.count >= 1024 { cache.removeAll(keepingCapacity: true) }
            cache[payload] = event
        }
        return event
    }

    /// Events decoded so far, by their stored JSON text: every console page shows events (a queue of 20
    /// bundles decodes 20 or more), and decoding was a tenth of the console's CPU (docs/BENCHMARKS.md,
    /// *Console*). Keyed by the whole text, never by an id, so that a changed row can never show as it was
    /// (whatever writer changes it); bounded, emptied when full.
    private static let decodedEvents = Mutex<[String: Event]>([:])

    static func brief(_ event: Event) -> EventBrief {
        EventBrief(id: event.id, source: event.source ?? "", kind: event.kind, status: event.status,
                   msgType: event.msgType, countries: event.countries, place: event.place,
                   occurredAt: event.occurredAt, fatalities: event.fatalities, injured: event.injured,
                   headline: event.headline["en"] ?? event.headline.sorted { $0.key < $1.key }.first?.value)
    }
}
