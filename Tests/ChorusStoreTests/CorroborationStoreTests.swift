import ChorusCore
import ChorusStore
import Foundation
import Postgres
import Testing
import TestSupport

/// Corroboration against a real server, written as the daemon's role and read as a reviewer's: one report
/// holds, a syndicated copy does not count, a third independent origin opens exactly one bundle with its
/// evidence, a duty officer's report opens it at once; held incidents outlive the connection that wrote
/// them, expire with their window and are cancelled with the report they rest on.
struct CorroborationStoreTests {
    let conninfo: String
    let owner: Connection
    let daemon: Connection
    let reviewer: Connection
    let ruleSet: RuleSet

    init() throws {
        conninfo = try TestPostgres.makeDatabase()
        owner = try Connection(conninfo)
        try Migrator().migrate(owner)
        try ReviewFixture.installRoles(on: owner)
        daemon = try ReviewFixture.connect(conninfo, as: ReviewFixture.daemon)
        reviewer = try ReviewFixture.connect(conninfo, as: ReviewFixture.reviewers[0])
        ruleSet = try RuleSet.load(from: ReviewFixture.repository.appendingPathComponent("Rules"))
    }

    static let lead = "A gunman killed four people and wounded twelve in a shooting in Jerusalem on Sunday, police said, in what officials described as an attack."

    /// A news report of a deadly shooting in Israel (the shipped attack rule demands three origins).
    static func report(_ id: String, origin: String, outlet: String? = nil, lead: String? = nil, place: String? = nil,
                       status: Event.Status = .actual) -> Event {
        var event = Event(id: id, source: "news", kind: "shooting", status: status, sentAt: Date(), countries: ["IL"],
                          origin: origin, place: place, certainty: .possible, fatalities: 4, injured: 12,
                          headline: ["en": "Gunman kills four in Israel (\(origin))"], link: "https://\(origin)/\(id)",
                          tags: ["news"] + (outlet.map { ["outlet:\($0)"] } ?? []))
        if let lead { event.description = ["en": lead] }
        return event
    }

    /// A duty officer's report, as `chorus report` makes it.
    static func officersReport(_ id: String) -> Event {
        Event(id: id, source: "duty-officer", kind: "shooting", sentAt: Date(), occurredAt: Date(), countries: ["IL"],
              origin: "duty-officer:alice", certainty: .observed, fatalities: 4, tags: ["duty-officer"])
    }

    /// Writes `events` from `feed` as the daemon does, in one transaction; `policy` replaces the rule's.
    @discardableResult
    func write(_ events: [Event], feed: String, policy: CorroborationPolicy? = nil, on connection: Connection? = nil) throws -> QueueWriteSummary {
        let now = Date().addingTimeInterval(-600)
        let batch = QueueBatch(source: feed, events: events.map { event in
            var plans = BundlePlanner.plans(event: event, ruleSet: ruleSet, now: now)
            if let policy { for index in plans.indices { plans[index].corroboration = policy } }
            return PlannedEvent(event: event, plans: plans)
        }, planner: RulePlanner(ruleSet: ruleSet, now: now))
        return try QueueWriter().write([batch], on: connection ?? daemon)
    }

    var held: [CorroborationRecord] { get throws { try CorroborationStore(connection: reviewer).held() } }

    func count(_ query: Query) throws -> Int { try owner.query(query).first?.decode(0, as: Int.self) ?? -1 }

    @Test func oneReportHoldsACopyDoesNotCountAThirdOriginOpensOneBundle() throws {
        // One report: held, nothing drafted.
        let first = try write([Self.report("r1", origin: "reuters.com", lead: Self.lead)], feed: "emm")
        #expect(first.bundlesOpened.isEmpty && first.draftsCreated == 0)
        #expect(first.reportsHeld == 1 && first.incidentsHeld.count == 1)
        var incidents = try held
        #expect(incidents.count == 1)
        #expect(incidents.first?.certainty == .possible && incidents.first?.origins == 1 && incidents.first?.required == 3)

        // The New York Times prints the Reuters story: the same origin, not counted.
        try write([Self.report("n1", origin: "reuters.com", outlet: "nytimes.com", lead: Self.lead)], feed: "nyt")
        // Le Monde prints it without a byline: the same lead, a copy, not counted.
        try write([Self.report("l1", origin: "lemonde.fr", lead: Self.lead)], feed: "lemonde")
        incidents = try held
        #expect(incidents.count == 1 && incidents.first?.origins == 1)
        #expect(incidents.first?.evidence.map(\.counted) == [true, false, false])
        #expect(incidents.first?.evidence.map(\.copyOf) == [nil, nil, "reuters.com"])
        #expect(incidents.first?.evidence[1].outlet == "nytimes.com")

        // A second independent origin: likely, still held.
        try write([Self.report("h1", origin: "haaretz.com")], feed: "haaretz")
        incidents = try held
        #expect(incidents.first?.certainty == .likely && incidents.first?.origins == 2)
        #expect(try count("SELECT count(*) FROM chorus.bundles") == 0)

        // The third opens exactly one bundle, drafted from it, with the evidence stored and shown.
        let third = try write([Self.report("t1", origin: "timesofisrael.com")], feed: "toi")
        #expect(third.bundlesOpened.count == 1 && third.bundlesCorroborated == third.bundlesOpened)
        let bundle = try #require(third.bundlesOpened.first)
        #expect(try held.isEmpty)
        let detail = try ReviewStore(connection: reviewer).bundle(bundle)
        #expect(detail.events.map(\.role) == [.opened, .correlated, .correlated, .correlated, .correlated])
        #expect(detail.events.first?.event.id == "t1")
        let corroboration = try #require(detail.corroboration)
        #expect(corroboration.state == .corroborated && corroboration.bundleId == bundle && corroboration.corroboratedAt != nil)
        #expect(corroboration.certainty == .likely && corroboration.origins == 3)
        #expect(corroboration.evidence.map(\.eventId) == ["r1", "n1", "l1", "h1", "t1"])
        #expect(corroboration.evidence.map(\.origin) == ["reuters.com", "reuters.com", "lemonde.fr", "haaretz.com", "timesofisrael.com"])
        #expect(corroboration.evidence.map(\.feed) == ["emm", "nyt", "lemonde", "haaretz", "toi"])
        #expect(corroboration.evidence.allSatisfy { $0.headline != nil && $0.fatalities == 4 })
        #expect(detail.bundle.corroboration == CorroborationBrief(certainty: .likely, origins: 3, required: 3))

        // A fourth origin joins the bundle as evidence: still one bundle.
        let fourth = try write([Self.report("b1", origin: "bbc.co.uk")], feed: "bbc")
        #expect(fourth.bundlesOpened.isEmpty && fourth.reportsHeld == 0)
        #expect(fourth.correlations.map(\.bundle) == [bundle] && fourth.correlations.first?.relation == .report)
        #expect(try CorroborationStore(connection: reviewer).corroboration(bundle: bundle)?.origins == 4)
        #expect(try count("SELECT count(*) FROM chorus.bundles") == 1)
        #expect(try count("SELECT count(*) FROM chorus.corroborations") == 1)
    }

    @Test func threeOriginsInOneDocumentOpenOneBundle() throws {
        // An EMM document carries many outlets' items: they are weighed one after the other in one transaction.
        let summary = try write(["reuters.com", "haaretz.com", "timesofisrael.com", "bbc.co.uk"].enumerated().map { index, origin in
            Self.report("emm-\(index)", origin: origin)
        }, feed: "emm")
        #expect(summary.bundlesOpened.count == 1 && summary.reportsHeld == 0)
        let bundle = try #require(summary.bundlesOpened.first)
        let corroboration = try #require(try CorroborationStore(connection: reviewer).corroboration(bundle: bundle))
        #expect(corroboration.evidence.map(\.eventId) == ["emm-0", "emm-1", "emm-2", "emm-3"] && corroboration.origins == 4)
        #expect(try count("SELECT count(*) FROM chorus.bundle_events WHERE bundle_id = \(bundle)") == 4)
    }

    @Test func aDutyOfficersReportOpensAtOnce() throws {
        let summary = try write([Self.officersReport("report-1")], feed: "duty-officer")
        #expect(summary.bundlesOpened.count == 1 && summary.reportsHeld == 0)
        let bundle = try #require(summary.bundlesOpened.first)
        var corroboration = try #require(try CorroborationStore(connection: reviewer).corroboration(bundle: bundle))
        #expect(corroboration.certainty == .observed && corroboration.evidence.map(\.isAuthoritative) == [true])
        // News of it later joins that bundle: nothing is held, no second bundle.
        let news = try write([Self.report("r1", origin: "reuters.com")], feed: "emm")
        #expect(news.bundlesOpened.isEmpty && news.reportsHeld == 0 && news.correlations.map(\.bundle) == [bundle])
        corroboration = try #require(try CorroborationStore(connection: reviewer).corroboration(bundle: bundle))
        #expect(corroboration.evidence.map(\.origin) == ["duty-officer:alice", "reuters.com"])
    }

    @Test func aDutyOfficersReportOpensAHeldIncident() throws {
        try write([Self.report("r1", origin: "reuters.com")], feed: "emm")
        #expect(try held.count == 1)
        let summary = try write([Self.officersReport("report-1")], feed: "duty-officer")
        let bundle = try #require(summary.bundlesOpened.first)
        #expect(summary.bundlesCorroborated == [bundle])
        let corroboration = try #require(try CorroborationStore(connection: reviewer).corroboration(bundle: bundle))
        #expect(corroboration.certainty == .observed && corroboration.evidence.map(\.eventId) == ["r1", "report-1"])
        #expect(try ReviewStore(connection: reviewer).bundle(bundle).events.first?.event.id == "report-1")
        #expect(try held.isEmpty)
    }

    @Test func newsOfAnIncidentAFeedNamedJoinsItsBundle() throws {
        var alert = Self.officersReport("cap-1")
        alert.incident = "il-police-2026-1"
        alert.origin = "police.gov.il"
        let opened = try write([alert], feed: "police-cap")
        let bundle = try #require(opened.bundlesOpened.first)
        // A news report names no incident: matched on its facts, it joins that bundle.
        let news = try write([Self.report("r1", origin: "reuters.com")], feed: "emm")
        #expect(news.bundlesOpened.isEmpty && news.reportsHeld == 0 && news.correlations.map(\.bundle) == [bundle])
        // Another incident the feed names is another incident, even of the same kind in the same country.
        var other = alert
        other.id = "cap-2"
        other.incident = "il-police-2026-2"
        #expect(try write([other], feed: "police-cap").bundlesOpened.count == 1)
        // An alert that says only possible is held under its key, and its update (the same key) is the same
        // incident.
        var possible = alert
        possible.id = "cap-3"
        possible.incident = "il-police-2026-3"
        possible.certainty = .possible
        possible.kind = "terror_attack"
        let held = try write([possible], feed: "police-cap")
        #expect(held.bundlesOpened.isEmpty && held.reportsHeld == 1)
        var update = possible
        update.id = "cap-3-update"
        update.msgType = .update
        update.references = ["cap-3"]
        update.certainty = .observed
        let confirmed = try write([update], feed: "police-cap")
        let third = try #require(confirmed.bundlesOpened.first)
        #expect(try CorroborationStore(connection: reviewer).corroboration(bundle: third)?.evidence.map(\.eventId) == ["cap-3", "cap-3-update"])
    }

    @Test func heldIncidentsOutliveTheWriterAndItsConnection() throws {
        let first = try Connection(conninfo)
        try first.execute("SET SESSION AUTHORIZATION \(identifier: ReviewFixture.daemon)")
        try write([Self.report("r1", origin: "reuters.com")], feed: "emm", on: first)
        try write([Self.report("h1", origin: "haaretz.com")], feed: "haaretz", on: first)
        first.close()
        // Another process, another connection: the incident is in the database, not in anyone's memory.
        let second = try ReviewFixture.connect(conninfo, as: ReviewFixture.daemon)
        let summary = try write([Self.report("t1", origin: "timesofisrael.com")], feed: "toi", on: second)
        #expect(summary.bundlesOpened.count == 1)
    }

    @Test func heldIncidentsExpireWithTheirWindow() throws {
        let policy = CorroborationPolicy(sources: 2, windowSeconds: 1)
        try write([Self.report("r1", origin: "reuters.com")], feed: "emm", policy: policy)
        #expect(try held.count == 1)
        let deadline = Date().addingTimeInterval(15)
        while try !held.isEmpty, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        #expect(try held.isEmpty, "the window of one second never closed")
        #expect(try CorroborationStore(connection: reviewer).summary().expiredLastDay == 1)
        // A report after the window starts another incident: it does not corroborate the expired one.
        let late = try write([Self.report("h1", origin: "haaretz.com")], feed: "haaretz", policy: policy)
        #expect(late.bundlesOpened.isEmpty && late.reportsHeld == 1)
        #expect(try held.map { $0.evidence.map(\.eventId) } == [["h1"]])
        #expect(try count("SELECT count(*) FROM chorus.corroborations") == 2)
    }

    @Test func aCancelOfTheReportCancelsTheHeldIncident() throws {
        try write([Self.report("r1", origin: "reuters.com")], feed: "emm")
        var cancel = Self.report("r1-cancel", origin: "reuters.com")
        cancel.msgType = .cancel
        cancel.references = ["r1"]
        cancel.fatalities = nil
        try write([cancel], feed: "emm")
        #expect(try held.isEmpty)
        #expect(try count("SELECT count(*) FROM chorus.corroborations WHERE state = 'cancelled'") == 1)
        // Later reports start afresh: the cancelled one is never corroborated.
        try write([Self.report("h1", origin: "haaretz.com"), Self.report("t1", origin: "timesofisrael.com")], feed: "emm")
        #expect(try count("SELECT count(*) FROM chorus.bundles") == 0)
        #expect(try held.first?.evidence.map(\.eventId) == ["h1", "t1"])
    }

    @Test func differentPlacesAreDifferentIncidents() throws {
        try write([Self.report("r1", origin: "reuters.com", place: "Jerusalem"), Self.report("h1", origin: "haaretz.com", place: "Haifa"),
                   Self.report("t1", origin: "timesofisrael.com", place: "Armon Hanatziv, Jerusalem")], feed: "emm")
        let incidents = try held
        #expect(incidents.count == 2)
        #expect(Set(incidents.map { $0.evidence.map(\.eventId) }) == [["r1", "t1"], ["h1"]])
    }

    @Test func drillsAreClearedWithTheirHeldIncidents() throws {
        try write([Self.report("drill-r1", origin: "reuters.com", status: .exercise)], feed: "drill-news")
        #expect(try CorroborationStore(connection: reviewer).held(drill: true).count == 1)
        #expect(try CorroborationStore(connection: reviewer).held(drill: false).isEmpty)
        _ = try ReviewStore(connection: owner).clearDrills()
        #expect(try count("SELECT count(*) FROM chorus.corroborations") == 0)
        #expect(try count("SELECT count(*) FROM chorus.corroboration_evidence") == 0)
    }

    @Test func theReviewerCannotWriteHeldIncidents() throws {
        try write([Self.report("r1", origin: "reuters.com")], feed: "emm")
        #expect(throws: PostgresError.self) { try reviewer.execute("UPDATE chorus.corroborations SET state = 'cancelled'") }
        #expect(throws: PostgresError.self) { try daemon.execute("DELETE FROM chorus.corroboration_evidence") }
    }
}
