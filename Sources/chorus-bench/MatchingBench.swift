import ChorusCore
import Foundation

/// PRODUCT.md §9, matching: events per second on one core at 10 … 10,000 rules through the index, and
/// the brute-force baseline (every rule evaluated) at the largest size.
enum MatchingBench {
    static func run(quick: Bool, into table: inout ReportTable) {
        let runs = quick ? 3 : 5
        let eventCount = quick ? 20_000 : 100_000
        let kinds = RuleSetLoader.defaultKinds.sorted()
        let countries = ISO3166.alpha2.sorted()

        // 1. The rule set grows by rules that cannot match: what the index is for (PRODUCT.md §2, step 3).
        var random = SeededGenerator(seed: 2017_01_08)
        let eventKinds = Array(kinds.prefix(3)), otherKinds = Array(kinds.dropFirst(3))
        let eventCountries = Array(countries.prefix(20)), otherCountries = Array(countries.dropFirst(20))
        let focused = generateEvents(eventCount, kinds: eventKinds, countries: eventCountries, &random)
        let relevant = (0..<10).map { rule($0, kinds: eventKinds, countries: eventCountries, &random) }
        let irrelevant = (10..<10_000).map { rule($0, kinds: otherKinds, countries: otherCountries, &random) }
        let small = RuleSet(rules: relevant, participants: [:], landmarks: [:])
        let large = RuleSet(rules: relevant + irrelevant, participants: [:], landmarks: [:])
        let smallRate = Measurement.median(runs: runs) { eventsPerSecond(focused) { small.match($0).count } }
        let largeRate = Measurement.median(runs: runs) { eventsPerSecond(focused) { large.match($0).count } }
        table.add("matching", "events/s, 10 rules + 9,990 that cannot match (target ≥ 200,000)", largeRate.grouped,
                  baseline: "\(smallRate.grouped) at the 10 rules alone",
                  ratio: "\((smallRate / largeRate).twoDecimals)× slowdown (target < 3×)")
        let bruteFocused = Array(focused.prefix(2_000))
        let bruteRate = Measurement.median(runs: runs) { eventsPerSecond(bruteFocused) { large.matchWithoutIndex($0).count } }
        table.add("matching", "same 10,000 rules: indexed vs every rule evaluated", largeRate.grouped,
                  baseline: "\(bruteRate.grouped) brute force", ratio: "\((largeRate / bruteRate).twoDecimals)× faster")

        // 2. Every rule could match: random rules over all kinds and countries, so matches per event grow too.
        let spread = generateEvents(eventCount, kinds: kinds, countries: countries, &random)
        let allRules = (0..<10_000).map { index in rule(index, kinds: kinds, countries: countries, &random) }
        var throughput: [Int: Double] = [:]
        for size in [10, 100, 1_000, 10_000] {
            let set = RuleSet(rules: Array(allRules.prefix(size)), participants: [:], landmarks: [:])
            throughput[size] = Measurement.median(runs: runs) { eventsPerSecond(spread) { set.match($0).count } }
            let matches = Double(spread.prefix(10_000).reduce(0) { $0 + set.match($1).count }) / Double(min(10_000, spread.count))
            table.add("matching", "events/s, \(size.grouped) random rules over all kinds and countries",
                      (throughput[size] ?? 0).grouped, baseline: "", ratio: "\(matches.twoDecimals) matches/event")
        }
        let slowdown = (throughput[10] ?? 0) / max(throughput[10_000] ?? 1, 1)
        table.add("matching", "slowdown 10 → 10,000 random rules (matches per event grow with them)",
                  "\(slowdown.twoDecimals)×", baseline: (throughput[10] ?? 0).grouped + " events/s at 10",
                  ratio: "\(slowdown.twoDecimals)")
    }

    static func generateEvents(_ count: Int, kinds: [String], countries: [String], _ random: inout SeededGenerator) -> [Event] {
        (0..<count).map { index in
            Event(id: "e\(index)", kind: kinds.randomElement(using: &random) ?? "other",
                  countries: [countries.randomElement(using: &random) ?? "IL"],
                  magnitude: Double(Int.random(in: 30...90, using: &random)) / 10,
                  fatalities: Int.random(in: 0...20, using: &random))
        }
    }

    /// Events matched per second; `match` returns a count so the work cannot be optimized away.
    static func eventsPerSecond(_ events: [Event], _ match: (Event) -> Int) -> Double {
        var matches = 0
        let seconds = Measurement.seconds {
            for event in events { matches &+= match(event) }
        }
        if matches == Int.min { print("") }
        return Double(events.count) / seconds
    }

    /// A rule over a few kinds and countries, half of them with numeric thresholds — the shape real rules have.
    static func rule(_ index: Int, kinds: [String], countries: [String], _ random: inout SeededGenerator) -> Rule {
        let ruleKinds = Set((0..<Int.random(in: 1...2, using: &random)).compactMap { _ in kinds.randomElement(using: &random) })
        let ruleCountries = Set((0..<Int.random(in: 1...5, using: &random)).compactMap { _ in countries.randomElement(using: &random) })
        let conditions = RuleConditions(
            kinds: ruleKinds, countries: ruleCountries,
            fatalities: Bool.random(using: &random) ? NumericRange(minimum: 1) : nil,
            magnitude: Bool.random(using: &random) ? NumericRange(minimum: 5.5) : nil)
        return Rule(id: String(format: "bench-%05d", index), description: "", conditions: [conditions], senders: [], templates: [:])
    }
}
