import Foundation
import Testing
@testable import ChorusCore

/// Random rules and events over a small vocabulary, so that matches are frequent.
enum RandomRules {
    static let kinds = ["terror_attack", "shooting", "earthquake", "flood", "storm", "diplomatic_expulsion"]
    static let countries = ["IL", "DE", "FR", "GB", "US", "TR", "JP"]
    static let tags = ["a", "b", "c"]

    static func subset<T>(_ values: [T], _ random: inout SeededGenerator, maximum: Int = 3) -> [T] {
        let count = Int.random(in: 1...min(maximum, values.count), using: &random)
        return Array(values.shuffled(using: &random).prefix(count))
    }

    static func range(_ random: inout SeededGenerator, scale: Double) -> NumericRange? {
        switch Int.random(in: 0..<4, using: &random) {
        case 0: return NumericRange(minimum: Double(Int.random(in: 0...4, using: &random)) * scale)
        case 1: return NumericRange(maximum: Double(Int.random(in: 0...4, using: &random)) * scale)
        case 2:
            let low = Double(Int.random(in: 0...3, using: &random)) * scale
            return NumericRange(minimum: low, maximum: low + Double(Int.random(in: 0...3, using: &random)) * scale)
        default: return nil
        }
    }

    static func conditions(_ random: inout SeededGenerator) -> RuleConditions {
        func maybe(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &random) < probability }
        return RuleConditions(
            kinds: maybe(0.8) ? Set(subset(kinds, &random)) : nil,
            countries: maybe(0.7) ? Set(subset(countries, &random)) : nil,
            places: maybe(0.1) ? ["jeru"] : nil,
            statuses: maybe(0.3) ? Set(subset(Event.Status.allCases, &random)) : RuleConditions.defaultStatuses,
            messageTypes: maybe(0.1) ? Set(subset(Event.MessageType.allCases, &random, maximum: 2)) : nil,
            severities: maybe(0.2) ? Set(subset(Event.Severity.allCases, &random)) : nil,
            certainties: maybe(0.1) ? Set(subset(Event.Certainty.allCases, &random)) : nil,
            alertLevels: maybe(0.2) ? Set(subset(Event.AlertLevel.allCases, &random, maximum: 2)) : nil,
            fatalities: maybe(0.4) ? range(&random, scale: 1) : nil, unknownFatalities: maybe(0.15),
            injured: maybe(0.2) ? range(&random, scale: 5) : nil, unknownInjured: maybe(0.1),
            magnitude: maybe(0.2) ? range(&random, scale: 1.5) : nil,
            tags: maybe(0.1) ? Set(subset(tags, &random)) : nil,
            actors: maybe(0.1) ? Set(subset(countries, &random, maximum: 2)) : nil, requiresActor: maybe(0.05),
            excludedActors: maybe(0.1) ? Set(subset(countries, &random, maximum: 2)) : nil)
    }

    static func rule(_ index: Int, _ random: inout SeededGenerator) -> Rule {
        let alternatives = (0..<Int.random(in: 1...3, using: &random)).map { _ in conditions(&random) }
        return Rule(id: String(format: "rule-%05d", index), description: "random", conditions: alternatives, senders: [],
                    templates: [:], gestures: [], release: ReleaseSettings(), suppression: SuppressionSettings(), file: "rules/random.json5")
    }

    static func event(_ index: Int, _ random: inout SeededGenerator) -> Event {
        func maybe(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &random) < probability }
        return Event(
            id: "event-\(index)", kind: kinds.randomElement(using: &random) ?? "other",
            status: Event.Status.allCases.randomElement(using: &random) ?? .actual,
            msgType: Event.MessageType.allCases.randomElement(using: &random) ?? .alert,
            countries: maybe(0.9) ? subset(countries, &random, maximum: 2) : [],
            actors: maybe(0.3) ? subset(countries, &random, maximum: 2) : [],
            place: maybe(0.3) ? "Jerusalem" : nil,
            severity: Event.Severity.allCases.randomElement(using: &random) ?? .unknown,
            certainty: Event.Certainty.allCases.randomElement(using: &random) ?? .unknown,
            alertLevel: maybe(0.6) ? Event.AlertLevel.allCases.randomElement(using: &random) : nil,
            magnitude: maybe(0.5) ? Double(Int.random(in: 0...90, using: &random)) / 10 : nil,
            fatalities: maybe(0.7) ? Int.random(in: 0...6, using: &random) : nil,
            injured: maybe(0.5) ? Int.random(in: 0...25, using: &random) : nil,
            tags: maybe(0.3) ? subset(tags, &random, maximum: 2) : [])
    }
}

struct RuleMatchingTests {
    static func set(_ conditions: [RuleConditions]) -> RuleSet {
        RuleSet(rules: [Rule(id: "r", description: "", conditions: conditions, senders: [],
                             templates: [:], gestures: [], release: ReleaseSettings(), suppression: SuppressionSettings(), file: "")],
                participants: [:], landmarks: [:])
    }

    @Test func allConditionsMustHold() {
        let set = Self.set([RuleConditions(kinds: ["terror_attack"], countries: ["IL"], fatalities: NumericRange(minimum: 1))])
        #expect(set.match(Event(id: "a", kind: "terror_attack", countries: ["IL"], fatalities: 4)).count == 1)
        #expect(set.match(Event(id: "b", kind: "terror_attack", countries: ["IL"], fatalities: 0)).isEmpty)
        #expect(set.match(Event(id: "c", kind: "terror_attack", countries: ["IL"])).isEmpty, "an unknown count does not hold")
        #expect(set.match(Event(id: "d", kind: "shooting", countries: ["IL"], fatalities: 4)).isEmpty)
    }

    @Test func aListMeansAnyOf() {
        let set = Self.set([RuleConditions(kinds: ["earthquake"], countries: ["TR", "GR"], alertLevels: [.red, .orange])])
        #expect(set.match(Event(id: "a", kind: "earthquake", countries: ["SY", "TR"], alertLevel: .orange)).count == 1)
        #expect(set.match(Event(id: "b", kind: "earthquake", countries: ["TR"], alertLevel: .green)).isEmpty)
    }

    @Test func alternativesAreAnyOfAndTheFirstThatHoldsIsReported() {
        let set = Self.set([
            RuleConditions(kinds: ["earthquake"], alertLevels: [.red]),
            RuleConditions(kinds: ["earthquake"], fatalities: NumericRange(minimum: 10)),
        ])
        let matches = set.match(Event(id: "a", kind: "earthquake", fatalities: 50))
        #expect(matches.map(\.alternative) == [1])
        #expect(matches.first?.reasons(for: Event(id: "a", kind: "earthquake", fatalities: 50)) == ["kind earthquake is one of [earthquake]", "status actual is one of [actual, exercise]", "fatalities 50 is at least 10"])
    }

    @Test func unknownCountsHoldOnlyWhenAsked() {
        let unknownOnly = Self.set([RuleConditions(kinds: ["terror_attack"], unknownFatalities: true)])
        #expect(unknownOnly.match(Event(id: "a", kind: "terror_attack")).count == 1)
        #expect(unknownOnly.match(Event(id: "b", kind: "terror_attack", fatalities: 0)).isEmpty)
        let noneOrUnknown = Self.set([RuleConditions(kinds: ["terror_attack"], fatalities: NumericRange(maximum: 0), unknownFatalities: true)])
        #expect(noneOrUnknown.match(Event(id: "c", kind: "terror_attack")).count == 1)
        #expect(noneOrUnknown.match(Event(id: "d", kind: "terror_attack", fatalities: 0)).count == 1)
        #expect(noneOrUnknown.match(Event(id: "e", kind: "terror_attack", fatalities: 3)).isEmpty)
        #expect(noneOrUnknown.rules[0].conditions[0].failures(Event(id: "e", kind: "terror_attack", fatalities: 3))
                == ["fatalities 3 is not at most 0 or unknown"])
    }

    @Test func actorsAreRequiredOrExcluded() {
        let set = Self.set([RuleConditions(kinds: ["diplomatic_expulsion"], requiresActor: true, excludedActors: ["FR", "DE"])])
        #expect(set.match(Event(id: "a", kind: "diplomatic_expulsion", countries: ["IL"], actors: ["RU"])).count == 1)
        #expect(set.match(Event(id: "b", kind: "diplomatic_expulsion", countries: ["IL"])).isEmpty, "who acted must be known")
        let partners = Event(id: "c", kind: "diplomatic_expulsion", countries: ["IL"], actors: ["FR"])
        #expect(set.match(partners).isEmpty)
        #expect(set.rules[0].conditions[0].failures(partners) == ["actor FR is one of the excluded [DE, FR]"])
        let only = Self.set([RuleConditions(actors: ["RU"])])
        #expect(only.match(Event(id: "d", kind: "other", actors: ["IR", "RU"])).count == 1)
        #expect(only.match(Event(id: "e", kind: "other", actors: ["IR"])).isEmpty)
    }

    @Test func messageTypesCanBeRequired() {
        let set = Self.set([RuleConditions(messageTypes: [.update])])
        #expect(set.match(Event(id: "a", kind: "other", msgType: .update)).count == 1)
        #expect(set.match(Event(id: "b", kind: "other")).isEmpty)
    }

    @Test func failuresNameEveryConditionThatDoesNotHold() {
        let conditions = RuleConditions(kinds: ["earthquake"], countries: ["TR"], alertLevels: [.red], magnitude: NumericRange(minimum: 6))
        let event = Event(id: "a", kind: "flood", countries: ["GR"], magnitude: 5.2)
        #expect(conditions.failures(event) == [
            "kind flood is not one of [earthquake]", "no country of [GR] is one of [TR]",
            "alertLevel is unknown, not one of [red]", "magnitude 5.2 is not at least 6",
        ])
        #expect(conditions.failures(Event(id: "b", kind: "earthquake", countries: ["TR"], alertLevel: .red, magnitude: 7)).isEmpty)
    }

    @Test func statusDecidesLiveOrDrill() {
        let set = Self.set([RuleConditions(kinds: ["earthquake"])])
        #expect(set.match(Event(id: "a", kind: "earthquake", status: .actual)).count == 1)
        #expect(set.match(Event(id: "b", kind: "earthquake", status: .exercise)).count == 1)
        #expect(set.match(Event(id: "c", kind: "earthquake", status: .test)).isEmpty)
        let live = Self.set([RuleConditions(kinds: ["earthquake"], statuses: [.actual])])
        #expect(live.match(Event(id: "d", kind: "earthquake", status: .exercise)).isEmpty)
    }

    @Test func numericBoundsAreInclusive() {
        let set = Self.set([RuleConditions(magnitude: NumericRange(minimum: 6, maximum: 7))])
        #expect(set.match(Event(id: "a", kind: "earthquake", magnitude: 6)).count == 1)
        #expect(set.match(Event(id: "b", kind: "earthquake", magnitude: 7)).count == 1)
        #expect(set.match(Event(id: "c", kind: "earthquake", magnitude: 7.01)).isEmpty)
    }

    /// The index must give exactly the brute-force answer, on thousands of random events and rules.
    @Test(arguments: [UInt64(1), 2, 3, 2017])
    func indexedMatchingEqualsBruteForce(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let rules = (0..<300).map { RandomRules.rule($0, &random) }
        let set = RuleSet(rules: rules, participants: [:], landmarks: [:])
        var matched = 0
        for index in 0..<2000 {
            let event = RandomRules.event(index, &random)
            let indexed = set.match(event).map { "\($0.rule.id)/\($0.alternative)" }
            let brute = set.matchWithoutIndex(event).map { "\($0.rule.id)/\($0.alternative)" }
            // Issues are recorded only on a mismatch: an expectation a case would cost more than the matching.
            if indexed != brute { Issue.record("seed \(seed), event \(index): indexed \(indexed), brute force \(brute): \(event)") }
            // The reasons agree with the decision.
            for rule in rules.prefix(20) {
                for conditions in rule.conditions where (conditions.explain(event) != nil) != conditions.matches(event) {
                    Issue.record("seed \(seed), event \(index): explain and matches disagree on \(rule.id)")
                }
            }
            matched += indexed.count
        }
        #expect(matched > 1000, "the random vocabulary should produce many matches")
    }

    @Test func theShippedRulesMatchTheReferenceCases() throws {
        let set = try RuleSet.load(from: RepositoryPaths.rules)
        let jerusalem = try #require(set.drill(id: "jerusalem-2017")).events()
        #expect(jerusalem.map { set.match($0).map(\.rule.id) } == [["attack"], ["attack"]])
        let quake = Event(id: "q", kind: "earthquake", countries: ["TR"], alertLevel: .red, magnitude: 7.8)
        #expect(set.match(quake).map(\.rule.id) == ["major-earthquake"])
        let smallQuake = Event(id: "s", kind: "earthquake", countries: ["TR"], alertLevel: .green, magnitude: 4.1)
        #expect(set.match(smallQuake).isEmpty)
        let expulsion = Event(id: "x", kind: "diplomatic_expulsion", countries: ["DE"], actors: ["RU"], place: "Moscow")
        #expect(set.match(expulsion).map(\.rule.id) == ["diplomatic-expulsion"])
        var unknownActor = expulsion
        unknownActor.actors = []
        #expect(set.match(unknownActor).isEmpty, "an expulsion by a state nobody names is not answered")
    }
}
