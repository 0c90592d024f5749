import ChorusCore
import Foundation
import Postgres

/// Reads the held incidents and the evidence of corroborated bundles (migration 9): what `review list
/// --held`, `review show` and `chorus status` show. The writes are ``QueueWriter``'s.
public struct CorroborationStore {
    /// The connection, used on the caller's thread.
    public let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// Incidents held until corroborated whose window is still open, the newest first, with their evidence.
    public func held(drill: Bool? = nil, limit: Int = 50) throws -> [CorroborationRecord] {
        let ids = try connection.query("""
            SELECT id FROM chorus.corroborations
            WHERE state = \(CorroborationState.held.rawValue) AND expires_at > now()
              AND (\(drill)::boolean IS NULL OR is_drill = \(drill))
            ORDER BY first_seen_at DESC, id DESC
            LIMIT \(limit > 0 ? limit : nil)
            """).rows.map { try $0.decode("id", as: Int.self) }
        return try records(ids)
    }

    /// The corroboration of `bundle`: the incident it was held as and every report of it; `nil` when its
    /// rule demanded none.
    public func corroboration(bundle: Int) throws -> CorroborationRecord? {
        let queries = Self.queries(bundle: bundle)
        let results = try connection.pipeline([queries.evidence, queries.records])
        return try Self.records(evidence: results[0], records: results[1]).first
    }

    /// The two statements of ``corroboration(bundle:)`` — the evidence, then the record — for a caller that
    /// sends them in its own pipeline and decodes their results with ``records(evidence:records:)``.
    static func queries(bundle: Int) -> (evidence: Query, records: Query) {
        (
            """
            \(unescaped: evidenceSelect)
            WHERE ev.corroboration_id = (SELECT id FROM chorus.corroborations WHERE bundle_id = \(bundle))
            ORDER BY ev.corroboration_id, ev.position
            """,
            "\(unescaped: recordSelect) WHERE bundle_id = \(bundle)"
        )
    }

    /// How many incidents are held now (live ones), how many reports they rest on, and when the next
    /// window closes; expired incidents of the last day, which drafted nothing.
    public func summary() throws -> HeldSummary {
        guard let row = try connection.query("""
            SELECT count(*) FILTER (WHERE c.expires_at > now()) AS held,
                   coalesce(sum(c.reports) FILTER (WHERE c.expires_at > now()), 0)::bigint AS reports,
                   min(c.expires_at) FILTER (WHERE c.expires_at > now()) AS next_expiry,
                   count(*) FILTER (WHERE c.expires_at <= now() AND c.expires_at > now() - interval '1 day') AS expired
            FROM chorus.corroborations c
            WHERE c.state = \(CorroborationState.held.rawValue) AND NOT c.is_drill
              AND c.expires_at > now() - interval '1 day'
            """).first else { return HeldSummary(incidents: 0, reports: 0, nextExpiry: nil, expiredLastDay: 0) }
        return HeldSummary(incidents: try row.decode("held"), reports: try row.decode("reports"),
                           nextExpiry: try row.decode("next_expiry"), expiredLastDay: try row.decode("expired"))
    }

    /// The records of `ids`, in that order, with their evidence: the two statements in one round trip.
    private func records(_ ids: [Int]) throws -> [CorroborationRecord] {
        guard !ids.isEmpty else { return [] }
        let results = try connection.pipeline([
            """
            \(unescaped: Self.evidenceSelect)
            WHERE ev.corroboration_id = ANY(\(ids))
            ORDER BY ev.corroboration_id, ev.position
            """,
            "\(unescaped: Self.recordSelect) WHERE id = ANY(\(ids))",
        ])
        let byID = Dictionary(try Self.records(evidence: results[0], records: results[1]).map { ($0.id, $0) }) { first, _ in first }
        return ids.compactMap { byID[$0] }
    }

    /// What the evidence statements read, before their `WHERE`.
    private static let evidenceSelect = """
        SELECT ev.corroboration_id, ev.feed, ev.origin, ev.outlet, ev.fingerprint, ev.authoritative, ev.certainty,
               ev.received_at, e.payload::text AS payload
        FROM chorus.corroboration_evidence ev JOIN chorus.events e ON e.id = ev.event_id
        """

    /// What the record statements read, before their `WHERE`.
    private static let recordSelect = """
        SELECT id, rule_id, is_drill, state, expires_at <= now() AS expired, kind, countries, place, lat, lon, certainty,
               origins, sources_required, first_seen_at, expires_at, bundle_id, corroborated_at
        FROM chorus.corroborations
        """

    /// The records of an evidence statement's and a record statement's results, in the record statement's order.
    static func records(evidence evidenceResult: QueryResult, records recordResult: QueryResult) throws -> [CorroborationRecord] {
        var evidence: [Int: [(row: EvidenceRecord, fingerprint: String?)]] = [:]
        for row in evidenceResult.rows {
            let event = try ReviewStore.event(try row.decode("payload"))
            let record = EvidenceRecord(
                eventId: event.id, feed: try row.decode("feed"), origin: try row.decode("origin"), outlet: try row.decode("outlet"),
                isAuthoritative: try row.decode("authoritative"), certainty: try row.decode("certainty", as: Event.Certainty.self),
                counted: true, copyOf: nil, sentAt: event.sentAt, receivedAt: try row.decode("received_at"),
                headline: event.headline["en"] ?? event.headline.sorted { $0.key < $1.key }.first?.value, link: event.link,
                fatalities: event.fatalities, injured: event.injured)
            evidence[try row.decode("corroboration_id"), default: []].append((record, try row.decode("fingerprint")))
        }
        var records: [CorroborationRecord] = []
        for row in recordResult.rows {
            let id: Int = try row.decode("id")
            var state = try row.decode("state", as: CorroborationState.self)
            if state == .held, try row.decode("expired", as: Bool.self) { state = .expired }
            let required: Int = try row.decode("sources_required")
            var reports = evidence[id] ?? []
            // How each report counted, judged again in the order they arrived.
            let standings = Corroboration.assess(reports.map { item in
                CorroborationReport(eventID: item.row.eventId, feed: item.row.feed, origin: item.row.origin,
                                    fingerprint: item.fingerprint, isAuthoritative: item.row.isAuthoritative,
                                    certainty: item.row.certainty)
            }, policy: CorroborationPolicy(sources: required, windowSeconds: 0)).standings
            for (index, standing) in standings.enumerated() {
                reports[index].row.counted = standing.counts
                if case .copy(let origin) = standing { reports[index].row.copyOf = origin }
            }
            let lat: Double? = try row.decode("lat"), lon: Double? = try row.decode("lon")
            records.append(CorroborationRecord(
                id: id, ruleId: try row.decode("rule_id"), isDrill: try row.decode("is_drill"), state: state,
                kind: try row.decode("kind"), countries: try row.decode("countries"), place: try row.decode("place"),
                location: lat.flatMap { lat in lon.map { Event.Location(lat: lat, lon: $0) } },
                certainty: try row.decode("certainty", as: Event.Certainty.self), origins: try row.decode("origins"),
                required: required, firstSeenAt: try row.decode("first_seen_at"), expiresAt: try row.decode("expires_at"),
                bundleId: try row.decode("bundle_id"), corroboratedAt: try row.decode("corroborated_at"),
                evidence: reports.map(\.row)))
        }
        return records
    }
}

/// An incident a rule held until it was corroborated — still held, expired, or corroborated with its
/// bundle — and the reports that are its evidence.
public struct CorroborationRecord: Sendable, Codable, Equatable {
    public var id: Int
    public var ruleId: String
    public var isDrill: Bool
    /// Held, corroborated (``bundleId`` is its bundle), expired (its window passed first) or cancelled.
    public var state: CorroborationState
    public var kind: String
    /// Every country its reports named.
    public var countries: [String]
    public var place: String?
    public var location: Event.Location?
    /// What the evidence establishes: possible (one origin), likely (independent origins agree), observed
    /// (an authority reported it).
    public var certainty: Event.Certainty
    /// Independent origins that reported it, and how many the rule demands.
    public var origins: Int
    public var required: Int
    public var firstSeenAt: Date
    /// When its window closes: reports after this start another incident.
    public var expiresAt: Date
    public var bundleId: Int?
    public var corroboratedAt: Date?
    /// The reports, in the order they arrived.
    public var evidence: [EvidenceRecord]
}

/// One report of an incident: which, from whom, when, and how it counted.
public struct EvidenceRecord: Sendable, Codable, Equatable {
    /// The feed's id of the event.
    public var eventId: String
    /// The feed (source name) that delivered it.
    public var feed: String
    /// Who reported it: the outlet or agency (`apnews.com`), the authority, `duty-officer:alice`.
    public var origin: String
    /// The outlet that carried an agency's story, when not the origin.
    public var outlet: String?
    /// Whether it corroborated the incident on its own.
    public var isAuthoritative: Bool
    /// The certainty its feed gave it.
    public var certainty: Event.Certainty
    /// Whether it added an independent origin (a second report of an origin, or a copy of its story, does not).
    public var counted: Bool
    /// The origin whose story it copies, when it is a copy without a byline.
    public var copyOf: String?
    /// When the feed sent it, and when Chorus received it.
    public var sentAt: Date?
    public var receivedAt: Date
    public var headline: String?
    public var link: String?
    /// The figures it stated.
    public var fatalities: Int?
    public var injured: Int?
}

/// The held incidents at a glance (`chorus status`).
public struct HeldSummary: Sendable, Codable, Equatable {
    /// Live incidents held now, and the reports they rest on.
    public var incidents: Int
    public var reports: Int
    /// When the next window closes.
    public var nextExpiry: Date?
    /// Live incidents whose window closed in the last day before they were corroborated.
    public var expiredLastDay: Int
}
