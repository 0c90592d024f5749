import ChorusCore
import Foundation

/// PRODUCT.md §9, matching: events per second on one core at 10 … 10,000 rules through the index, and
/// the brute-force baseline (every rule evaluated) at the largest size.
enum MatchingBench {
    static func run(quick: Bool, into table: inout ReportTable) {
        var random = SeededGenerator(seed: 2017_01_08)
        let kinds = RuleSetLoader.defaultKinds.sorted()
        let countries = ISO3166.alpha2.sorted()
        let events = (0..<(quick ? 20_000 : 100_000)).map { index in
            Event(id: "e\(index)", kind: kinds.randomElement(using: &random) ?? "other",
                  countries: [countries.randomElement(using: &random) ?? "IL"],
                  magnitude: Double(Int.random(in: 30...90, using: &random)) / 10,
                  fatalities: Int.random(in: 0...20, using: &random))
        }
        let allRules = (0..<10_000).map { index in rule(index, kinds: kinds, countries: countries, &random) }
        let runs = quick ? 3 : 5
        var throughput: [Int: Double] = [:]
        for size in [10, 100, 1_000, 10_000] {
            let set = RuleSet(rules: Array(allRules.prefix(size)), participants: [:], landmarks: [:])
            throughput[size] = Measurement.median(runs: runs) { eventsPerSecond(events) { set.match($0).count } }
            table.add("matching", "events/s, \(size.grouped) rules, indexed", (throughput[size] ?? 0).grouped)
        }
        let largest = RuleSet(rules: allRules, participants: [:], landmarks: [:])
        let bruteEvents = Array(events.prefix(quick ? 2_000 : 10_000))
        let brute = Measurement.median(runs: runs) { eventsPerSecond(bruteEvents) { largest.matchWithoutIndex($0).count } }
        let indexed = throughput[10_000] ?? 0
        table.add("matching", "events/s, 10,000 rules, indexed vs brute force", indexed.grouped,
                  baseline: brute.grouped, ratio: "\((indexed / brute).twoDecimals)× faster")
        let slowdown = (throughput[10] ?? 0) / max(indexed, 1)
        table.add("matching", "slowdown 10 → 10,000 rules (target < 3×)", "\(slowdown.twoDecimals)×",
                  baseline: (throughput[10] ?? 0).grouped + " events/s at 10", ratio: "\(slowdown.twoDecimals)")
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
