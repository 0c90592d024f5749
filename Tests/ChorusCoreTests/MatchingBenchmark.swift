import Dispatch
import Foundation
import Testing
import ChorusCore

/// The matching benchmark of PRODUCT.md §9: throughput at 10 and 10,000 rules on one core.
/// Not a timed unit test: it only measures and prints, and only when asked:
///
///     CHORUS_BENCH=1 swift test -c release -Xswiftc -enable-testing --scratch-path .build-rules --filter MatchingBenchmark
///
/// Uses the public API only, so the same code runs as a stand-alone program linked against ChorusCore.
struct MatchingBenchmark {
    static let countries = ISO3166.alpha2.sorted()
    static let kinds = RuleSetLoader.defaultKinds.sorted()

    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// A rule for kinds and countries drawn from the given pools, half of them with thresholds.
    static func rule(_ index: Int, kinds kindPool: [String], countries countryPool: [String], kindsPerRule: ClosedRange<Int>,
                     countriesPerRule: ClosedRange<Int>, _ random: inout Generator) -> Rule {
        let kinds = Set((0..<Int.random(in: kindsPerRule, using: &random)).compactMap { _ in kindPool.randomElement(using: &random) })
        let countries = Set((0..<Int.random(in: countriesPerRule, using: &random)).compactMap { _ in countryPool.randomElement(using: &random) })
        let conditions = RuleConditions(kinds: kinds, countries: countries,
                                        fatalities: Bool.random(using: &random) ? NumericRange(minimum: 1) : nil,
                                        magnitude: Bool.random(using: &random) ? NumericRange(minimum: 5.5) : nil)
        return Rule(id: String(format: "bench-%05d", index), description: "", conditions: [conditions], senders: [], templates: [:])
    }

    static func events(kinds kindPool: [String], countries countryPool: [String], _ random: inout Generator) -> [Event] {
        (0..<100_000).map { index in
            Event(id: "e\(index)", kind: kindPool.randomElement(using: &random) ?? "other",
                  countries: [countryPool.randomElement(using: &random) ?? "IL"],
                  magnitude: Double(Int.random(in: 30...90, using: &random)) / 10,
                  fatalities: Int.random(in: 0...20, using: &random))
        }
    }

    /// Best of three runs over 100,000 events: events per second, and matches per event.
    static func measure(_ set: RuleSet, _ events: [Event]) -> (eventsPerSecond: Double, matchesPerEvent: Double) {
        var best = 0.0
        var matches = 0
        for _ in 0..<3 {
            matches = 0
            let start = DispatchTime.now().uptimeNanoseconds
            for event in events { matches += set.match(event).count }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = max(best, Double(events.count) / seconds)
        }
        return (best, Double(matches) / Double(events.count))
    }

    /// Three scenarios, each at 10 and at 10,000 rules:
    /// - `unmatchable`: the 9,990 extra rules are for kinds and countries the events never have — the cost of
    ///   rules that cannot match, which the index must make nothing;
    /// - `spread`: every rule for one kind and one to three of all countries, events anywhere — more rules
    ///   really match each event, and real matches cost;
    /// - `dense`: one or two kinds and one to five countries a rule, several times more real matches.
    static func report() -> [String] {
        var lines: [String] = []
        let liveKinds = Array(kinds.prefix(4)), liveCountries = Array(countries.prefix(20))
        let otherKinds = Array(kinds.dropFirst(4)), otherCountries = Array(countries.dropFirst(20))
        var random = Generator(state: 42)
        let base = (0..<10).map { rule($0, kinds: liveKinds, countries: liveCountries, kindsPerRule: 1...1, countriesPerRule: 1...3, &random) }
        let extra = (10..<10_000).map { rule($0, kinds: otherKinds, countries: otherCountries, kindsPerRule: 1...2, countriesPerRule: 1...5, &random) }
        let liveEvents = events(kinds: liveKinds, countries: liveCountries, &random)
        let small = measure(RuleSet(rules: base, participants: [:], landmarks: [:]), liveEvents)
        let large = measure(RuleSet(rules: base + extra, participants: [:], landmarks: [:]), liveEvents)
        lines.append(line("unmatchable", small, large))
        for (name, kindsPerRule, countriesPerRule) in [("spread", 1...1, 1...3), ("dense", 1...2, 1...5)] {
            var random = Generator(state: 7)
            let all = (0..<10_000).map { rule($0, kinds: kinds, countries: countries, kindsPerRule: kindsPerRule, countriesPerRule: countriesPerRule, &random) }
            let anywhere = events(kinds: kinds, countries: countries, &random)
            let small = measure(RuleSet(rules: Array(all.prefix(10)), participants: [:], landmarks: [:]), anywhere)
            let large = measure(RuleSet(rules: all, participants: [:], landmarks: [:]), anywhere)
            lines.append(line(name, small, large))
        }
        return lines
    }

    static func line(_ name: String, _ small: (eventsPerSecond: Double, matchesPerEvent: Double),
                     _ large: (eventsPerSecond: Double, matchesPerEvent: Double)) -> String {
        "\(name): 10 rules \(Int(small.eventsPerSecond)) events/s (\(String(format: "%.3f", small.matchesPerEvent)) matches/event); "
            + "10,000 rules \(Int(large.eventsPerSecond)) events/s (\(String(format: "%.3f", large.matchesPerEvent)) matches/event); "
            + "slowdown \(String(format: "%.2f", small.eventsPerSecond / large.eventsPerSecond))x"
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["CHORUS_BENCH"] == "1"))
    func matchingThroughput() {
        for line in Self.report() { print("matching " + line) }
    }
}
