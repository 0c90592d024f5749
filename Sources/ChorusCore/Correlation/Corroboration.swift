import Foundation

/// Step 4's corroboration (PRODUCT.md §2, §5 `corroboration`): a rule that demands it drafts nothing for
/// an incident until enough independent origins have reported it within the window, or one authoritative
/// source has. Until then the incident is *held* with its evidence; the report that corroborates it opens
/// the one bundle, and later reports join that bundle as evidence. Pure — no database, no clock — so that
/// every case is tested without a server; `QueueWriter` (ChorusStore) keeps the held incidents in
/// PostgreSQL and persists what these functions decide.
///
/// - **Independent origins.** A report's origin is the outlet or agency that reported it (``Event/origin``:
///   a news item's publisher domain, or the agency of its byline, so the papers printing one wire story
///   are one origin), else its feed. Two reports of one origin count once; so do two reports with the same
///   lead text (a syndicated copy without a byline, ``CorroborationReport/fingerprint``).
/// - **Authoritative.** A report is authoritative when its feed states it as `observed` or `likely` — a
///   duty officer's report, a CAP authority's alert or warning, GDACS, USGS, an internal system's event;
///   news and GDELT items never are (their parsers make them `possible`: a report, not a fact) — or when
///   the rule lists its feed or origin in `authoritative` (an official ministry or police feed whose items
///   are news).
/// - **Certainty** grows with the evidence: `possible` for one origin, `likely` once two independent
///   origins agree (or an authority says likely), `observed` once an authority reports it.
/// - **The same incident**: the same rule and kind, a country in common, and — when both say where — the
///   same place or points within ``nearbyKilometres``; a report that names no place joins an incident of
///   its country. Different places make different incidents: a wrong merge could corroborate a false report.
///   Feeds that name their incidents (``Event/incident``: CAP, GDACS) decide for themselves: the same key is
///   the same incident, another key another one.
public enum Corroboration {
    /// Points closer than this are the same place.
    public static let nearbyKilometres = 50.0
    /// Lead texts shorter than this many words get no fingerprint (too short to tell a copy from a coincidence).
    static let fingerprintMinimumWords = 12
    /// How many of the lead's words the fingerprint covers.
    static let fingerprintWords = 24

    /// How closely `event` matches `incident`; `nil` when it is another incident.
    public static func match(_ event: Event, _ incident: IncidentSketch) -> IncidentMatch? {
        match(event, place: event.place.map(placeForm), incident)
    }

    /// ``match(_:_:)`` with the event's place words worked out once.
    static func match(_ event: Event, place: String?, _ incident: IncidentSketch) -> IncidentMatch? {
        // A feed that names its incidents says which reports belong together, and which do not.
        if let key = event.incident, !incident.incidents.isEmpty {
            return incident.incidents.contains(key) ? .place : nil
        }
        guard event.kind == incident.kind else { return nil }
        if event.countries.isEmpty != incident.countries.isEmpty { return nil }
        if !event.countries.isEmpty, !event.countries.contains(where: incident.countries.contains) { return nil }
        var near: Bool?
        if let a = event.location, let b = incident.location { near = kilometres(a, b) <= nearbyKilometres }
        var samePlace: Bool?
        if let a = place, let b = incident.placeKey, !a.isEmpty, !b.isEmpty {
            samePlace = a == b || contains(a, b) || contains(b, a)
        }
        if near == true || samePlace == true { return .place }
        if near == false || samePlace == false { return nil }
        return .country
    }

    /// The incident among `candidates` that `event` belongs to: the closest match, then the most recent.
    public static func bestMatch(for event: Event, among candidates: [HeldIncident]) -> Int? {
        var best: (index: Int, match: IncidentMatch, firstSeen: Date)?
        let place = event.place.map(placeForm)
        for (index, candidate) in candidates.enumerated() {
            guard let match = match(event, place: place, candidate.sketch) else { continue }
            if let current = best, (current.match, current.firstSeen) >= (match, candidate.firstSeenAt) { continue }
            best = (index, match, candidate.firstSeenAt)
        }
        return best?.index
    }

    /// Adds `report` (of `event`) to `incident` and says what that does.
    public static func add(_ report: CorroborationReport, of event: Event, to incident: inout HeldIncident,
                           policy: CorroborationPolicy) -> CorroborationOutcome {
        if !incident.reports.contains(where: { $0.feed == report.feed && $0.eventID == report.eventID }) {
            incident.reports.append(report)
            incident.tally.count(report)
        }
        incident.sketch.absorb(event)
        let assessment = incident.tally.assessment(policy: policy)
        let wasCorroborated = incident.state == .corroborated
        incident.assessment = assessment
        if wasCorroborated { return .joins(assessment) }
        guard assessment.isCorroborated else { return .held(assessment) }
        incident.state = .corroborated
        return .opens(assessment)
    }

    /// What the reports, in the order they arrived, establish under `policy`.
    public static func assess(_ reports: [CorroborationReport], policy: CorroborationPolicy) -> CorroborationAssessment {
        CorroborationTally(reports).assessment(policy: policy)
    }

    /// The great-circle distance between two points.
    public static func kilometres(_ a: Event.Location, _ b: Event.Location) -> Double {
        let radians = Double.pi / 180
        let dLat = (b.lat - a.lat) * radians, dLon = (b.lon - a.lon) * radians
        let h = sin(dLat / 2) * sin(dLat / 2) + cos(a.lat * radians) * cos(b.lat * radians) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * 6371.0 * asin(min(1, h.squareRoot()))
    }

    /// A place name's words, as news classification compares words (case, accents, points dropped).
    static func placeForm(_ place: String) -> String { NewsText.form(place) }

    /// Whether `text` contains `part` as whole words ("armon hanatziv jerusalem" contains "jerusalem").
    static func contains(_ text: String, _ part: String) -> Bool {
        (" " + text + " ").contains(" " + part + " ")
    }
}

/// What a rule demands before it drafts for an incident (the rule field `corroboration`).
public struct CorroborationPolicy: Sendable, Hashable, Codable {
    /// How many independent origins must report the incident (at least 2).
    public var sources: Int
    /// How long after the first report the others must come, in seconds.
    public var windowSeconds: Int
    /// Feeds (source names) and origins whose reports count as authoritative whatever their certainty;
    /// `*.gov.il` matches every origin under `gov.il`.
    public var authoritative: [String]

    public init(sources: Int, windowSeconds: Int, authoritative: [String] = []) {
        self.sources = sources
        self.windowSeconds = windowSeconds
        self.authoritative = authoritative
    }

    /// Whether a report of `event` delivered by `feed` is authoritative.
    public func isAuthoritative(_ event: Event, feed: String) -> Bool {
        if event.certainty == .observed || event.certainty == .likely { return true }
        let origin = event.origin?.lowercased()
        return authoritative.contains { entry in
            let entry = entry.lowercased()
            if entry.hasPrefix("*."), let origin {
                let domain = entry.dropFirst(2)
                return origin == domain || origin.hasSuffix("." + domain)
            }
            return entry == feed.lowercased() || entry == origin
        }
    }

    /// `3 independent origins or an authoritative source within 6h`.
    public var summary: String {
        var text = "\(sources) independent origins or an authoritative source"
        if !authoritative.isEmpty { text += " (\(authoritative.joined(separator: ", ")) among them)" }
        return text + " within \(RuleDuration.format(.seconds(windowSeconds)))"
    }
}

/// One report of an incident, as corroboration counts it.
public struct CorroborationReport: Sendable, Hashable, Codable {
    /// The feed's id of the event.
    public var eventID: String
    /// The feed (source name) that delivered it.
    public var feed: String
    /// Who reported it, lower case: what independence is judged on (`apnews.com`, `duty-officer:alice`).
    public var origin: String
    /// The outlet that carried an agency's story, when that is not the origin (`lemonde.fr` for AFP).
    public var outlet: String?
    /// A digest of the lead's first words: copies of one story without a byline share it.
    public var fingerprint: String?
    /// Whether the report alone corroborates the incident.
    public var isAuthoritative: Bool
    /// The certainty the feed gave it.
    public var certainty: Event.Certainty
    /// When the feed sent it.
    public var sentAt: Date?

    public init(eventID: String, feed: String, origin: String, outlet: String? = nil, fingerprint: String? = nil,
                isAuthoritative: Bool, certainty: Event.Certainty, sentAt: Date? = nil) {
        self.eventID = eventID
        self.feed = feed
        self.origin = origin
        self.outlet = outlet
        self.fingerprint = fingerprint
        self.isAuthoritative = isAuthoritative
        self.certainty = certainty
        self.sentAt = sentAt
    }

    /// The report `event` makes, delivered by `feed`, under `policy`.
    public init(_ event: Event, feed: String, policy: CorroborationPolicy) {
        let origin = Self.origin(of: event, feed: feed)
        let outlet = event.tags.first { $0.hasPrefix("outlet:") }.map { String($0.dropFirst("outlet:".count)) }
        self.init(eventID: event.id, feed: feed, origin: origin, outlet: outlet, fingerprint: Self.fingerprint(of: event),
                  isAuthoritative: policy.isAuthoritative(event, feed: feed), certainty: event.certainty, sentAt: event.sentAt)
    }

    /// Who reported `event`, delivered by `feed`: its origin, lower case, else its feed.
    public static func origin(of event: Event, feed: String) -> String {
        event.origin?.lowercased() ?? "feed:\(feed.lowercased())"
    }

    /// The first words of the event's lead, digested; `nil` when the lead is too short to tell copies apart.
    public static func fingerprint(of event: Event) -> String? {
        guard let lead = event.description.sorted(by: { $0.key < $1.key }).first?.value else { return nil }
        let words = NewsText.words(lead, limit: Corroboration.fingerprintWords)
        guard words.count >= Corroboration.fingerprintMinimumWords else { return nil }
        var digest = SHA256()
        digest.update(words.joined(separator: " "))
        return String(digest.hexDigest().prefix(16))
    }
}

/// How a report counted, in the order the reports arrived.
public enum ReportStanding: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A new independent origin.
    case independent
    /// Its origin had reported already.
    case sameOrigin
    /// The same story as an earlier report of this origin, carried by another outlet without a byline.
    case copy(of: String)

    public var description: String {
        switch self {
        case .independent: "independent"
        case .sameOrigin: "same origin as an earlier report"
        case .copy(let origin): "copy of \(origin)'s story"
        }
    }

    /// Whether it added an origin.
    public var counts: Bool { self == .independent }
}

/// The count of an incident's reports: kept with it, so that a further report is weighed without going over
/// the earlier ones again — and read back from the store as counts and the few earlier reports that bear on
/// the reports at hand (their origins or lead texts), so that an incident that a thousand outlets reported
/// costs no more to weigh than one that three did.
///
/// An origin counts once, the first time it reports; a report whose lead is an earlier report's (a copy
/// without a byline) counts nothing, and its origin has reported all the same.
public struct CorroborationTally: Sendable, Hashable {
    /// Reports counted.
    public private(set) var reports = 0
    /// Independent origins among them.
    public private(set) var origins = 0
    /// Distinct origins of authoritative reports.
    public private(set) var authorities = 0
    /// Whether an authority reported it as observed (or without a certainty of its own), or only as likely.
    public private(set) var observed = false
    public private(set) var likely = false
    /// How the reports counted by this value counted, in order.
    public private(set) var standings: [ReportStanding] = []
    private var known: Set<String> = []
    private var knownAuthorities: Set<String> = []
    private var firstOriginOfLead: [String: String] = [:]

    public init() {}

    /// The tally of `reports`, in the order they arrived.
    public init(_ reports: [CorroborationReport]) {
        for report in reports { count(report) }
    }

    /// A tally read back: the counts stored with the incident, its certainty, and those of its earlier
    /// reports (in the order they arrived) whose origin or lead fingerprint the reports at hand share.
    public init(reports: Int, origins: Int, authorities: Int, certainty: Event.Certainty, earlier: [CorroborationReport] = []) {
        self.reports = reports
        self.origins = origins
        self.authorities = authorities
        observed = certainty == .observed
        likely = certainty == .likely && origins < 2
        recall(earlier)
    }

    /// Learns of earlier reports, already counted, in the order they arrived: their origins have reported,
    /// their leads were printed.
    public mutating func recall(_ earlier: [CorroborationReport]) {
        for report in earlier {
            known.insert(report.origin)
            if report.isAuthoritative { knownAuthorities.insert(report.origin) }
            if let fingerprint = report.fingerprint, firstOriginOfLead[fingerprint] == nil { firstOriginOfLead[fingerprint] = report.origin }
        }
    }

    /// Counts the report that arrived after the others; returns how it counted.
    @discardableResult
    public mutating func count(_ report: CorroborationReport) -> ReportStanding {
        let standing: ReportStanding
        if known.contains(report.origin) {
            standing = .sameOrigin
        } else if let fingerprint = report.fingerprint, let original = firstOriginOfLead[fingerprint] {
            standing = .copy(of: original)
        } else {
            standing = .independent
            origins += 1
        }
        known.insert(report.origin)
        if let fingerprint = report.fingerprint, firstOriginOfLead[fingerprint] == nil { firstOriginOfLead[fingerprint] = report.origin }
        if report.isAuthoritative, knownAuthorities.insert(report.origin).inserted { authorities += 1 }
        // An authority that says likely makes it likely; any other authority, observed.
        if report.certainty == .likely { likely = true } else if report.isAuthoritative { observed = true }
        standings.append(standing)
        reports += 1
        return standing
    }

    /// What the reports establish under `policy`.
    public func assessment(policy: CorroborationPolicy) -> CorroborationAssessment {
        let certainty: Event.Certainty = observed ? .observed : origins >= 2 || likely ? .likely : .possible
        return CorroborationAssessment(origins: origins, authorities: authorities, standings: standings, certainty: certainty,
                                       required: policy.sources, isCorroborated: authorities > 0 || origins >= policy.sources)
    }
}

/// What a set of reports establishes.
public struct CorroborationAssessment: Sendable, Hashable {
    /// Independent origins that reported it.
    public var origins: Int
    /// Distinct origins of authoritative reports.
    public var authorities: Int
    /// How each report counted, in the reports' order (those the tally counted itself).
    public var standings: [ReportStanding]
    /// `possible`, `likely` or `observed`.
    public var certainty: Event.Certainty
    /// The independent origins the rule demands.
    public var required: Int
    /// Whether the rule may draft: enough independent origins, or an authority.
    public var isCorroborated: Bool

    public init(origins: Int, authorities: Int, standings: [ReportStanding], certainty: Event.Certainty,
                required: Int, isCorroborated: Bool) {
        self.origins = origins
        self.authorities = authorities
        self.standings = standings
        self.certainty = certainty
        self.required = required
        self.isCorroborated = isCorroborated
    }
}

/// What an incident's facts are for matching further reports: kind, countries, place, point.
public struct IncidentSketch: Sendable, Hashable {
    public var kind: String
    public var countries: [String]
    public var place: String? {
        didSet { placeKey = place.map(Corroboration.placeForm) }
    }
    public var location: Event.Location?
    /// The place's words, as reports' places are compared with it.
    private(set) var placeKey: String?
    /// The incident keys its reports' feeds gave (``Event/incident``).
    public var incidents: [String]

    public init(kind: String, countries: [String], place: String? = nil, location: Event.Location? = nil, incidents: [String] = []) {
        self.kind = kind
        self.countries = countries
        self.place = place
        self.placeKey = place.map(Corroboration.placeForm)
        self.location = location
        self.incidents = incidents
    }

    /// The sketch of the incident `event` reports.
    public init(_ event: Event) {
        self.init(kind: event.kind, countries: event.countries, place: event.place, location: event.location,
                  incidents: event.incident.map { [$0] } ?? [])
    }

    /// Takes in what a further report adds: its countries and incident key, a place or point the incident lacked.
    public mutating func absorb(_ event: Event) {
        for country in event.countries where !countries.contains(country) { countries.append(country) }
        if let key = event.incident, !incidents.contains(key) { incidents.append(key) }
        if place == nil { place = event.place }
        if location == nil { location = event.location }
    }
}

/// How closely a report matches an incident.
public enum IncidentMatch: Int, Sendable, Hashable, Comparable {
    /// The same country; one of them names no place.
    case country = 1
    /// The same place, or points nearby.
    case place = 2

    public static func < (lhs: IncidentMatch, rhs: IncidentMatch) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Where a held incident stands.
public enum CorroborationState: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Waiting for more reports.
    case held
    /// Corroborated: its bundle is open.
    case corroborated
    /// Its window passed before it was corroborated: it drafts nothing.
    case expired
    /// A report it rests on was cancelled by its feed.
    case cancelled

    public var description: String { rawValue }
}

/// An incident a rule holds until it is corroborated, with its reports.
public struct HeldIncident: Sendable, Hashable {
    /// The store's id (`nil` until stored).
    public var id: Int?
    public var ruleID: String
    public var isDrill: Bool
    public var sketch: IncidentSketch
    /// The reports known here, in the order they arrived: all of them, or — for an incident read back from
    /// the store — those added since.
    public var reports: [CorroborationReport]
    /// The count of every report, stored or added.
    public var tally: CorroborationTally
    public var state: CorroborationState
    /// What the reports establish (after the latest ``Corroboration/add(_:of:to:policy:)``).
    public var assessment: CorroborationAssessment?
    public var firstSeenAt: Date
    public var expiresAt: Date

    public init(id: Int?, ruleID: String, isDrill: Bool, sketch: IncidentSketch, reports: [CorroborationReport] = [],
                tally: CorroborationTally? = nil, state: CorroborationState = .held, assessment: CorroborationAssessment? = nil,
                firstSeenAt: Date, expiresAt: Date) {
        self.id = id
        self.ruleID = ruleID
        self.isDrill = isDrill
        self.sketch = sketch
        self.reports = reports
        self.tally = tally ?? CorroborationTally(reports)
        self.state = state
        self.assessment = assessment
        self.firstSeenAt = firstSeenAt
        self.expiresAt = expiresAt
    }
}

/// What a report did to the incident it joined.
public enum CorroborationOutcome: Sendable, Hashable {
    /// The incident is still held: not enough independent origins, no authority.
    case held(CorroborationAssessment)
    /// This report corroborated it: the bundle opens now, drafted from this report.
    case opens(CorroborationAssessment)
    /// It was corroborated before: the report joins its bundle as evidence.
    case joins(CorroborationAssessment)

    public var assessment: CorroborationAssessment {
        switch self {
        case .held(let value), .opens(let value), .joins(let value): value
        }
    }
}
