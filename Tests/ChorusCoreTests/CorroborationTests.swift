import ChorusCore
import Foundation
import Testing

/// ``Corroboration`` without a database: which reports count as independent, what is authoritative, how
/// certainty grows, which reports are the same incident — and the rule field that asks for it.
struct CorroborationTests {
    static let policy = CorroborationPolicy(sources: 3, windowSeconds: 6 * 3600)
    static let sent = Date(timeIntervalSince1970: 1_483_875_900)
    static let lead = "A gunman killed four people and wounded twelve in a shooting in Jerusalem on Sunday, police said, in what officials described as an attack."

    /// A news report of the Jerusalem shooting, as the news classifier makes it.
    static func report(_ id: String, origin: String?, outlet: String? = nil, lead: String? = lead, place: String? = nil,
                       countries: [String] = ["IL"], location: Event.Location? = nil, kind: String = "shooting",
                       certainty: Event.Certainty = .possible) -> Event {
        var event = Event(id: id, source: "news", kind: kind, sentAt: sent, countries: countries, origin: origin, place: place,
                          location: location, certainty: certainty, fatalities: 4, headline: ["en": "Gunman kills four"])
        if let lead { event.description = ["en": lead] }
        event.tags = ["news"] + (outlet.map { ["outlet:\($0)"] } ?? [])
        return event
    }

    static func assess(_ events: [Event], feed: String = "emm", policy: CorroborationPolicy = policy) -> CorroborationAssessment {
        Corroboration.assess(events.map { CorroborationReport($0, feed: feed, policy: policy) }, policy: policy)
    }

    // MARK: Counting

    @Test func oneReportIsHeldAsPossible() {
        let assessment = Self.assess([Self.report("r1", origin: "reuters.com")])
        #expect(!assessment.isCorroborated)
        #expect(assessment.certainty == .possible)
        #expect(assessment.origins == 1)
        #expect(assessment.standings == [.independent])
    }

    @Test func aSyndicatedCopyCountsOnce() {
        // The New York Times prints Reuters' story: its origin is the agency of the byline.
        let copy = Self.report("n1", origin: "reuters.com", outlet: "nytimes.com")
        let assessment = Self.assess([Self.report("r1", origin: "reuters.com"), copy])
        #expect(assessment.origins == 1)
        #expect(assessment.standings == [.independent, .sameOrigin])
        #expect(assessment.certainty == .possible)
        #expect(CorroborationReport(copy, feed: "nyt", policy: Self.policy).outlet == "nytimes.com")
    }

    @Test func aCopyWithoutBylineIsKnownByItsLead() {
        // The same lead text under another outlet's name, no agency named: one story, counted once.
        let assessment = Self.assess([Self.report("a1", origin: "afp.com"), Self.report("l1", origin: "lemonde.fr"),
                                      Self.report("h1", origin: "haaretz.com", lead: "Four people were killed and twelve wounded when a gunman opened fire at a bus stop near the entrance to the city.")])
        #expect(assessment.origins == 2)
        #expect(assessment.standings == [.independent, .copy(of: "afp.com"), .independent])
        #expect(!assessment.isCorroborated)
        // A short lead is not enough to call two reports one story.
        let short = Self.assess([Self.report("a1", origin: "afp.com", lead: "Shooting in Jerusalem."),
                                 Self.report("b1", origin: "bbc.co.uk", lead: "Shooting in Jerusalem.")])
        #expect(short.origins == 2)
    }

    @Test func certaintyGrowsPossibleLikelyObserved() {
        let first = Self.report("r1", origin: "reuters.com")
        let second = Self.report("h1", origin: "haaretz.com", lead: nil)
        let third = Self.report("t1", origin: "timesofisrael.com", lead: nil)
        #expect(Self.assess([first]).certainty == .possible)
        let two = Self.assess([first, second])
        #expect(two.certainty == .likely && !two.isCorroborated)
        let three = Self.assess([first, second, third])
        #expect(three.certainty == .likely && three.isCorroborated && three.origins == 3)
        var officer = Self.report("report-1", origin: "duty-officer:alice", lead: nil, certainty: .observed)
        officer.source = "duty-officer"
        let confirmed = Self.assess([first, second, third, officer])
        #expect(confirmed.certainty == .observed && confirmed.authorities == 1)
    }

    @Test func anAuthorityCorroboratesAlone() {
        // Observed: a duty officer's report, a CAP authority's alert.
        var officer = Self.report("report-1", origin: "duty-officer:alice", certainty: .observed)
        officer.source = "duty-officer"
        let alone = Self.assess([officer], feed: "duty-officer")
        #expect(alone.isCorroborated && alone.certainty == .observed)
        // A listed official feed or origin, whatever certainty its items have.
        let policy = CorroborationPolicy(sources: 3, windowSeconds: 3600, authoritative: ["police-il", "*.gov.il"])
        let police = Self.report("p1", origin: "police.gov.il")
        #expect(policy.isAuthoritative(police, feed: "emm"))
        #expect(policy.isAuthoritative(Self.report("p2", origin: "gov.il"), feed: "emm"))
        #expect(policy.isAuthoritative(Self.report("p3", origin: "reuters.com"), feed: "POLICE-IL"))
        #expect(!policy.isAuthoritative(Self.report("p4", origin: "notgov.il"), feed: "emm"))
        #expect(!policy.isAuthoritative(Self.report("p5", origin: "reuters.com"), feed: "emm"))
        // A feed that says likely (a CAP authority's warning) is an authority that says likely.
        let likely = Self.assess([Self.report("x1", origin: "warnings.example", certainty: .likely)])
        #expect(likely.certainty == .likely && likely.isCorroborated)
        // Unknown is no authority.
        #expect(!Self.assess([Self.report("x2", origin: "feed.example", certainty: .unknown)]).isCorroborated)
    }

    @Test func aTallyReadBackCountsLikeOneThatSawEveryReport() {
        let earlier = [Self.report("a1", origin: "afp.com"), Self.report("h1", origin: "haaretz.com", lead: nil),
                       Self.report("r1", origin: "reuters.com", lead: nil)].map { CorroborationReport($0, feed: "emm", policy: Self.policy) }
        let later = [Self.report("l1", origin: "lemonde.fr"), Self.report("h2", origin: "haaretz.com", lead: nil),
                     Self.report("b1", origin: "bbc.co.uk", lead: nil)].map { CorroborationReport($0, feed: "emm", policy: Self.policy) }
        var whole = CorroborationTally(earlier)
        let full = later.map { whole.count($0) }
        // What the store keeps: the counts, and of the earlier reports those sharing an origin or a lead with the later ones.
        let stored = CorroborationTally(earlier)
        var readBack = CorroborationTally(reports: stored.reports, origins: stored.origins, authorities: stored.authorities,
                                          certainty: stored.assessment(policy: Self.policy).certainty,
                                          earlier: earlier.filter { report in
                                              later.contains { $0.origin == report.origin || ($0.fingerprint != nil && $0.fingerprint == report.fingerprint) }
                                          })
        #expect(later.map { readBack.count($0) } == full)
        #expect(full == [.copy(of: "afp.com"), .sameOrigin, .independent])
        #expect(readBack.assessment(policy: Self.policy) == CorroborationAssessment(
            origins: whole.origins, authorities: whole.authorities, standings: full, certainty: .likely, required: 3, isCorroborated: true))
    }

    @Test func aReportWithoutOriginCountsAsItsFeed() {
        let report = CorroborationReport(Self.report("x", origin: nil), feed: "Ops-Feed", policy: Self.policy)
        #expect(report.origin == "feed:ops-feed")
    }

    // MARK: The same incident

    static let jerusalem = Event.Location(lat: 31.778, lon: 35.235)
    static let armonHanatziv = Event.Location(lat: 31.753, lon: 35.239)
    static let haifa = Event.Location(lat: 32.794, lon: 34.99)

    @Test func whatMakesTheSameIncident() {
        let incident = IncidentSketch(kind: "shooting", countries: ["IL"], place: "Jerusalem", location: Self.jerusalem)
        func match(_ event: Event) -> IncidentMatch? { Corroboration.match(event, incident) }
        #expect(match(Self.report("a", origin: "x", place: "Jerusalem")) == .place)
        #expect(match(Self.report("a", origin: "x", place: "Armon Hanatziv, Jerusalem")) == .place)
        #expect(match(Self.report("a", origin: "x", place: "Armon Hanatziv", location: Self.armonHanatziv)) == .place)
        #expect(match(Self.report("a", origin: "x")) == .country)
        #expect(match(Self.report("a", origin: "x", countries: ["IL", "PS"])) == .country)
        #expect(match(Self.report("a", origin: "x", place: "Haifa")) == nil)
        #expect(match(Self.report("a", origin: "x", location: Self.haifa)) == nil)
        #expect(match(Self.report("a", origin: "x", kind: "terror_attack")) == nil)
        #expect(match(Self.report("a", origin: "x", countries: ["DE"])) == nil)
        #expect(match(Self.report("a", origin: "x", countries: [])) == nil)
        #expect(Corroboration.kilometres(Self.jerusalem, Self.haifa) > 100)
    }

    @Test func feedsThatNameTheirIncidentsDecide() {
        var keyed = IncidentSketch(Self.report("a", origin: "x", place: "Jerusalem"))
        var alert = Self.report("cap-1", origin: "police.gov.il", place: "Jerusalem")
        alert.incident = "il-2017-01-08"
        keyed.absorb(alert)
        #expect(keyed.incidents == ["il-2017-01-08"])
        var same = Self.report("cap-2", origin: "police.gov.il", place: "Haifa")
        same.incident = "il-2017-01-08"
        #expect(Corroboration.match(same, keyed) == .place)
        var other = alert
        other.incident = "il-2017-01-09"
        #expect(Corroboration.match(other, keyed) == nil)
        // A report without a key is matched on its facts.
        #expect(Corroboration.match(Self.report("b", origin: "y", place: "Jerusalem"), keyed) == .place)
    }

    @Test func theClosestMatchThenTheNewest() {
        let older = HeldIncident(id: 1, ruleID: "r", isDrill: false, sketch: IncidentSketch(kind: "shooting", countries: ["IL"]),
                                 firstSeenAt: Self.sent, expiresAt: Self.sent.addingTimeInterval(3600))
        var newer = older
        newer.id = 2
        newer.firstSeenAt = Self.sent.addingTimeInterval(60)
        var jerusalem = older
        jerusalem.id = 3
        jerusalem.sketch.place = "Jerusalem"
        #expect(Corroboration.bestMatch(for: Self.report("a", origin: "x"), among: [older, newer]) == 1)
        #expect(Corroboration.bestMatch(for: Self.report("a", origin: "x", place: "Jerusalem"), among: [older, jerusalem, newer]) == 1)
        #expect(Corroboration.bestMatch(for: Self.report("a", origin: "x", place: "Haifa"), among: [jerusalem]) == nil)
    }

    @Test func reportsAddUpToAnIncidentThatOpensOnceAndIsJoinedAfter() {
        var incident = HeldIncident(id: nil, ruleID: "deadly-attack", isDrill: false, sketch: IncidentSketch(Self.report("r1", origin: "reuters.com")),
                                    firstSeenAt: Self.sent, expiresAt: Self.sent.addingTimeInterval(3600))
        func add(_ event: Event) -> CorroborationOutcome {
            Corroboration.add(CorroborationReport(event, feed: "emm", policy: Self.policy), of: event, to: &incident, policy: Self.policy)
        }
        guard case .held = add(Self.report("r1", origin: "reuters.com")) else { Issue.record("one report opened it"); return }
        guard case .held = add(Self.report("r1", origin: "reuters.com")) else { Issue.record("the same report twice opened it"); return }
        #expect(incident.reports.count == 1)
        guard case .held = add(Self.report("h1", origin: "haaretz.com", lead: nil, place: "Jerusalem")) else { Issue.record("two opened it"); return }
        #expect(incident.sketch.place == "Jerusalem")
        guard case .opens(let assessment) = add(Self.report("t1", origin: "timesofisrael.com", lead: nil)) else {
            Issue.record("three independent origins did not open it"); return
        }
        #expect(assessment.origins == 3 && assessment.standings.allSatisfy(\.counts))
        #expect(incident.state == .corroborated)
        guard case .joins(let after) = add(Self.report("b1", origin: "bbc.co.uk", lead: nil)) else { Issue.record("a fourth did not join"); return }
        #expect(after.origins == 4)
    }

    // MARK: The rule field

    @Test func theRuleFieldIsReadAndPlanned() throws {
        let set = try RuleSet.load(from: RepositoryPaths.rules)
        let rule = try #require(set.rule(id: "attack"))
        #expect(rule.corroboration == CorroborationPolicy(sources: 3, windowSeconds: 6 * 3600))
        let plans = BundlePlanner.plans(event: Self.report("r1", origin: "reuters.com"), ruleSet: set, now: Self.sent)
        #expect(plans.map(\.ruleID) == ["attack"])
        #expect(plans.first?.corroboration == rule.corroboration)
        #expect(set.rule(id: "major-earthquake")?.corroboration == CorroborationPolicy(sources: 3, windowSeconds: 12 * 3600))
        // In the pipeline a report that will wait is not drafted yet; an authority's is.
        let waiting = BundlePlanner.plans(event: Self.report("r1", origin: "reuters.com"), ruleSet: set, now: Self.sent, feed: "emm")
        #expect(waiting.map(\.waitsForCorroboration) == [true] && waiting.first?.drafts.isEmpty == true)
        #expect(waiting.first?.suppression == plans.first?.suppression && waiting.first?.incidentKey == plans.first?.incidentKey)
        let observed = BundlePlanner.plans(event: Self.report("o1", origin: "police.example", certainty: .observed), ruleSet: set,
                                           now: Self.sent, feed: "police")
        #expect(observed.map(\.waitsForCorroboration) == [false] && observed.first?.drafts.isEmpty == false)
        #expect(plans.first?.waitsForCorroboration == false)
    }

    /// The problems with the column of the value they are about, counted from the `c` of `corroboration:`; the line
    /// is wherever the shipped attack rule has its corroboration, so that editing the rule above it breaks nothing.
    @Test(arguments: [
        ("{ sources: 3, window: '2h', authoritative: ['police-il', '*.gov.il'] }", nil),
        ("{ sources: 1 }", "+26: 1 is not a number of independent origins from 2 to 100: one report needs no corroboration, leave the field out"),
        ("{ sources: 2.5 }", "+26: 2.5 is not a number of independent origins from 2 to 100"),
        ("{ window: '2h' }", "corroboration.sources: missing required field 'sources'"),
        ("{ sources: 3, window: '0' }", "+37: a window of 0 could never be corroborated"),
        ("{ sources: 3, window: 'soon' }", "+37: 'soon' is not a duration"),
        ("{ sources: 3, authoritative: ['*'] }", "+45: '*' is not a feed name or an origin"),
        ("{ sources: 3, source: 2 }", "unknown field 'source'"),
    ] as [(String, String?)])
    func theRuleFieldIsChecked(field: String, problem: String?) throws {
        let directory = try RuleCheckerTests.shippedRuleWithoutKinds()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("rules/attack.json5")
        var text = try String(contentsOf: file, encoding: .utf8)
        let range = try #require(text.range(of: "corroboration: { sources: 3, window: \"6h\" },"))
        let before = text[..<range.lowerBound]
        let line = before.filter { $0 == "\n" }.count + 1
        let lineStart = before.lastIndex(of: "\n").map { before.index(after: $0) } ?? before.startIndex
        let column = before.distance(from: lineStart, to: before.endIndex) + 1
        text.replaceSubrange(range, with: "corroboration: \(field),")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let lines = RuleSet.check(directory: directory).map(\.description)
        if var problem {
            if problem.hasPrefix("+"), let colon = problem.firstIndex(of: ":"), let offset = Int(problem[problem.index(after: problem.startIndex)..<colon]) {
                problem = "\(line):\(column + offset)" + problem[colon...]
            }
            #expect(lines.count == 1 && lines.contains { $0.contains(problem) }, "\(lines)")
        } else {
            #expect(lines.isEmpty, "\(lines)")
            let rule = try #require(try RuleSet.load(from: directory).rule(id: "attack"))
            #expect(rule.corroboration == CorroborationPolicy(sources: 3, windowSeconds: 7200, authoritative: ["police-il", "*.gov.il"]))
        }
    }
}
