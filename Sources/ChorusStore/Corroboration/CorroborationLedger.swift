import ChorusCore
import Foundation
import Postgres

/// The held incidents one ``QueueWriter`` transaction works with: loaded set-wise for each batch, weighed in
/// memory with ``Corroboration`` (ChorusCore), written back set-wise before the commit — so an incident is
/// held, corroborated or joined in the same transaction as the events that made it so.
///
/// An incident is read back as its counts (``CorroborationTally``) and only those of its earlier reports
/// that bear on the batch's reports — the same origins, the same leads: what a transaction holds in memory
/// grows with its batch, not with how many outlets reported a story over the day.
///
/// Writers that could meet the same incidents (another source, another instance) are serialized by a
/// transaction-level advisory lock per rule and kind (``lockKeys(_:)``), taken with the writer's own keys.
struct CorroborationLedger {
    /// An incident of the working set and what this transaction did to it.
    private struct Entry {
        var incident: HeldIncident
        var policy: CorroborationPolicy
        var bundle: Int?
        /// Reports added in this transaction: event row, report, position among all its reports.
        var added: [(row: Int, report: CorroborationReport, position: Int)] = []
        /// The event row of its first report, for an incident this transaction opened.
        var firstRow: Int?
        var changed = false
        /// The event whose bundle opens the incident in this transaction, for the rule.
        var opening: Int?
        var corroboratedNow = false
    }

    /// What to do with an event's plan for a rule that demands corroboration.
    enum Decision {
        /// Held with its incident: no bundle yet.
        case hold
        /// This report corroborated its incident: open the bundle with the plan.
        case open
        /// A further report of an incident already corroborated: kept with its bundle as evidence, changing
        /// nothing (what ``Correlation`` decides for a report), written with the ledger.
        case join
    }

    private var entries: [Entry] = []
    private var entryByID: [Int: Int] = [:]
    private var entryByBundle: [Int: Int] = [:]
    /// Reports that joined a corroborated incident: entry, event row, feed id.
    private var joins: [(entry: Int, row: Int, eventID: String)] = []

    /// The advisory-lock keys of the batch's plans that demand corroboration.
    static func lockKeys(_ items: [(event: Event, plans: [BundlePlan])]) -> [String] {
        items.flatMap { item in
            item.plans.filter { $0.corroboration != nil }.map { "\($0.isDrill ? "drill" : "live")|\($0.ruleID)|corroboration|\(item.event.kind)" }
        }
    }

    // MARK: Loading

    /// Loads the open incidents the batch's reports may belong to, and those of the bundles they continue;
    /// cancels of reports an incident is held on cancel it.
    mutating func load(_ items: [(event: Event, plans: [BundlePlan])], feed: String, bundles: [Int], on connection: Connection) throws {
        try cancel(items.filter { $0.event.msgType == .cancel && !$0.event.references.isEmpty }.map(\.event), on: connection)
        var rules: [String] = [], drills: [Bool] = [], kinds: [String] = [], countries: [String] = [], keyless: [Bool] = []
        var keyedRules: [String] = [], keyedDrills: [Bool] = [], keys: [String] = []
        for item in items where item.event.msgType != .cancel {
            for plan in item.plans where plan.corroboration != nil {
                rules.append(plan.ruleID)
                drills.append(plan.isDrill)
                kinds.append(item.event.kind)
                countries.append(item.event.countries.joined(separator: ","))
                keyless.append(item.event.incident == nil)
                if let key = item.event.incident {
                    keyedRules.append(plan.ruleID)
                    keyedDrills.append(plan.isDrill)
                    keys.append(key)
                }
            }
        }
        let bundles = bundles.filter { entryByBundle[$0] == nil }
        guard !rules.isEmpty || !bundles.isEmpty else { return }
        let known = Array(entryByID.keys)
        // The open incidents of the reports' rules, kinds and countries — those a feed named only for reports
        // without a key of their own (``Corroboration/match(_:_:)``) —, those of the reports' incident keys,
        // and those of the bundles the reports continue. Each part has its index (migration 9).
        let rows = try connection.query("""
            SELECT c.id, c.rule_id, c.is_drill, c.kind, c.countries, c.place, c.lat, c.lon, c.incidents, c.state, c.certainty,
                   c.reports, c.origins, c.authorities, c.sources_required, c.first_seen_at, c.expires_at, c.bundle_id
            FROM chorus.corroborations c
            WHERE c.id IN (
                SELECT c.id FROM unnest(\(rules), \(drills), \(kinds), \(countries)) AS p(rule_id, is_drill, kind, countries)
                JOIN chorus.corroborations c ON c.rule_id = p.rule_id AND c.kind = p.kind AND c.is_drill = p.is_drill
                     AND c.state <> 'cancelled' AND c.incidents = '{}' AND c.expires_at > now()
                     AND (c.countries && string_to_array(p.countries, ',') OR (c.countries = '{}' AND p.countries = ''))
                UNION
                SELECT c.id FROM unnest(\(rules), \(drills), \(kinds), \(countries), \(keyless))
                     AS p(rule_id, is_drill, kind, countries, keyless)
                JOIN chorus.corroborations c ON c.rule_id = p.rule_id AND c.kind = p.kind AND c.is_drill = p.is_drill
                     AND c.state <> 'cancelled' AND c.incidents <> '{}' AND c.expires_at > now()
                     AND c.countries && string_to_array(p.countries, ',')
                WHERE p.keyless
                UNION
                SELECT c.id FROM unnest(\(keyedRules), \(keyedDrills), \(keys)) AS k(rule_id, is_drill, incident)
                JOIN chorus.corroborations c ON c.incidents @> ARRAY[k.incident] AND c.state <> 'cancelled'
                     AND c.rule_id = k.rule_id AND c.is_drill = k.is_drill AND c.expires_at > now()
                UNION
                SELECT c.id FROM chorus.corroborations c WHERE c.bundle_id = ANY(\(bundles)))
              AND NOT (c.id = ANY(\(known)))
            ORDER BY c.id
            """).rows
        for row in rows {
            let id: Int = try row.decode("id")
            let lat: Double? = try row.decode("lat"), lon: Double? = try row.decode("lon")
            let sketch = IncidentSketch(kind: try row.decode("kind"), countries: try row.decode("countries"), place: try row.decode("place"),
                                        location: lat.flatMap { lat in lon.map { Event.Location(lat: lat, lon: $0) } },
                                        incidents: try row.decode("incidents"))
            let tally = CorroborationTally(reports: try row.decode("reports"), origins: try row.decode("origins"),
                                           authorities: try row.decode("authorities"),
                                           certainty: try row.decode("certainty", as: Event.Certainty.self))
            let incident = HeldIncident(id: id, ruleID: try row.decode("rule_id"), isDrill: try row.decode("is_drill"), sketch: sketch,
                                        tally: tally, state: try row.decode("state", as: CorroborationState.self),
                                        firstSeenAt: try row.decode("first_seen_at"), expiresAt: try row.decode("expires_at"))
            let entry = Entry(incident: incident, policy: CorroborationPolicy(sources: try row.decode("sources_required"), windowSeconds: 0),
                              bundle: try row.decode("bundle_id"))
            entryByID[id] = entries.count
            if let bundle = entry.bundle { entryByBundle[bundle] = entries.count }
            entries.append(entry)
        }
        try recallEarlierReports(items, feed: feed, on: connection)
    }

    /// Tells every stored incident of the working set what its earlier reports say about the batch's: which
    /// of the batch's origins have reported it, which of its leads were printed before, by whom.
    private mutating func recallEarlierReports(_ items: [(event: Event, plans: [BundlePlan])], feed: String,
                                               on connection: Connection) throws {
        let ids = entries.compactMap { $0.incident.state == .cancelled ? nil : $0.incident.id }
        let reports = items.filter { $0.plans.contains { $0.corroboration != nil } }.map(\.event)
        guard !ids.isEmpty, !reports.isEmpty else { return }
        let origins = Array(Set(reports.map { CorroborationReport.origin(of: $0, feed: feed) }))
        let leads = Array(Set(reports.compactMap(CorroborationReport.fingerprint(of:))))
        // What ``CorroborationTally/recall(_:)`` learns, and no more: each (incident, origin) of the batch's
        // origins once (an outlet that reported a story ten times is one row, not ten), and for each of the
        // batch's leads the origin that printed it first — not every earlier report, whose number grows with
        // the day (a big outlet reports every big story again and again).
        var earlier: [Int: [CorroborationReport]] = [:]
        for row in try connection.query("""
            SELECT ev.corroboration_id, ev.origin, bool_or(ev.authoritative) AS authoritative
            FROM chorus.corroboration_evidence ev
            WHERE ev.corroboration_id = ANY(\(ids)) AND ev.origin = ANY(\(origins))
            GROUP BY ev.corroboration_id, ev.origin
            ORDER BY ev.corroboration_id, ev.origin
            """).rows {
            earlier[try row.decode("corroboration_id"), default: []].append(CorroborationReport(
                eventID: "", feed: feed, origin: try row.decode("origin"), isAuthoritative: try row.decode("authoritative"),
                certainty: .possible))
        }
        for row in try connection.query("""
            SELECT DISTINCT ON (ev.corroboration_id, ev.fingerprint) ev.corroboration_id, ev.origin, ev.fingerprint
            FROM chorus.corroboration_evidence ev
            WHERE ev.corroboration_id = ANY(\(ids)) AND ev.fingerprint = ANY(\(leads))
            ORDER BY ev.corroboration_id, ev.fingerprint, ev.position
            """).rows {
            earlier[try row.decode("corroboration_id"), default: []].append(CorroborationReport(
                eventID: "", feed: feed, origin: try row.decode("origin"), fingerprint: try row.decode("fingerprint"),
                isAuthoritative: false, certainty: .possible))
        }
        for (id, reports) in earlier {
            guard let index = entryByID[id] else { continue }
            entries[index].incident.tally.recall(reports)
        }
    }

    /// Cancels the held incidents that rest on a report `cancels` reference.
    private mutating func cancel(_ cancels: [Event], on connection: Connection) throws {
        guard !cancels.isEmpty else { return }
        for event in cancels {
            for index in entries.indices where entries[index].incident.state == .held && entries[index].incident.isDrill == event.isDrill
                && entries[index].incident.reports.contains(where: { event.references.contains($0.eventID) }) {
                entries[index].incident.state = .cancelled
                entries[index].changed = true
            }
        }
        let references = cancels.flatMap { event in event.references.map { ($0, event.isDrill) } }
        let cancelled = try connection.query("""
            UPDATE chorus.corroborations c SET state = \(CorroborationState.cancelled.rawValue), updated_at = now()
            WHERE c.state = \(CorroborationState.held.rawValue) AND c.id IN (
                SELECT ev.corroboration_id
                FROM unnest(\(references.map(\.0)), \(references.map(\.1))) AS r(event_id, is_drill)
                JOIN chorus.events e ON e.event_id = r.event_id AND (e.status = 'exercise') = r.is_drill
                JOIN chorus.corroboration_evidence ev ON ev.event_id = e.id)
            RETURNING c.id
            """).rows.map { try $0.decode("id", as: Int.self) }
        for id in cancelled {
            guard let index = entryByID[id] else { continue }
            entries[index].incident.state = .cancelled
        }
    }

    // MARK: Weighing

    /// Weighs `event`'s report (delivered by `feed`, stored as `row`) for `plan`, whose rule demands `policy`.
    mutating func weigh(_ event: Event, row: Int, feed: String, plan: BundlePlan, policy: CorroborationPolicy) -> Decision {
        let candidates = entries.indices.filter {
            let incident = entries[$0].incident
            return incident.ruleID == plan.ruleID && incident.isDrill == plan.isDrill && incident.state != .cancelled
                && incident.state != .expired
        }
        let index: Int
        if let found = Corroboration.bestMatch(for: event, among: candidates.map { entries[$0].incident }) {
            index = candidates[found]
        } else {
            let now = Date()
            index = entries.count
            entries.append(Entry(
                incident: HeldIncident(id: nil, ruleID: plan.ruleID, isDrill: plan.isDrill, sketch: IncidentSketch(event),
                                       firstSeenAt: now, expiresAt: now.addingTimeInterval(Double(policy.windowSeconds))),
                policy: policy, firstRow: row))
        }
        let outcome = add(event, row: row, feed: feed, policy: policy, to: index)
        switch outcome {
        case .held:
            return .hold
        case .opens:
            entries[index].opening = row
            entries[index].corroboratedNow = true
            return .open
        case .joins:
            joins.append((index, row, event.id))
            return .join
        }
    }

    /// Adds the report of an event that continued `bundle` (found by reference, incident or suppression
    /// key) to the bundle's incident, when it has one.
    mutating func note(_ event: Event, row: Int, feed: String, plan: BundlePlan, bundle: Int) {
        guard let policy = plan.corroboration, let index = entryByBundle[bundle] else { return }
        _ = add(event, row: row, feed: feed, policy: policy, to: index)
    }

    private mutating func add(_ event: Event, row: Int, feed: String, policy: CorroborationPolicy, to index: Int) -> CorroborationOutcome {
        let report = CorroborationReport(event, feed: feed, policy: policy)
        let before = entries[index].incident.tally.reports
        let outcome = Corroboration.add(report, of: event, to: &entries[index].incident, policy: policy)
        if entries[index].incident.tally.reports > before {
            entries[index].added.append((row, report, before))
        }
        entries[index].policy = policy
        entries[index].changed = true
        return outcome
    }

    /// Tells the ledger which bundles the writer opened: (event row, rule) → bundle.
    mutating func bundlesOpened(_ opened: [(eventRow: Int, ruleID: String, bundle: Int)]) {
        guard entries.contains(where: { $0.opening != nil && $0.bundle == nil }) else { return }
        var byKey: [String: Int] = [:]
        for item in opened { byKey["\(item.eventRow)|\(item.ruleID)"] = item.bundle }
        for index in entries.indices {
            guard entries[index].bundle == nil, let row = entries[index].opening,
                  let bundle = byKey["\(row)|\(entries[index].incident.ruleID)"] else { continue }
            entries[index].bundle = bundle
            entryByBundle[bundle] = index
        }
    }

    // MARK: Writing

    /// What ``persist(on:)`` wrote.
    struct Written {
        /// Incidents still held that gained a report.
        var held: [Int] = []
        /// The reports those incidents gained.
        var reportsHeld = 0
        /// Bundles opened by corroboration.
        var corroborated: [Int] = []
        /// Reports that joined the bundle of an incident corroborated before: feed id, bundle.
        var joined: [(eventID: String, bundle: Int)] = []
    }

    /// Writes the new and changed incidents and their new evidence, and records the evidence of the
    /// incidents corroborated in this transaction with their bundles.
    mutating func persist(on connection: Connection) throws -> Written {
        var written = Written()
        let fresh = entries.indices.filter { entries[$0].incident.id == nil && entries[$0].firstRow != nil && !entries[$0].added.isEmpty }
        if !fresh.isEmpty {
            let new = fresh.map { entries[$0] }
            for entry in new where entry.incident.state == .corroborated && entry.bundle == nil {
                throw PostgresError(.decoding, message: "corroboration opened no bundle for rule \(entry.incident.ruleID)")
            }
            let result = try connection.query("""
                INSERT INTO chorus.corroborations (rule_id, is_drill, kind, countries, place, lat, lon, incidents, state, certainty,
                                                   reports, origins, authorities, sources_required, first_event_id, expires_at,
                                                   bundle_id, corroborated_at)
                SELECT rule_id, is_drill, kind, string_to_array(countries, ','), place, lat, lon,
                       ARRAY(SELECT jsonb_array_elements_text(incidents)), state, certainty, reports, origins, authorities,
                       sources_required, first_event_id, now() + make_interval(secs => window_seconds), bundle_id,
                       CASE WHEN bundle_id IS NOT NULL THEN now() END
                FROM unnest(\(new.map(\.incident.ruleID)), \(new.map(\.incident.isDrill)), \(new.map(\.incident.sketch.kind)),
                            \(new.map { $0.incident.sketch.countries.joined(separator: ",") }),
                            \(PostgresNullableArray(new.map(\.incident.sketch.place))),
                            \(PostgresNullableArray(new.map { $0.incident.sketch.location?.lat })),
                            \(PostgresNullableArray(new.map { $0.incident.sketch.location?.lon })),
                            \(try new.map { try Self.json($0.incident.sketch.incidents) }),
                            \(new.map(\.incident.state.rawValue)), \(new.map { Self.certainty($0).rawValue }),
                            \(new.map(\.incident.tally.reports)), \(new.map(\.incident.tally.origins)),
                            \(new.map(\.incident.tally.authorities)), \(new.map(\.policy.sources)),
                            \(new.map { $0.firstRow ?? 0 }), \(new.map { Double($0.policy.windowSeconds) }),
                            \(PostgresNullableArray(new.map(\.bundle))))
                     AS n(rule_id, is_drill, kind, countries, place, lat, lon, incidents, state, certainty, reports, origins,
                          authorities, sources_required, first_event_id, window_seconds, bundle_id)
                RETURNING id, first_event_id, rule_id, expires_at
                """)
            var idByKey: [String: (Int, Date)] = [:]
            for row in result.rows {
                idByKey["\(try row.decode("first_event_id", as: Int.self))|\(try row.decode("rule_id", as: String.self))"] =
                    (try row.decode("id"), try row.decode("expires_at"))
            }
            for index in fresh {
                guard let first = entries[index].firstRow,
                      let (id, expires) = idByKey["\(first)|\(entries[index].incident.ruleID)"] else { continue }
                entries[index].incident.id = id
                entries[index].incident.expiresAt = expires
                entryByID[id] = index
            }
        }
        let changed = entries.indices.filter { entries[$0].changed && entries[$0].incident.id != nil && !fresh.contains($0) }
        if !changed.isEmpty {
            let rows = changed.map { entries[$0] }
            try connection.execute("""
                UPDATE chorus.corroborations c
                SET countries = string_to_array(u.countries, ','), place = u.place, lat = u.lat, lon = u.lon,
                    incidents = ARRAY(SELECT jsonb_array_elements_text(u.incidents)), state = u.state,
                    certainty = u.certainty, reports = u.reports, origins = u.origins, authorities = u.authorities,
                    sources_required = u.sources_required, bundle_id = coalesce(c.bundle_id, u.bundle_id),
                    corroborated_at = CASE WHEN c.bundle_id IS NULL AND u.bundle_id IS NOT NULL THEN now() ELSE c.corroborated_at END,
                    updated_at = now()
                FROM unnest(\(rows.compactMap(\.incident.id)), \(rows.map { $0.incident.sketch.countries.joined(separator: ",") }),
                            \(PostgresNullableArray(rows.map(\.incident.sketch.place))),
                            \(PostgresNullableArray(rows.map { $0.incident.sketch.location?.lat })),
                            \(PostgresNullableArray(rows.map { $0.incident.sketch.location?.lon })),
                            \(try rows.map { try Self.json($0.incident.sketch.incidents) }),
                            \(rows.map(\.incident.state.rawValue)), \(rows.map { Self.certainty($0).rawValue }),
                            \(rows.map(\.incident.tally.reports)), \(rows.map(\.incident.tally.origins)),
                            \(rows.map(\.incident.tally.authorities)), \(rows.map(\.policy.sources)),
                            \(PostgresNullableArray(rows.map(\.bundle))))
                     AS u(id, countries, place, lat, lon, incidents, state, certainty, reports, origins, authorities,
                          sources_required, bundle_id)
                WHERE c.id = u.id
                """)
        }
        // The new evidence.
        var evidence: [(id: Int, row: Int, position: Int, report: CorroborationReport)] = []
        for entry in entries {
            guard let id = entry.incident.id else { continue }
            for added in entry.added { evidence.append((id, added.row, added.position, added.report)) }
        }
        if !evidence.isEmpty {
            try connection.execute("""
                INSERT INTO chorus.corroboration_evidence (corroboration_id, event_id, position, feed, origin, outlet, fingerprint,
                                                           authoritative, certainty)
                SELECT * FROM unnest(\(evidence.map(\.id)), \(evidence.map(\.row)), \(evidence.map(\.position)),
                                     \(evidence.map(\.report.feed)), \(evidence.map(\.report.origin)),
                                     \(PostgresNullableArray(evidence.map(\.report.outlet))),
                                     \(PostgresNullableArray(evidence.map(\.report.fingerprint))),
                                     \(evidence.map(\.report.isAuthoritative)), \(evidence.map(\.report.certainty.rawValue)))
                """)
        }
        // The reports an incident was held on are the evidence of the bundle it opened; so are the reports
        // that joined it since.
        let corroborated = entries.filter(\.corroboratedNow).compactMap { entry in entry.incident.id.flatMap { id in entry.bundle.map { (id, $0) } } }
        written.corroborated = corroborated.map(\.1)
        if !corroborated.isEmpty {
            try connection.execute("""
                INSERT INTO chorus.bundle_events (bundle_id, event_id, role)
                SELECT c.bundle_id, ev.event_id, \(BundleEventRole.correlated.rawValue)
                FROM chorus.corroboration_evidence ev JOIN chorus.corroborations c ON c.id = ev.corroboration_id
                WHERE c.id = ANY(\(corroborated.map(\.0)))
                ON CONFLICT DO NOTHING
                """)
        }
        var joined: [(bundle: Int, row: Int)] = []
        for join in joins {
            guard let bundle = entries[join.entry].bundle else { continue }
            if entries[join.entry].corroboratedNow { continue }
            joined.append((bundle, join.row))
        }
        for join in joins {
            guard let bundle = entries[join.entry].bundle else { continue }
            written.joined.append((join.eventID, bundle))
        }
        joins = []
        if !joined.isEmpty {
            try connection.execute("""
                INSERT INTO chorus.bundle_events (bundle_id, event_id, role)
                SELECT bundle, row, \(BundleEventRole.correlated.rawValue) FROM unnest(\(joined.map(\.bundle)), \(joined.map(\.row))) AS l(bundle, row)
                ON CONFLICT DO NOTHING
                """)
        }
        for entry in entries where entry.incident.state == .held && !entry.added.isEmpty {
            if let id = entry.incident.id { written.held.append(id) }
            written.reportsHeld += entry.added.count
        }
        for index in entries.indices {
            entries[index].added = []
            entries[index].changed = false
            entries[index].corroboratedNow = false
            entries[index].incident.reports = []
        }
        return written
    }

    /// A list of strings as a JSON array (one array of text per row cannot travel in a text[] parameter).
    private static func json(_ values: [String]) throws -> PostgresJSONText {
        PostgresJSONText(String(decoding: try JSONEncoder().encode(values), as: UTF8.self))
    }

    /// The certainty to store: what the evidence establishes.
    private static func certainty(_ entry: Entry) -> Event.Certainty {
        entry.incident.tally.assessment(policy: entry.policy).certainty
    }

}
